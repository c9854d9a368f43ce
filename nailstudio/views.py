"""Nail studio API: thin viewsets over ``nailstudio.services`` (writes) and ``nailstudio.selectors`` (reads)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core import lanes
from core.async_views import AsyncAPIView
from core.exceptions import NotFound
from core.parsers import JSONParser

from . import selectors, services
from .filters import DesignPlanFilter, InspirationFilter, ServiceRecordFilter
from .models import Customer, DesignPlan, InspirationImage, ServiceRecord
from .serializers import (
    ComparisonSerializer,
    CompleteSerializer,
    CustomerProfileSerializer,
    CustomerSerializer,
    DesignCreateSerializer,
    DesignPlanSerializer,
    EstimateSerializer,
    HistoryEntrySerializer,
    InspirationSerializer,
    InspirationUpdateSerializer,
    PhotoUploadSerializer,
    RefineSerializer,
    ServiceRecordSerializer,
    TagCountSerializer,
)
from .serializers_suggest import CustomerPhotoUploadSerializer, InspirationUploadSerializer

PROFILE_EXAMPLE = {
    "nail_shape": "almond",
    "nail_size": "medium",
    "nail_condition": "甲面偏薄",
    "color_preferences": ["#F4A6B8", "#FAFAF7"],
    "style_preferences": ["法式", "minimal"],
    "prohibitions": ["glitter", "long nails"],
}
CUSTOMER_EXAMPLE = {
    "name": "王小姐",
    "phone": "138 0000 0000",
    "notes": "周末下午有空",
    "profile": PROFILE_EXAMPLE,
}
DESIGN_EXAMPLE = {
    "id": 12,
    "customer": 3,
    "inspiration_image_ids": [7, 8],
    "custom_prompt": "春天的樱花主题，温柔一点",
    "design_target": "5nails",
    "status": "queued",
    "error": "",
    "image_url": None,
    "design_description": "",
    "ai_prompt": "",
    "parent_design_id": None,
    "version": 1,
    "refinement_prompt": "",
    "estimated_duration_min": None,
    "estimated_duration_max": None,
    "material_list": [],
    "complexity": None,
    "provider": "",
    "cost": "0.0000",
    "credits_charged": 2,
    "from_cache": False,
    "created_at": "2026-03-01T14:00:00+08:00",
    "updated_at": "2026-03-01T14:00:00+08:00",
    "generated_at": None,
}
READY_DESIGN_EXAMPLE = {
    **DESIGN_EXAMPLE,
    "status": "ready",
    "image_url": "https://api.example.com/api/v1/media/eyJ...:1t2:abc",
    "provider": "dashscope",
    "cost": "0.1400",
    "estimated_duration_min": 75,
    "estimated_duration_max": 100,
    "material_list": [
        {"name": "甲油胶 #F4A6B8（粉色）", "amount": "约 0.25 ml", "type": "polish"},
        {"name": "细节彩绘笔", "amount": "1 件", "type": "tool"},
    ],
    "complexity": "medium",
}
ESTIMATE_EXAMPLE = {
    "duration_min": 75,
    "duration_max": 100,
    "materials": READY_DESIGN_EXAMPLE["material_list"],
    "complexity": "medium",
    "notes": "底色 约 20 分钟；图案绘制 约 45 分钟；封层与固化 约 5 分钟",
}
SERVICE_EXAMPLE = {
    "customer": 3,
    "design_plan": 12,
    "service_date": "2026-03-02",
    "service_duration": None,
    "notes": "",
}
COMPARISON_EXAMPLE = {
    "status": "ready",
    "similarity_score": 86,
    "differences": {
        "color": "颜色基本一致（平均色差 ΔE2000≈4.1）。",
        "pattern": "图案结构高度一致。",
        "detail": "细节基本一致，边缘略模糊。",
        "composition": "布局高度一致。",
    },
    "suggestions": ["细节笔触再收细一些。"],
    "dimension_scores": {
        "color_matching": {"score": 88, "evidence": "颜色基本一致（平均色差 ΔE2000≈4.1）。"},
        "detail_work": {"score": 72, "evidence": "甲缘处有少量溢出，线条略粗。"},
    },
    "provider": "local",
    "analyzed_at": "2026-03-02T16:30:00+08:00",
    "error": "",
}


class OwnedViewSetMixin:
    """Everything is looked up in the requesting user's rows, so another user's id is a plain 404."""

    selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.queryset
        return type(self).selector(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List customers", description="Search `?search=` by name or phone."),
    retrieve=extend_schema(summary="A customer with their profile"),
    create=extend_schema(
        summary="Create a customer (optionally with a profile)",
        examples=[OpenApiExample("Customer", value=CUSTOMER_EXAMPLE, request_only=True)],
    ),
    update=extend_schema(summary="Replace a customer"),
    partial_update=extend_schema(summary="Update a customer"),
    destroy=extend_schema(summary="Delete a customer with all their designs, services and photos"),
)
class CustomerViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):
    selector = staticmethod(selectors.customers_for)
    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer
    search_fields = ["name", "phone"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_customer(owner=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        profile = data.pop("profile", None)
        customer = services.update_customer(serializer.instance, **data)
        if profile:
            services.update_profile(customer, **profile)
        serializer.instance = selectors.customers_for(self.request.user).get(pk=customer.pk)

    def perform_destroy(self, instance):
        services.delete_customer(instance)

    @extend_schema(methods=["GET"], summary="The customer's profile", responses=CustomerProfileSerializer)
    @extend_schema(
        methods=["PUT", "PATCH"],
        summary="Edit the customer's profile",
        request=CustomerProfileSerializer,
        responses=CustomerProfileSerializer,
        examples=[OpenApiExample("Profile", value=PROFILE_EXAMPLE, request_only=True)],
    )
    @action(detail=True, methods=["get", "put", "patch"])
    def profile(self, request, pk=None):
        customer = self.get_object()
        profile = services.profile_of(customer)
        if request.method != "GET":
            serializer = CustomerProfileSerializer(
                profile,
                data=request.data,
                partial=request.method == "PATCH",
                context=self.get_serializer_context(),
            )
            serializer.is_valid(raise_exception=True)
            profile = services.update_profile(
                customer, replace=request.method == "PUT", **serializer.validated_data
            )
        return Response(CustomerProfileSerializer(profile, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Add a profile photo",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: CustomerPhotoUploadSerializer},
    )
    @action(detail=True, methods=["post"], url_path="profile/photos", parser_classes=[MultiPartParser])
    def add_photo(self, request, pk=None):
        customer = self.get_object()
        serializer = PhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = services.add_profile_photo(customer, serializer.validated_data["image"])
        return Response(
            CustomerPhotoUploadSerializer(photo, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(summary="Delete a profile photo", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"profile/photos/(?P<photo_id>\d+)")
    def delete_photo(self, request, pk=None, photo_id=None):
        customer = self.get_object()
        services.delete_profile_photo(get_object_or_404(customer.photos, pk=photo_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The customer's designs and services as one timeline (newest first)",
        responses=HistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        entries = selectors.history(self.get_object())
        page = self.paginate_queryset(entries)
        serializer = HistoryEntrySerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    list=extend_schema(summary="List inspiration images", description="Filter by `?tags=` (one tag)."),
    retrieve=extend_schema(summary="An inspiration image"),
    create=extend_schema(
        summary="Upload an inspiration image with tags",
        request={"multipart/form-data": InspirationSerializer},
        responses={201: InspirationUploadSerializer},
    ),
    update=extend_schema(
        summary="Replace the tags",
        request=InspirationUpdateSerializer,
        examples=[OpenApiExample("Tags", value={"tags": ["樱花", "pink"]}, request_only=True)],
    ),
    partial_update=extend_schema(summary="Replace the tags", request=InspirationUpdateSerializer),
    destroy=extend_schema(summary="Delete an inspiration image"),
)
class InspirationViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):
    selector = staticmethod(selectors.inspirations_for)
    queryset = InspirationImage.objects.none()
    serializer_class = InspirationSerializer

    def get_parsers(self):
        # The upload is multipart; editing the tags is JSON (a form encoding cannot tell a list from a string).
        # (runs before self.action is set: the action comes from the method)
        action = getattr(self, "action", None) or self.action_map.get(self.request.method.lower())
        return [MultiPartParser()] if action == "create" else [JSONParser()]

    filterset_class = InspirationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_serializer_class(self):
        return InspirationUploadSerializer if self.action == "create" else InspirationSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.create_inspiration(
            owner=self.request.user, upload=data["image"], tags=data.get("tag_names", [])
        )

    def update(self, request, *args, **kwargs):
        inspiration = self.get_object()
        serializer = InspirationUpdateSerializer(
            inspiration, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        services.set_tags(inspiration, serializer.validated_data.get("tags", []))
        return Response(self.get_serializer(self.get_queryset().get(pk=inspiration.pk)).data)

    def perform_destroy(self, instance):
        services.delete_inspiration(instance)

    @extend_schema(
        summary="Your tags with how many images carry each",
        responses=TagCountSerializer(many=True),
        examples=[OpenApiExample("Tags", value=[{"name": "pink", "count": 4}], response_only=True)],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def tags(self, request):
        return Response(TagCountSerializer(selectors.tag_counts(request.user), many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List design plans", description="Filter by `customer`, `status`, `design_target`."
    ),
    retrieve=extend_schema(
        summary="A design plan",
        examples=[OpenApiExample("Ready", value=READY_DESIGN_EXAMPLE, response_only=True)],
    ),
    destroy=extend_schema(summary="Delete one design version"),
)
class DesignPlanViewSet(
    OwnedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    selector = staticmethod(selectors.designs_for)
    queryset = DesignPlan.objects.none()
    serializer_class = DesignPlanSerializer
    filterset_class = DesignPlanFilter
    search_fields = ["custom_prompt", "description", "customer__name"]
    ordering_fields = ["created_at", "version"]
    ordering = ["-created_at"]

    @extend_schema(
        summary="Request a design (generated in the background)",
        description=(
            "202 with status `queued`; poll the plan until `ready` or `failed`. Charges "
            "`NAIL_DESIGN_CREDITS` when a remote image model may draw it (402 `insufficient_credits`); "
            "the offline renderer is free. Another user's customer or inspiration is 400. 200: your identical "
            "request of the last `NAIL_DESIGN_CACHE_DAYS` days is copied at once, free (`from_cache`); "
            "`regenerate: true` draws again."
        ),
        request=DesignCreateSerializer,
        responses={202: DesignPlanSerializer, 200: DesignPlanSerializer},
        examples=[
            OpenApiExample(
                "Request",
                value={
                    "customer": 3,
                    "inspiration_image_ids": [7, 8],
                    "custom_prompt": "春天的樱花主题",
                    "design_target": "5nails",
                },
                request_only=True,
            ),
            OpenApiExample("Queued", value=DESIGN_EXAMPLE, response_only=True, status_codes=["202"]),
        ],
    )
    def create(self, request):
        serializer = DesignCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        plan = services.request_design(owner=request.user, **serializer.validated_data)
        return self._answer(plan)

    def _answer(self, plan):
        code = status.HTTP_200_OK if plan.from_cache else status.HTTP_202_ACCEPTED
        return Response(self.get_serializer(plan).data, status=code)

    def perform_destroy(self, instance):
        services.delete_design(instance)

    @extend_schema(
        summary="Refine a ready design into a new version (generated in the background)",
        description=(
            "202 with the new version (`parent_design_id`, `version` + 1), charged like a new design; 200 when "
            "the same refinement of the same image is in your cache (`from_cache`, free)."
        ),
        request=RefineSerializer,
        responses={202: DesignPlanSerializer, 200: DesignPlanSerializer},
        examples=[
            OpenApiExample("Refine", value={"refinement_prompt": "换成浅蓝色，加一点波点"}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def refine(self, request, pk=None):
        plan = self.get_object()
        serializer = RefineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        child = services.refine_design(plan, data["refinement_prompt"], regenerate=data["regenerate"])
        return self._answer(child)

    @extend_schema(
        summary="Every version of this design, oldest first", responses=DesignPlanSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        plan = self.get_object()
        return Response(self.get_serializer(selectors.versions_of(plan), many=True).data)


class DesignEstimateView(AsyncAPIView):
    """Async: the estimate waits on a vision model with no lane held (docs/async.md)."""

    @extend_schema(
        summary="Estimate minutes, materials and complexity of a ready design",
        description=(
            "Stored on the plan (`estimated_duration_min/max`, `material_list`, `complexity`). "
            "409 `design_not_ready` before the image exists, 409 `image_missing` when its file is gone."
        ),
        request=None,
        # The path parameter as the design viewset's routes describe it (this view has no queryset to read).
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="标识此 设计方案 的 唯一整数值。")
        ],
        responses={200: EstimateSerializer},
        examples=[OpenApiExample("Estimated", value=ESTIMATE_EXAMPLE, response_only=True)],
    )
    async def post(self, request, pk):
        plan = await lanes.run(get_object_or_404, selectors.designs_for(request.user), pk=pk)
        return Response(EstimateSerializer(await services.aestimate(user=request.user, plan=plan)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List service records",
        description="Filter by `customer`, `design_plan`, `status`, `service_date_after`, `service_date_before`.",
    ),
    retrieve=extend_schema(summary="A service record"),
    create=extend_schema(
        summary="Create a service record",
        examples=[OpenApiExample("Service", value=SERVICE_EXAMPLE, request_only=True)],
    ),
    update=extend_schema(summary="Replace a service record"),
    partial_update=extend_schema(summary="Update a service record"),
    destroy=extend_schema(summary="Delete a service record"),
)
class ServiceRecordViewSet(OwnedViewSetMixin, viewsets.ModelViewSet):
    selector = staticmethod(selectors.services_for)
    queryset = ServiceRecord.objects.none()
    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter
    search_fields = ["notes", "customer__name"]
    ordering_fields = ["service_date", "created_at"]
    ordering = ["-service_date"]

    def perform_create(self, serializer):
        serializer.instance = services.create_service(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_service(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_service(instance)

    @extend_schema(
        summary="Complete the service with a photo of the finished nails",
        description="A linked, ready design is then compared with the photo in the background.",
        request={"multipart/form-data": CompleteSerializer},
        responses={200: ServiceRecordSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def complete(self, request, pk=None):
        record = self.get_object()
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = services.complete_service(
            record, data["actual_image"], service_duration=data.get("service_duration")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(
        summary="Design vs result comparison",
        description="202 while it runs; 404 when the service has no comparison (no ready design or not completed).",
        responses={
            200: ComparisonSerializer,
            202: OpenApiResponse(ComparisonSerializer, description="Still running"),
        },
        examples=[
            OpenApiExample("Ready", value=COMPARISON_EXAMPLE, response_only=True, status_codes=["200"])
        ],
    )
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        record = self.get_object()
        if not record.comparison_status:
            raise NotFound("该服务没有对比结果 (no comparison)")
        body = ComparisonSerializer(ComparisonSerializer.payload(record)).data
        pending = record.comparison_status == record.ComparisonStatus.PENDING
        return Response(body, status=status.HTTP_202_ACCEPTED if pending else status.HTTP_200_OK)
