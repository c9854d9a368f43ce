from __future__ import annotations

from datetime import timedelta

from rest_framework import serializers

from .models import AbilityDimension, AbilityRecord
from .selectors import PERIODS, bucket_start, today

MAX_HISTORY_DAYS = 5 * 366


class AbilityDimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AbilityDimension
        fields = ["code", "name", "description", "weight", "sort_order"]


class AbilityDimensionSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.FloatField()
    score = serializers.FloatField(allow_null=True, help_text="recency-weighted average now (0–100)")
    score_before = serializers.FloatField(allow_null=True, help_text="the same, compare_days ago")
    change = serializers.FloatField(allow_null=True, help_text="score − score_before")
    services = serializers.IntegerField(help_text="scored services")


class AbilityOverallSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="dimension scores averaged by weight")
    score_before = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class AbilitySummarySerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    half_life_days = serializers.FloatField()
    compare_days = serializers.IntegerField()
    overall = AbilityOverallSerializer()
    dimensions = AbilityDimensionSummarySerializer(many=True)


class AbilityBucketSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="first day of the week (Monday) or month, Asia/Shanghai")
    average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()


class AbilitySeriesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    buckets = AbilityBucketSerializer(many=True)


class AbilityHistorySerializer(serializers.Serializer):
    period = serializers.CharField(help_text="week | month")
    timezone = serializers.CharField()
    dimensions = AbilitySeriesSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"], fields["to"] = serializers.DateField(), serializers.DateField()
        return fields


class AbilityHistoryQuerySerializer(serializers.Serializer):
    dimension = serializers.SlugRelatedField(
        slug_field="code", queryset=AbilityDimension.objects.filter(active=True), required=False
    )
    period = serializers.ChoiceField(choices=PERIODS, default="week")

    def get_fields(self):
        fields = super().get_fields()  # "from" is a keyword: these two cannot be class attributes
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        end = attrs.get("to") or today()
        start = attrs.get("from")
        if start is None:  # the last 12 weeks or months, whole buckets
            start = end - timedelta(weeks=11) if attrs["period"] == "week" else _months_before(end, 11)
            start = bucket_start(start, attrs["period"])
        if start > end:
            raise serializers.ValidationError({"from": ["from 不能晚于 to (from is after to)"]})
        if (end - start).days > MAX_HISTORY_DAYS:
            raise serializers.ValidationError({"from": [f"最多 {MAX_HISTORY_DAYS} 天 (range too long)"]})
        return {**attrs, "from": start, "to": end}


def _months_before(day, months: int):
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


class AbilityRecordQuerySerializer(serializers.Serializer):
    service = serializers.IntegerField(required=False, min_value=1)
    dimension = serializers.SlugField(required=False)


class AbilityRecordSerializer(serializers.ModelSerializer):
    dimension = serializers.CharField(source="dimension.code")
    dimension_name = serializers.CharField(source="dimension.name")
    evidence = serializers.DictField(
        help_text='{"text": "<why this score>", "provider": "dashscope|openai|local"}'
    )

    class Meta:
        model = AbilityRecord
        fields = ["id", "service", "dimension", "dimension_name", "score", "evidence", "recorded_at"]


class AbilityBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class RecurringSuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    count = serializers.IntegerField(help_text="in how many of the recent comparisons it appeared")


class AbilityInsightsSerializer(serializers.Serializer):
    strongest = AbilityBriefSerializer(allow_null=True)
    weakest = AbilityBriefSerializer(allow_null=True)
    most_improved = AbilityBriefSerializer(allow_null=True)
    recurring_suggestions = RecurringSuggestionSerializer(many=True)
