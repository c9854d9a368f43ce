"""Upload answers with what the offline analysis suggests (never applied without the artist's confirmation)."""

from __future__ import annotations

from rest_framework import serializers

from ai.local.nails.spec import SHAPES

from .serializers import CustomerPhotoSerializer, InspirationSerializer


class InspirationUploadSerializer(InspirationSerializer):
    suggested_tags = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="style tags seen in the image (offline), not yet applied: confirm them with PATCH tags",
    )

    class Meta(InspirationSerializer.Meta):
        fields = [*InspirationSerializer.Meta.fields, "suggested_tags"]


class SuggestedProfileSerializer(serializers.Serializer):
    color_preferences = serializers.ListField(child=serializers.CharField(), help_text="#RRGGBB, main first")
    nail_shape = serializers.ChoiceField(choices=SHAPES, allow_null=True)
    shape_confidence = serializers.FloatField(min_value=0, max_value=1)


class CustomerPhotoUploadSerializer(CustomerPhotoSerializer):
    suggested_profile = SuggestedProfileSerializer(
        read_only=True, help_text="colours and shape seen in the photo (offline), not applied to the profile"
    )

    class Meta(CustomerPhotoSerializer.Meta):
        fields = [*CustomerPhotoSerializer.Meta.fields, "suggested_profile"]
        read_only_fields = fields
