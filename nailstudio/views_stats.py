"""Staff stats of the nail studio's designs (like ``stats/image-edits``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import DAYS, StatsQuery, parse_query

from . import selectors


class DesignStatsView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Design requests per day: cache hits, designs drawn, provider cost, credits (staff)",
        parameters=[DAYS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(selectors.designs_per_day(parse_query(StatsQuery, request).get("days", 30)))
