from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApiError

from .. import selectors


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise ApiError(400, "invalid_parameter", f"{name} 必须是 {low} 到 {high} 之间的整数", {name: raw})
    return value


DAYS = OpenApiParameter("days", int, description="1–365 Asia/Shanghai calendar days, ending today")


class StaffStatsView(APIView):
    """Figures from the rollups as of the last write to them (the hit buffer's last flush), which the
    ``X-Stats-As-Of`` header gives: reading stats never waits for the buffer."""

    permission_classes = [IsAdminUser]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and (at := selectors.as_of()):
            response["X-Stats-As-Of"] = at.isoformat()
        return response


class TodayView(StaffStatsView):
    @extend_schema(summary="Today's figures (staff)", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(selectors.today())


class CacheEfficiencyView(StaffStatsView):
    @extend_schema(
        summary="Hit rate, bytes and cost saved per day (staff)",
        parameters=[DAYS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response({"days": selectors.cache_efficiency(_int_param(request, "days", 7, 1, 365))})


class CategoryDistributionView(StaffStatsView):
    @extend_schema(
        summary="Results per category (staff)", parameters=[DAYS], responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request):
        return Response(
            {"categories": selectors.category_distribution(_int_param(request, "days", 30, 1, 365))}
        )


class TopUsersView(StaffStatsView):
    @extend_schema(
        summary="Most active users (staff)",
        parameters=[DAYS, OpenApiParameter("limit", int, description="1–100")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        days = _int_param(request, "days", 7, 1, 365)
        limit = _int_param(request, "limit", 10, 1, 100)
        return Response({"users": selectors.top_users(days, limit)})


class CostsView(StaffStatsView):
    @extend_schema(
        summary="AI cost by provider and model (staff)",
        parameters=[DAYS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response({"costs": selectors.costs(_int_param(request, "days", 30, 1, 365))})


class CitiesView(StaffStatsView):
    @extend_schema(
        summary="Top cities of photos with GPS (staff; city level only)",
        parameters=[DAYS, OpenApiParameter("limit", int, description="1–100")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        days = _int_param(request, "days", 30, 1, 365)
        limit = _int_param(request, "limit", 20, 1, 100)
        return Response({"cities": selectors.top_cities(days, limit)})
