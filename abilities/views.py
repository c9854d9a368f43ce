"""The ability center: the requesting artist's own scores, history, radar chart and insights."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import parse_query
from core.negotiation import JSONOnlyNegotiation

from . import selectors
from .charts import FORMATS, Axis, radar
from .models import AbilityRecord
from .serializers import (
    AbilityDimensionSerializer,
    AbilityHistoryQuerySerializer,
    AbilityHistorySerializer,
    AbilityInsightsSerializer,
    AbilityRecordQuerySerializer,
    AbilityRecordSerializer,
    AbilitySummarySerializer,
)
from .services import active_dimensions

SUMMARY_EXAMPLE = {
    "as_of": "2026-03-30T10:00:00+08:00",
    "half_life_days": 30,
    "compare_days": 30,
    "overall": {"score": 78.4, "score_before": 74.1, "change": 4.3},
    "dimensions": [
        {
            "code": "color_matching",
            "name": "颜色搭配",
            "weight": 1.0,
            "score": 82.5,
            "score_before": 76.0,
            "change": 6.5,
            "services": 14,
        }
    ],
}


class SummaryView(APIView):
    @extend_schema(
        summary="My abilities now",
        description=(
            "Per active dimension: the recency-weighted average score (exponential decay, half-life "
            "`ABILITY_HALF_LIFE_DAYS`), the same 30 days earlier, the change and the number of scored services; "
            "plus the overall score weighted by each dimension's weight. Scores are null until a service is scored."
        ),
        responses={200: AbilitySummarySerializer},
        examples=[OpenApiExample("Summary", value=SUMMARY_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        return Response(AbilitySummarySerializer(selectors.summary(request.user)).data)


class DimensionsView(APIView):
    @extend_schema(
        summary="Active ability dimensions", responses={200: AbilityDimensionSerializer(many=True)}
    )
    def get(self, request):
        return Response(AbilityDimensionSerializer(active_dimensions(), many=True).data)


class HistoryView(APIView):
    @extend_schema(
        summary="My average scores per week or month",
        description=(
            "Buckets are Asia/Shanghai weeks (from Monday) or months, labelled by their first day; only records "
            "between `from` and `to` (inclusive) count. Without `dimension`, every active dimension."
        ),
        parameters=[
            OpenApiParameter("dimension", str, description="a dimension code (default: all active)"),
            OpenApiParameter("period", str, enum=["week", "month"], description="default week"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="default: 12 weeks or months back"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="default: today"),
        ],
        responses={200: AbilityHistorySerializer},
    )
    def get(self, request):
        query = parse_query(AbilityHistoryQuerySerializer, request)
        dimension = query.get("dimension")
        data = selectors.history(
            request.user,
            period=query["period"],
            start=query["from"],
            end=query["to"],
            dimensions=[dimension] if dimension else active_dimensions(),
        )
        return Response(AbilityHistorySerializer(data).data)


class InsightsView(APIView):
    @extend_schema(
        summary="Strongest, weakest, most improved and recurring suggestions",
        description="Suggestions count when they appear in at least two of the 20 latest comparisons.",
        responses={200: AbilityInsightsSerializer},
    )
    def get(self, request):
        return Response(AbilityInsightsSerializer(selectors.insights(request.user)).data)


class RecordsView(generics.ListAPIView):
    serializer_class = AbilityRecordSerializer
    filter_backends: list = []

    @extend_schema(
        summary="My ability records, newest first",
        parameters=[
            OpenApiParameter("service", int, description="only this service's records"),
            OpenApiParameter("dimension", str, description="only this dimension (code)"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return AbilityRecord.objects.none()
        query = parse_query(AbilityRecordQuerySerializer, self.request)
        records = selectors.records_for(self.request.user)
        if "service" in query:
            records = records.filter(service_id=query["service"])
        if "dimension" in query:
            records = records.filter(dimension__code=query["dimension"])
        return records


class RadarView(APIView):
    fmt = "svg"
    # Images go out as plain HttpResponses; errors as JSON whatever the client's Accept header says.
    content_negotiation_class = JSONOnlyNegotiation

    def get(self, request):
        data = selectors.summary(request.user)
        axes = [Axis(d["code"], d["name"], d["score"], d["score_before"]) for d in data["dimensions"]]
        image = radar(axes, self.fmt, compare_days=data["compare_days"])
        response = HttpResponse(image, content_type=FORMATS[self.fmt])
        response["Cache-Control"] = "private, no-cache"
        return response


_RADAR_DESCRIPTION = (
    "Now against 30 days ago, one axis per active dimension with its Chinese name; a chart that says there is "
    "nothing yet when no service is scored. "
)


@extend_schema(
    summary="My ability radar (SVG)",
    description=_RADAR_DESCRIPTION + "Text stays text, so any browser shows the Chinese names.",
    responses={(200, "image/svg+xml"): OpenApiTypes.BINARY},
)
class RadarSvgView(RadarView):
    fmt = "svg"


@extend_schema(
    summary="My ability radar (PNG)",
    description=_RADAR_DESCRIPTION + "Needs a CJK font on the server for Chinese labels (otherwise codes).",
    responses={(200, "image/png"): OpenApiTypes.BINARY},
)
class RadarPngView(RadarView):
    fmt = "png"
