from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import DAYS, LIMIT, StatsQuery, parse_query

from .. import selectors


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
        query = parse_query(StatsQuery, request)
        return Response({"days": selectors.cache_efficiency(query.get("days", 7))})


class CategoryDistributionView(StaffStatsView):
    @extend_schema(
        summary="Results per category (staff)", parameters=[DAYS], responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request):
        query = parse_query(StatsQuery, request)
        return Response({"categories": selectors.category_distribution(query.get("days", 30))})


class TopUsersView(StaffStatsView):
    @extend_schema(
        summary="Most active users (staff)",
        parameters=[DAYS, LIMIT],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = parse_query(StatsQuery, request)
        return Response({"users": selectors.top_users(query.get("days", 7), query.get("limit", 10))})


class CostsView(StaffStatsView):
    @extend_schema(
        summary="AI cost by provider and model (staff)",
        parameters=[DAYS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = parse_query(StatsQuery, request)
        return Response({"costs": selectors.costs(query.get("days", 30))})


class CitiesView(StaffStatsView):
    @extend_schema(
        summary="Top cities of photos with GPS (staff; city level only)",
        parameters=[DAYS, LIMIT],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = parse_query(StatsQuery, request)
        return Response({"cities": selectors.top_cities(query.get("days", 30), query.get("limit", 20))})
