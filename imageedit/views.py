from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import DAYS, StatsQuery, parse_query
from core.pagination import PageNumberPagination

from . import presets, selectors, services
from .models import ImageEditTask
from .serializers import EditInput, ImageEditListQuery, ImageEditSerializer, PresetSerializer


def _render(request, task: ImageEditTask, positions: dict | None = None) -> dict:
    if positions is None:
        positions = services.positions(task.user_id) if task.status == ImageEditTask.Status.QUEUED else {}
    return ImageEditSerializer(task, context={"request": request, "positions": positions}).data


def _own(request, pk) -> ImageEditTask:
    # Another user's task is 404, never 403: its existence is not disclosed.
    return get_object_or_404(ImageEditTask, pk=pk, user=request.user)


STATUS = OpenApiParameter(
    "status", str, enum=ImageEditTask.Status.values, description="only tasks in this status"
)


class ImageEditListView(APIView):
    parser_classes = [MultiPartParser]
    pagination_class = PageNumberPagination  # also tells the schema that the list is paginated

    @extend_schema(
        summary="Your image edits, newest first",
        parameters=[STATUS],
        responses={200: ImageEditSerializer(many=True)},
    )
    def get(self, request):
        tasks = ImageEditTask.objects.filter(user=request.user)
        wanted = parse_query(ImageEditListQuery, request).get("status")
        if wanted:  # ?status= is no filter
            tasks = tasks.filter(status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(tasks, request, view=self)
        context = {"request": request, "positions": services.positions(request.user.pk)}
        return paginator.get_paginated_response(ImageEditSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Edit a photo: a free-text instruction (remote model, costs credits) and/or an offline preset",
        description=(
            "202: queued (poll `GET /image-edits/{id}`). 200: the same edit of the same photo was already made, "
            "so the stored result comes back at once, free (`from_cache`). 402 `insufficient_credits`, 503 "
            "`provider_unavailable` for an instruction when no remote image model is configured."
        ),
        request={"multipart/form-data": EditInput},
        responses={
            202: ImageEditSerializer,
            200: ImageEditSerializer,
            402: OpenApiResponse(description="insufficient_credits"),
            503: OpenApiResponse(description="provider_unavailable"),
        },
    )
    def post(self, request):
        fields = EditInput(data=request.data)
        fields.is_valid(raise_exception=True)
        task = services.submit(
            user=request.user,
            upload=fields.validated_data["image"],
            instruction=fields.validated_data.get("instruction", ""),
            preset=fields.validated_data.get("preset", ""),
        )
        task.refresh_from_db()  # without a worker the edit already ran inline
        code = status.HTTP_200_OK if task.from_cache else status.HTTP_202_ACCEPTED
        return Response(_render(request, task), status=code)


class ImageEditDetailView(APIView):
    @extend_schema(
        summary="Status, queue position and (when done) a signed result link", responses=ImageEditSerializer
    )
    def get(self, request, pk):
        return Response(_render(request, _own(request, pk)))

    @extend_schema(
        summary="Delete an edit and its files (a queued one is canceled and refunded; 409 while running)",
        responses={204: None, 409: OpenApiResponse(description="edit_running")},
    )
    def delete(self, request, pk):
        services.delete(_own(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImageEditCancelView(APIView):
    @extend_schema(
        summary="Cancel a queued edit (credits given back; 409 not_cancelable once it started)",
        request=None,
        responses={200: ImageEditSerializer, 409: OpenApiResponse(description="not_cancelable")},
    )
    def post(self, request, pk):
        return Response(_render(request, services.cancel(_own(request, pk))))


class PresetListView(APIView):
    @extend_schema(
        summary="The offline presets (free, no remote model)", responses=PresetSerializer(many=True)
    )
    def get(self, request):
        return Response([{"code": p.code, "label": p.label} for p in presets.PRESETS.values()])


class ImageEditStatsView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Image edits per day and their cost (staff)",
        parameters=[DAYS],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(selectors.edits_per_day(parse_query(StatsQuery, request).get("days", 30)))
