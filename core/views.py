from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import reasons, run_checks
from .negotiation import JSONOnlyNegotiation
from .renderers import JSONRenderer

HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "checks": serializers.DictField(child=serializers.DictField()),
        "reasons": serializers.ListField(child=serializers.CharField()),
    },
)


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer}, summary="Service health")
    def get(self, request):
        status, checks = run_checks()
        return Response(
            {"status": status, "checks": checks, "reasons": reasons(checks)},
            status=503 if status == "down" else 200,
        )


class ReadyView(APIView):
    """Readiness: can this process serve? Only the critical checks (the database) decide: with Redis, the broker
    or a provider down the API still answers (degraded, see /health), so a load balancer keeps sending traffic."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer}, summary="Readiness")
    def get(self, request):
        status, checks = run_checks(critical_only=True)
        response = Response(
            {"status": status, "checks": checks, "reasons": reasons(checks)},
            status=503 if status == "down" else 200,
        )
        if status == "down":
            response["Retry-After"] = "5"
        return response


class LiveView(APIView):
    """Liveness: the process answers. Checks nothing else (a load balancer restarting web processes because the
    database is down would only make things worse); use /health for readiness."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    @extend_schema(
        responses={200: inline_serializer("Live", {"status": serializers.CharField()})}, summary="Liveness"
    )
    def get(self, request):
        return Response({"status": "ok"})
