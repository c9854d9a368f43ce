from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AICall


@admin.register(AICall)
class AICallAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "capability",
        "provider",
        "model",
        "ok",
        "error_code",
        "latency_ms",
        "cost",
        "user",
    ]
    list_filter = ["capability", "provider", "ok", "model"]
    search_fields = ["error_code", "model", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    allow_delete = True
