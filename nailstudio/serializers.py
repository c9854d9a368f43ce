"""Input validation and output shapes. Images are returned as short-lived signed URLs, never storage names."""

from __future__ import annotations

import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import serializers as strict
from core.private_media import signed_url

from .models import (
    HEX_COLOUR,
    ComparisonResult,
    Customer,
    CustomerPhoto,
    CustomerProfile,
    DesignPlan,
    InspirationImage,
    ServiceRecord,
)

MAX_WORDS = 20
# A tag is words, not markup or data: a multipart part is always text, so a JSON object sent where the list of
# tags goes arrives as the tag "{}" and must be refused by this rule, as the documented pattern says.
TAG_PATTERN = r'^[^{}\[\]<>"\\]+$'
MAX_INSPIRATIONS = 8


class OwnedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Only the requesting user's rows can be referenced; another user's id is 400 'does not exist'."""

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.queryset.none()
        return self.queryset.filter(owner=user)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class SignedUrlField(serializers.Field):
    """A storage name rendered as a signed, expiring link to ``GET /api/v1/media/<token>``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return signed_url(self.context.get("request"), value)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice column stored blank until set answers null: "" is not one of the documented choices."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


def _words(max_length: int = 40):
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length, trim_whitespace=True),
        max_length=MAX_WORDS,
        required=False,
    )


class FormTagsField(serializers.ListField):
    """Tags in a multipart form: repeated parts, or one part of comma-separated tags (``split_tags``)."""


class FormTagsFieldExtension(OpenApiSerializerFieldExtension):
    # A form part is text: one ``tags`` part is a list of one, so the request documents the string shape too.
    target_class = FormTagsField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response":
            return schema
        description = schema.pop("description", "")
        return {"anyOf": [schema, schema["items"]], "description": description}


def _tags(field_class=serializers.ListField, **kwargs):
    return field_class(
        child=serializers.RegexField(TAG_PATTERN, max_length=32),
        max_length=MAX_WORDS,
        required=False,
        help_text='repeated parts, or one comma-separated part; a tag has none of {}[]<>"\\',
        **kwargs,
    )


def split_tags(value: list[str]) -> list[str]:
    # Multipart clients may send one comma-separated string instead of repeated fields.
    return [part for item in value for part in re.split(r"[,，]", item) if part.strip()]


class CustomerPhotoSerializer(serializers.ModelSerializer):
    image_url = SignedUrlField(source="image")

    class Meta:
        model = CustomerPhoto
        fields = ["id", "image_url", "width", "height", "created_at"]
        read_only_fields = fields


