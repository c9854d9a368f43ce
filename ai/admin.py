from django.contrib import admin

from .models import AICall


@admin.register(AICall)
class AICallAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
