"""Staff stats of the nail studio's designs (like ``stats/image-edits``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApiError

from . import selectors


class DesignStatsView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Design requests per day: cache hits, designs drawn, provider cost, credits (staff)",
        parameters=[
            OpenApiParameter("days", int, description="1–365 Asia/Shanghai calendar days, ending today")
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        raw = request.query_params.get("days", "30")
        days = int(raw) if raw.isdigit() else 0
        if not 1 <= days <= 365:
            raise ApiError(400, "invalid_parameter", "days 必须是 1 到 365 之间的整数", {"days": raw})
        return Response(selectors.designs_per_day(days))