class CustomerProfileSerializer(strict.ModelSerializer):
    color_preferences = serializers.ListField(
        child=serializers.RegexField(
            HEX_COLOUR, error_messages={"invalid": "颜色必须是 #RRGGBB (use #RRGGBB)"}
        ),
        max_length=MAX_WORDS,
        required=False,
    )
    style_preferences = _words()
    prohibitions = _words()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = CustomerProfile
        fields = [
            "nail_shape",
            "nail_size",
            "nail_condition",
            "color_preferences",
            "style_preferences",
            "prohibitions",
            "photos",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate_color_preferences(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(colour.upper() for colour in value))

    def validate_style_preferences(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(w for w in value if w))

    def validate_prohibitions(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(w for w in value if w))

    @extend_schema_field(CustomerPhotoSerializer(many=True))
    def get_photos(self, profile: CustomerProfile):
        # photos belong to the customer, not to the profile row
        return CustomerPhotoSerializer(profile.customer.photos.all(), many=True, context=self.context).data


class CustomerSerializer(strict.ModelSerializer):
    profile = CustomerProfileSerializer(required=False, help_text="Optional on create; edit it at /profile.")

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "notes", "profile", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_phone(self, value: str) -> str:
        if value and not re.fullmatch(r"[0-9+\- ()]{3,32}", value):
            raise serializers.ValidationError("电话号码格式无效 (invalid phone number)")
        return value


class PhotoUploadSerializer(strict.Serializer):
    image = strict.ImageUploadField()


class InspirationSerializer(strict.ModelSerializer):
    image = strict.ImageUploadField(write_only=True)
    image_url = SignedUrlField(source="image")
    tags = _tags(FormTagsField, source="tag_names")

    class Meta:
        model = InspirationImage
        fields = ["id", "image", "image_url", "tags", "width", "height", "created_at"]
        read_only_fields = ["width", "height", "created_at"]

    def validate_tags(self, value: list[str]) -> list[str]:
        return split_tags(value)


class InspirationUpdateSerializer(strict.Serializer):
    tags = _tags()

    def validate_tags(self, value: list[str]) -> list[str]:
        return split_tags(value)


class TagCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.CharField()
    type = serializers.ChoiceField(choices=["polish", "decoration", "tool"])


class EstimateSerializer(serializers.Serializer):
    duration_min = serializers.IntegerField(min_value=1, help_text="minutes")
    duration_max = serializers.IntegerField(min_value=1, help_text="minutes")
    materials = MaterialSerializer(many=True)
    complexity = serializers.ChoiceField(choices=DesignPlan.Complexity.choices)
    notes = serializers.CharField(allow_blank=True, help_text="how the time is spent")


class DesignPlanSerializer(serializers.ModelSerializer):
    inspiration_image_ids = serializers.PrimaryKeyRelatedField(
        source="inspiration_images", many=True, read_only=True
    )
    image_url = SignedUrlField(source="image")
    parent_design_id = serializers.IntegerField(allow_null=True, read_only=True)
    material_list = MaterialSerializer(many=True, read_only=True)
    complexity = BlankAsNullChoiceField(
        choices=DesignPlan.Complexity.choices,
        allow_null=True,
        read_only=True,
        help_text="null until estimated",
    )

    class Meta:
        model = DesignPlan
        fields = [
            "id",
            "customer",
            "inspiration_image_ids",
            "custom_prompt",
            "design_target",
            "status",
            "error",
            "image_url",
            "design_description",
            "ai_prompt",
            "parent_design_id",
            "version",
            "refinement_prompt",
            "estimated_duration_min",
            "estimated_duration_max",
            "material_list",
            "complexity",
            "provider",
            "cost",
            "credits_charged",
            "from_cache",
            "created_at",
            "updated_at",
            "generated_at",
        ]
        read_only_fields = fields


class DesignCreateSerializer(strict.Serializer):
    customer = OwnedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    inspiration_image_ids = OwnedPrimaryKeyRelatedField(
        source="inspiration_images", queryset=InspirationImage.objects.all(), many=True, required=False
    )
    custom_prompt = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    design_target = serializers.ChoiceField(choices=DesignPlan.Target.choices, default=DesignPlan.Target.FIVE)
    regenerate = serializers.BooleanField(
        default=False, help_text="draw again even when an identical design is in your cache"
    )

    def validate_inspiration_image_ids(self, value: list) -> list:
        if len(value) > MAX_INSPIRATIONS:
            raise serializers.ValidationError(
                f"最多 {MAX_INSPIRATIONS} 张灵感图 (at most {MAX_INSPIRATIONS})"
            )
        return list(dict.fromkeys(value))


class RefineSerializer(strict.Serializer):
    refinement_prompt = serializers.CharField(max_length=500)
    regenerate = serializers.BooleanField(
        default=False, help_text="draw again even when an identical refinement is in your cache"
    )


class ServiceRecordSerializer(strict.ModelSerializer):
    customer = OwnedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    design_plan = OwnedPrimaryKeyRelatedField(
        queryset=DesignPlan.objects.all(), required=False, allow_null=True
    )
    actual_image_url = SignedUrlField(source="actual_image")

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "customer",
            "design_plan",
            "service_date",
            "service_duration",
            "notes",
            "status",
            "completed_at",
            "actual_image_url",
            "comparison_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "completed_at", "comparison_status", "created_at", "updated_at"]
        extra_kwargs = {"service_duration": {"min_value": 1, "max_value": 24 * 60, "help_text": "minutes"}}


class CompleteSerializer(strict.Serializer):
    actual_image = strict.ImageUploadField(help_text="Photo of the finished nails (JPEG, PNG, WebP or HEIC)")
    service_duration = serializers.IntegerField(
        min_value=1, max_value=24 * 60, required=False, help_text="minutes"
    )


class DimensionScoreSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    evidence = serializers.CharField(allow_blank=True)


class ComparisonSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "ready", "failed"])
    similarity_score = serializers.IntegerField(min_value=0, max_value=100, allow_null=True)
    differences = serializers.DictField(
        child=serializers.CharField(), help_text="color, pattern, detail, composition"
    )
    suggestions = serializers.ListField(child=serializers.CharField())
    dimension_scores = serializers.DictField(
        child=DimensionScoreSerializer(), help_text="per ability dimension (code): score and evidence"
    )
    provider = serializers.CharField(allow_blank=True)
    analyzed_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)

    @staticmethod
    def payload(record: ServiceRecord) -> dict:
        result: ComparisonResult | None = getattr(record, "comparison", None)
        return {
            "status": record.comparison_status,
            "similarity_score": result.similarity_score if result else None,
            "differences": result.differences if result else {},
            "suggestions": result.suggestions if result else [],
            "dimension_scores": result.dimension_scores if result else {},
            "provider": result.provider if result else "",
            "analyzed_at": result.analyzed_at if result else None,
            "error": record.comparison_error,
        }


class HistoryEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["design", "service"])
    at = serializers.DateTimeField()
    design = serializers.SerializerMethodField()
    service = serializers.SerializerMethodField()

    @extend_schema_field(DesignPlanSerializer(allow_null=True))
    def get_design(self, entry):
        return DesignPlanSerializer(entry.item, context=self.context).data if entry.kind == "design" else None

    @extend_schema_field(ServiceRecordSerializer(allow_null=True))
    def get_service(self, entry):
        return (
            ServiceRecordSerializer(entry.item, context=self.context).data
            if entry.kind == "service"
            else None
        )
