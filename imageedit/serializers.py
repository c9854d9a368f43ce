from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import serializers as strict
from core.private_media import signed_url

from . import presets
from .models import ImageEditTask


class EditFields(strict.Serializer):
    """The text fields of a submission; ``EditInput`` adds the file (checked by the shared upload validator)."""

    instruction = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="自由文本，如“去掉背景里的路人”（需远程模型）",
    )
    preset = serializers.ChoiceField(
        choices=presets.CHOICES, required=False, allow_blank=True, help_text="离线预设，免费"
    )

    def validate(self, attrs):
        if not attrs.get("instruction", "").strip() and not attrs.get("preset"):
            raise serializers.ValidationError(
                "instruction 与 preset 至少填写一个 (instruction or preset required)"
            )
        return attrs


class EditInput(EditFields):
    """The multipart body, as validated and documented."""

    image = strict.ImageUploadField(help_text="JPEG, PNG, WebP or HEIC, at most MAX_UPLOAD_MB")


class ImageEditSerializer(serializers.ModelSerializer):
    """Context: ``request`` (for the signed link) and ``positions`` (queued task id -> 1-based place)."""

    position = serializers.SerializerMethodField(help_text="1 starts next; null unless queued")
    result_url = serializers.SerializerMethodField(
        help_text="Signed link, expires after PRIVATE_MEDIA_URL_MAX_AGE"
    )

    class Meta:
        model = ImageEditTask
        fields = [
            "id",
            "status",
            "position",
            "instruction",
            "preset",
            "from_cache",
            "provider",
            "model",
            "credits_charged",
            "error_code",
            "error_message",
            "result_url",
            "result_width",
            "result_height",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_position(self, task) -> int | None:
        return self.context.get("positions", {}).get(task.pk)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_result_url(self, task) -> str | None:
        if task.status != ImageEditTask.Status.SUCCEEDED:
            return None
        return signed_url(self.context.get("request"), task.result_name)


class ImageEditListQuery(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ImageEditTask.Status.values,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": "未知的状态 (unknown status)"},
    )


class PresetSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
