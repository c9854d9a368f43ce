from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AbilityDimension, AbilityRecord


@admin.register(AbilityDimension)
class AbilityDimensionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "weight", "active", "sort_order"]
    list_editable = ["weight", "active", "sort_order"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Stored comparisons and records refer to the code: it is fixed once the dimension exists.
        return ["code"] if obj is not None else []


@admin.register(AbilityRecord)
class AbilityRecordAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "user", "dimension", "score", "service"]
    list_select_related = ["user", "dimension", "service__customer"]
    list_filter = ["dimension", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username"]
    date_hierarchy = "recorded_at"
