"""Admin pages of user corrections: the corrections themselves (read-only) and the staff review queue (纠错审核)."""

from django.contrib import admin, messages

from ai.taxonomy import BY_CODE
from core.admin import ReadOnlyAdmin

from .models import Correction, CorrectionReview, ImageClassification
from .services import corrections


def _label(code: str) -> str:
    category = BY_CODE.get(code)
    return f"{category.name_zh} ({code})" if category else code or "—"


@admin.register(CorrectionReview)
class CorrectionReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "short_hash",
        "shared_category",
        "proposed_category",
        "users",
        "users_now",
        "status",
        "created_at",
        "decided_by",
    ]
    list_filter = ["status", "category"]
    search_fields = ["^image_hash"]
    actions = ["accept", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")

    @admin.display(description="hash")
    def short_hash(self, obj):
        return f"{obj.image_hash[:16]}…"

    @admin.display(description="共享结果")
    def shared_category(self, obj):
        entry = (
            ImageClassification.objects.filter(image_hash=obj.image_hash)
            .values("category", "provider")
            .first()
        )
        return f"{_label(entry['category'])} · {entry['provider']}" if entry else "—"

    @admin.display(description="现有人数")
    def users_now(self, obj):
        # users may have withdrawn (or made) such corrections since the review was queued
        return Correction.objects.filter(image_hash=obj.image_hash, category=obj.category).count()

    @admin.display(description="用户纠正为")
    def proposed_category(self, obj):
        return _label(obj.category)

    def _decide(self, request, queryset, *, accept: bool):
        decided = sum(
            corrections.review_decide(review_id=pk, accept=accept, staff_user=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        verb = "接受" if accept else "拒绝"
        self.message_user(request, f"已{verb} {decided} 条（已处理过的不变）", messages.SUCCESS)

    @admin.action(description="接受：共享结果改为用户纠正的分类（所有用户生效）")
    def accept(self, request, queryset):
        self._decide(request, queryset, accept=True)

    @admin.action(description="拒绝：共享结果不变，纠错只对各自用户生效")
    def reject(self, request, queryset):
        self._decide(request, queryset, accept=False)


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "short_hash", "original_category", "category", "provider", "model"]
    list_filter = ["category", "original_category", "provider"]
    search_fields = ["^image_hash", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    @admin.display(description="hash")
    def short_hash(self, obj):
        return f"{obj.image_hash[:16]}…"
