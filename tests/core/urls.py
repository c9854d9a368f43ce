"""Test-only endpoints that exercise the error envelope and the upload validator through real requests."""

from django.urls import include, path
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.uploads import validate_image


class UploadProbe(APIView):
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    def post(self, request):
        image = validate_image(request.FILES.get("image"))
        return Response({"sha256": image.sha256, "format": image.format, "size": list(image.image.size)})


class Boom(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internal detail")


def django_boom(request):
    raise RuntimeError("secret internal detail")


def django_recursion(request):
    raise RecursionError("maximum recursion depth exceeded")


def django_overflow(request):
    raise OverflowError("int too large to convert to float")


urlpatterns = [
    path("probe/upload", UploadProbe.as_view()),
    path("probe/boom", Boom.as_view()),
    path("probe/django-boom", django_boom),
    path("api/probe/recursion", django_recursion),
    path("api/probe/overflow", django_overflow),
    path("api/probe/boom", django_boom),
    path("", include("config.urls")),
]
handler500 = "core.errors.handler500"
handler404 = "core.errors.handler404"
