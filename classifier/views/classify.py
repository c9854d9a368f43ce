from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import services as ai
from core.request import client_ip, request_uuid

from .. import services
from ..models import ClassifyJob
from ..serializers import (
    BatchInput,
    BatchOutputSerializer,
    CategorySerializer,
    ClassifyInput,
    JobSerializer,
    LocalClassifyInput,
    LocalResultSerializer,
    ResultSerializer,
)
from ..services.budget import check_pixel_budget

RESULT_EXAMPLE = OpenApiExample(
    "Classified",
    value={
        "request_id": "5b1f6c1e-3a0e-4a53-9d0e-1c2b3a4d5e6f",
        "image_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "category": "pets",
        "category_label": "宠物",
        "confidence": 0.93,
        "description": "一只橘猫趴在沙发上",
        "from_cache": False,
        "inference_method": "remote",
        "provider": "dashscope",
        "processing_time_ms": 1240,
    },
    response_only=True,
)


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ClassifyView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ClassifyInput},
        responses={200: ResultSerializer},
        examples=[RESULT_EXAMPLE],
        summary="Classify one photo (cache first; hash the exact bytes you upload)",
    )
    def post(self, request):
        data = _validated(ClassifyInput, request)
        outcome = services.classify_upload(
            user=request.user,
            upload=data["image"],
            declared_hash=data.get("image_hash"),
            mode=data["mode"],
            ip=client_ip(request),
            request_id=request_uuid(request),
        )
        return Response(outcome.as_dict())


class LocalClassifyView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": LocalClassifyInput},
        responses={200: LocalResultSerializer},
        summary="Classify with the local engine only; its evidence is in labels",
    )
    def post(self, request):
        outcome = services.classify_local_only(
            user=request.user,
            upload=_validated(LocalClassifyInput, request)["image"],
            ip=client_ip(request),
            request_id=request_uuid(request),
        )
        return Response(outcome.as_dict(with_labels=True))


class BatchView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": BatchInput},
        responses={200: BatchOutputSerializer, 202: JobSerializer},
        summary="Classify up to CLASSIFY_BATCH_MAX photos; async=true queues a job",
    )
    def post(self, request):
        data = _validated(BatchInput, request)
        check_pixel_budget(data["images"])
        if data["async"]:
            job = services.job_create(user=request.user, uploads=data["images"], mode=data["mode"])
            return Response(JobSerializer.of(job), status=status.HTTP_202_ACCEPTED)
        results = services.classify_batch(
            user=request.user,
            uploads=data["images"],
            mode=data["mode"],
            ip=client_ip(request),
            request_id=request_uuid(request),
        )
        return Response({"results": results})


class JobView(APIView):
    @extend_schema(responses={200: JobSerializer}, summary="Progress and results of an async batch")
    def get(self, request, job_id):
        job = get_object_or_404(ClassifyJob, pk=job_id, user=request.user)
        return Response(JobSerializer.of(job))


class CategoriesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CategorySerializer(many=True)}, summary="The eight categories")
    def get(self, request):
        return Response([CategorySerializer(c).data for c in ai.CATEGORIES])
