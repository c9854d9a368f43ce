from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join

from core.admin import ReadOnlyAdmin

from .models import (
    ComparisonResult,
    Customer,
    CustomerPhoto,
    CustomerProfile,
    DesignDay,
    DesignPlan,
    InspirationImage,
    InspirationTag,
    ServiceRecord,
)


class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    can_delete = False


class CustomerPhotoInline(admin.TabularInline):
    model = CustomerPhoto
    extra = 0
    fields = ["image", "width", "height", "created_at"]
    readonly_fields = fields


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "owner", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "phone", "owner__username"]
    list_filter = ["created_at"]
    raw_id_fields = ["owner"]
    inlines = [CustomerProfileInline, CustomerPhotoInline]


class InspirationTagInline(admin.TabularInline):
    model = InspirationTag
    extra = 0


@admin.register(InspirationImage)
class InspirationImageAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "width", "height", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["owner__username", "tags__name"]
    readonly_fields = ["image", "width", "height"]
    raw_id_fields = ["owner"]
    inlines = [InspirationTagInline]


@admin.register(DesignPlan)
class DesignPlanAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "customer",
        "version",
        "status",
        "provider",
        "cost",
        "credits_charged",
        "from_cache",
        "created_at",
    ]
    list_select_related = ["customer"]
    list_filter = ["status", "design_target", "provider", "complexity", "from_cache"]
    search_fields = ["customer__name", "custom_prompt", "owner__username"]
    raw_id_fields = ["owner", "customer", "parent_design"]
    filter_horizontal = ["inspiration_images"]
    readonly_fields = [
        "lineage",
        "version_chain",
        "image",
        "ai_prompt",
        "provider",
        "cost",
        "cache_key",
        "from_cache",
        "generated_at",
    ]

    @admin.display(description="版本链")
    def version_chain(self, plan: DesignPlan):
        versions = DesignPlan.objects.filter(lineage=plan.lineage).order_by("version", "id")
        return (
            format_html_join(
                " → ",
                '<a href="{}">v{} ({})</a>',
                (
                    (
                        reverse("admin:nailstudio_designplan_change", args=[v.pk]),
                        v.version,
                        v.get_status_display(),
                    )
                    for v in versions
                ),
            )
            or "—"
        )


class ComparisonResultInline(admin.StackedInline):
    model = ComparisonResult
    can_delete = False
    extra = 0
    readonly_fields = [
        "similarity_score",
        "differences",
        "suggestions",
        "dimension_scores",
        "provider",
        "analyzed_at",
    ]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "service_date", "status", "comparison_status", "owner"]
    list_select_related = ["customer", "owner"]
    list_filter = ["status", "comparison_status", "service_date"]
    search_fields = ["customer__name", "owner__username", "notes"]
    raw_id_fields = ["owner", "customer", "design_plan"]
    readonly_fields = ["actual_image", "completed_at", "comparison_status", "comparison_error"]
    inlines = [ComparisonResultInline]


@admin.register(DesignDay)
class DesignDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "requests", "cache_hits", "generated", "failed", "cost", "credits"]
    date_hierarchy = "date"
