import django_filters

from core.filters import IdFilter, StrictFilterSet

from .models import DesignPlan, InspirationImage, ServiceRecord


class InspirationFilter(StrictFilterSet):
    tags = django_filters.CharFilter(method="filter_tag", label="Only images with this tag")

    class Meta(StrictFilterSet.Meta):
        model = InspirationImage
        fields = ["tags"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip().lower()).distinct()


class DesignPlanFilter(StrictFilterSet):
    # Plain ids: a model-choice filter would tell other users' ids (valid) from unknown ones (400).
    customer = IdFilter(field_name="customer_id")

    class Meta(StrictFilterSet.Meta):
        model = DesignPlan
        fields = ["customer", "status", "design_target"]


class ServiceRecordFilter(StrictFilterSet):
    customer = IdFilter(field_name="customer_id")
    design_plan = IdFilter(field_name="design_plan_id")
    service_date_after = django_filters.DateFilter(field_name="service_date", lookup_expr="gte")
    service_date_before = django_filters.DateFilter(field_name="service_date", lookup_expr="lte")

    class Meta(StrictFilterSet.Meta):
        model = ServiceRecord
        fields = ["customer", "design_plan", "status"]
