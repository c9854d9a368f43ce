from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import DAYS, StatsQuery, parse_query

from .. import selectors_corrections as selectors
from ..models import Correction
from ..serializers import CorrectionInput, CorrectionSerializer
from ..services import corrections
from ..services.cache import normalise_hash


class CorrectionsView(generics.ListAPIView):
    serializer_class = CorrectionSerializer
    queryset = Correction.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        return selectors.corrections_of(self.request.user)

    @extend_schema(summary="My corrections, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CorrectionInput,
        responses={201: CorrectionSerializer, 200: CorrectionSerializer},
        summary="Correct the category of a photo you were answered for (201; 200 when you change your correction)",
        description=(
            'From then on every answer to you for this hash carries your category with "corrected": true; other '
            "users keep the shared result. 404 for a hash you were never answered for."
        ),
    )
    def post(self, request):
        image_hash, category = CorrectionInput.parse(request.data)
        correction, created = corrections.correction_create(
            user=request.user, image_hash=image_hash, category=category
        )
        return Response(
            CorrectionSerializer(correction).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CorrectionDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Withdraw my correction of this hash")
    def delete(self, request, image_hash):
        corrections.correction_delete(user=request.user, image_hash=normalise_hash(image_hash) or "")
        return Response(status=status.HTTP_204_NO_CONTENT)


class CorrectionStatsView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Corrections per category and per provider/model, as a rate of its answers (staff)",
        parameters=[DAYS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(selectors.correction_stats(parse_query(StatsQuery, request).get("days", 30)))
