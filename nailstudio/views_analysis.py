"""Nail studio analysis API: ad-hoc analysis of one image and comparison of two (nothing stored)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ai.services import ANALYSIS_TYPES
from core import serializers as strict

from .serializers import ComparisonSerializer
from .services import analysis


class AnalysisRequestSerializer(strict.Serializer):
    analysis_type = serializers.CharField(
        required=False, default="", help_text=f"one of {', '.join(ANALYSIS_TYPES)}"
    )
    image = serializers.FileField(required=False, help_text="an upload (JPEG, PNG, WebP or HEIC), or:")
    inspiration_id = serializers.IntegerField(
        required=False, min_value=1, help_text="one of your inspirations"
    )
    photo_id = serializers.IntegerField(
        required=False, min_value=1, help_text="a profile photo of one of your customers"
    )


class AnalysisResultSerializer(serializers.Serializer):
    analysis_type = serializers.ChoiceField(choices=ANALYSIS_TYPES)
    result = serializers.DictField(help_text="the answer of that analysis type (see docs/nailstudio.md)")
    provider = serializers.CharField()
    model = serializers.CharField(allow_blank=True)


class CompareRequestSerializer(strict.Serializer):
    actual_image = serializers.FileField(help_text="photo of the nails to compare (JPEG, PNG, WebP or HEIC)")
    reference = serializers.FileField(required=False, help_text="the reference image, or:")
    design_id = serializers.IntegerField(required=False, min_value=1, help_text="one of your ready designs")


class AnalysisImageView(APIView):
    parser_classes = [MultiPartParser, JSONParser]  # JSON for an inspiration_id / photo_id
    throttle_scope = "nail_analysis"

    @extend_schema(
        summary="Analyse one image: colours, style tags, nail shape or nail condition",
        description=(
            "Remote vision models first, then the offline engine (it answers every type; its nail condition "
            "is `unknown` with a low confidence). 400 `invalid_analysis_type`; another artist's "
            "`inspiration_id` / `photo_id` is 404. Nothing is stored."
        ),
        request={
            "multipart/form-data": AnalysisRequestSerializer,
            "application/json": AnalysisRequestSerializer,
        },
        responses={200: AnalysisResultSerializer},
        examples=[
            OpenApiExample(
                "Colours",
                value={
                    "analysis_type": "colors",
                    "result": {
                        "colors": [{"color": "#F4A6B8", "share": 0.62}, {"color": "#FAFAF7", "share": 0.3}]
                    },
                    "provider": "local",
                    "model": "offline",
                },
                response_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = AnalysisRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body = analysis.analyse(
            owner=request.user,
            analysis_type=data["analysis_type"],
            upload=data.get("image"),
            inspiration_id=data.get("inspiration_id"),
            photo_id=data.get("photo_id"),
        )
        return Response(AnalysisResultSerializer(body).data)


class AnalysisCompareView(APIView):
    parser_classes = [MultiPartParser]
    throttle_scope = "nail_analysis"

    @extend_schema(
        summary="Compare a photo with a reference image or one of your ready designs",
        description=(
            "The answer of a service comparison (similarity, differences, suggestions, per-dimension scores), "
            "not stored and not scored into abilities. Another artist's `design_id` is 404; a design that is "
            "not ready is 409 `design_not_ready`."
        ),
        request={"multipart/form-data": CompareRequestSerializer},
        responses={200: ComparisonSerializer, 409: OpenApiResponse(description="design_not_ready")},
    )
    def post(self, request):
        serializer = CompareRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body = analysis.compare(
            owner=request.user,
            actual_image=data["actual_image"],
            reference=data.get("reference"),
            design_id=data.get("design_id"),
        )
        return Response(ComparisonSerializer(body).data)
