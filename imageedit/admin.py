from django.contrib import admin, messages

from billing.services import InsufficientCredits
from core.admin import ReadOnlyAdmin

from . import services
from .models import ImageEditDay, ImageEditTask


@admin.register(ImageEditTask)
class ImageEditTaskAdmin(ReadOnlyAdmin):
    allow_delete = True
    list_display = [
        "id",
        "user",
        "status",
        "preset",
        "short_instruction",
        "from_cache",
        "provider",
        "model",
        "cost",
        "credits_charged",
        "error_code",
        "created_at",
        "finished_at",
        "expires_at",
    ]
    list_filter = ["status", "preset", "from_cache", "provider"]
    search_fields = ["=id", "user__username", "^source_hash", "error_code"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ImageEditTask._meta.fields]
    actions = ["retry_failed"]

    @admin.display(description="指令")
    def short_instruction(self, obj):
        return obj.instruction if len(obj.instruction) <= 30 else f"{obj.instruction[:30]}…"

    @admin.action(description="重试所选失败任务（原图仍保留时；按新任务扣积分）")
    def retry_failed(self, request, queryset):
        retried = skipped = short = 0
        for task in queryset.select_related("user"):
            try:
                if services.retry(task):
                    retried += 1
                else:
                    skipped += 1
            except InsufficientCredits:
                short += 1
        self.message_user(request, f"已重试 {retried} 个任务", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} 个任务未失败或原图已删除，已跳过", messages.WARNING)
        if short:
            self.message_user(request, f"{short} 个任务的用户积分不足，已跳过", messages.WARNING)


@admin.register(ImageEditDay)
class ImageEditDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "succeeded", "failed", "canceled", "cache_hits", "cost", "credits"]
    date_hierarchy = "date"
