import redis
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdmin

from . import selectors, services
from .models import ClassifierStats, ClassifyJob, ImageClassification, RequestLog
from .services.checkcache import hits


def _pending() -> int | None:
    """Check-cache records waiting in the hit buffer (None when Redis does not answer)."""
    try:
        return hits.pending()
    except redis.RedisError:
        return None


@admin.register(ImageClassification)
class ImageClassificationAdmin(admin.ModelAdmin):
    list_display = [
        "short_hash",
        "category",
        "confidence",
        "inference_method",
        "provider",
        "hit_count",
        "prompt_version",
        "created_at",
        "last_hit_at",
    ]
    list_filter = ["category", "inference_method", "provider", "prompt_version"]
    search_fields = ["^image_hash"]
    readonly_fields = [f.name for f in ImageClassification._meta.fields]
    date_hierarchy = "created_at"
    actions = ["invalidate"]

    @admin.display(description="hash")
    def short_hash(self, obj):
        return f"{obj.image_hash[:16]}…"

    @admin.action(description="失效所选缓存（下次请求重新分类）")
    def invalidate(self, request, queryset):
        count, _ = queryset.delete()
        self.message_user(request, f"已失效 {count} 条缓存", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(RequestLog)
class RequestLogAdmin(ReadOnlyAdmin):
    allow_delete = True
    list_display = [
        "created_at",
        "endpoint",
        "user",
        "category",
        "inference_method",
        "from_cache",
        "provider",
        "processing_time_ms",
        "cost",
        "status",
        "error_code",
        "city",
    ]
    list_filter = ["endpoint", "inference_method", "from_cache", "status", "category"]
    search_fields = ["^image_hash", "user__username", "error_code", "city"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def changelist_view(self, request, extra_context=None):
        services.flush_cache_hits(budget_seconds=2)  # list the check-cache hits waiting in the buffer too
        return super().changelist_view(request, extra_context)


@admin.register(ClassifyJob)
class ClassifyJobAdmin(ReadOnlyAdmin):
    allow_delete = True
    list_display = ["id", "user", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "=id"]


@admin.register(ClassifierStats)
class ClassifierStatsAdmin(admin.ModelAdmin):
    """The last 30 days as charts drawn server-side (SVG in the page, no CDN)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff

    def changelist_view(self, request, extra_context=None):
        # Rollups as of the buffer's last flush (shown with its time); the page never waits for the buffer.
        days = selectors.cache_efficiency(30)
        categories = selectors.category_distribution(30)
        peak = max((c["count"] for c in categories), default=0) or 1
        hours = selectors.hours_today()
        busiest = max((h["requests"] for h in hours), default=0) or 1
        context = {
            **self.admin_site.each_context(request),
            "title": "分类统计（近 30 天）",
            "opts": self.model._meta,
            "today": selectors.today(),
            "as_of": selectors.as_of(),
            "pending": _pending(),
            "hours": [{**h, "bar": round(h["requests"] / busiest * 100, 1)} for h in hours],
            "days": [{**d, "bar": round(d["hit_rate"] * 100, 1)} for d in days],
            "categories": [{**c, "bar": round(c["count"] / peak * 100, 1)} for c in categories],
        }
        return TemplateResponse(request, "admin/classifier/stats.html", context)


from . import admin_corrections  # noqa: E402,F401  (the corrections pages: 用户纠错, 纠错审核)
