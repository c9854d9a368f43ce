from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import run_checks
from .negotiation import JSONOnlyNegotiation
from .renderers import JSONRenderer

HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "checks": serializers.DictField(child=serializers.DictField()),
    },
)


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer}, summary="Service health")
    def get(self, request):
        status, checks = run_checks()
        return Response({"status": status, "checks": checks}, status=503 if status == "down" else 200)


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
