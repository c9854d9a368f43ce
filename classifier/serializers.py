from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from ai.taxonomy import BY_CODE
from core import serializers as strict
from core.exceptions import Invalid

from .services.cache import normalise_hash
from .services.corrections import overlay
from .services.pipeline import MODES, check_mode


def _invalid_hash(value) -> Invalid:
    return Invalid(
        "invalid_hash",
        "image_hash 必须是 64 位十六进制 SHA-256 (invalid hash)",
        {"value": str(value)[:80]},
    )


CHECK_CACHE_FIELDS = frozenset({"image_hash", "image_hashes"})
HASH_PATTERN = r"^\s*[0-9a-fA-F]{64}\s*$"  # what normalise_hash accepts: SHA-256 hex, any case, spaces around


class CheckCacheOneInput(serializers.Serializer):
    image_hash = serializers.RegexField(
        HASH_PATTERN, help_text="SHA-256 hex of the exact bytes you would upload"
    )


class CheckCacheManyInput(serializers.Serializer):
    image_hashes = serializers.ListField(
        child=serializers.RegexField(HASH_PATTERN),
        min_length=1,
        max_length=500,
        help_text="up to 500 SHA-256 hex",
    )


# The documented body: exactly one of the two shapes. ``parse`` checks it by hand: on this hottest path a
# serializer's field machinery cost more than the database lookup; tests/classifier/test_check_cache_schema.py
# holds parse to this schema.
CheckCacheInput = PolymorphicProxySerializer(
    component_name="CheckCacheInput",
    serializers=[CheckCacheOneInput, CheckCacheManyInput],
    resource_type_field_name=None,
)


def parse_check_cache(data) -> tuple[list[str], bool]:
    """The normalised hashes and whether it was a batch; 400 for anything the schema does not allow."""
    if not isinstance(data, dict):
        raise _invalid_body("Send a JSON object with image_hash or image_hashes.")
    if not data.keys() <= CHECK_CACHE_FIELDS:
        raise strict.unknown_fields(sorted(set(data) - CHECK_CACHE_FIELDS), CHECK_CACHE_FIELDS)
    if len(data) != 1:
        raise _invalid_body("Send exactly one of image_hash or image_hashes.")
    batch = "image_hashes" in data
    values = data["image_hashes"] if batch else [data["image_hash"]]
    if batch and not (isinstance(values, list) and 1 <= len(values) <= 500):
        raise _invalid_body("image_hashes is a list of 1 to 500 hashes.")
    hashes = []
    for value in values:
        normalised = normalise_hash(value) if isinstance(value, str) else None
        if normalised is None:
            raise _invalid_hash(value)
        hashes.append(normalised)
    return hashes, batch


def _invalid_body(message: str) -> Invalid:
    return Invalid("validation_error", message)


class ModeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=MODES, default="auto", **kwargs)

    def to_internal_value(self, data):
        return check_mode(data)


class ClassifyInput(strict.Serializer):
    image = strict.ImageUploadField()
    image_hash = strict.FilledCharField(
        required=False, max_length=200, help_text="SHA-256 hex of the exact bytes uploaded"
    )
    mode = ModeField()


class LocalClassifyInput(strict.Serializer):
    image = strict.ImageUploadField()


class ImageListField(serializers.ListField):
    """Repeated ``images`` parts; each file is checked on its own (a broken one is an error in its place)."""

    def __init__(self, **kwargs):
        super().__init__(child=strict.ImageUploadField(), **kwargs)

    def fail(self, key, **kwargs):
        if key in ("required", "null", "empty"):
            raise Invalid("image_required", "请上传至少一张图片 (images required)", {"field": "images"})
        super().fail(key, **kwargs)

    def to_internal_value(self, data):
        limit = settings.CLASSIFY_BATCH_MAX
        if not data:
            self.fail("empty")
        if len(data) > limit:
            raise Invalid("too_many_images", f"一次最多 {limit} 张 (too many images)", {"max": limit})
        return super().to_internal_value(data)


class BatchInput(strict.Serializer):
    """The multipart body: ``images`` repeated, ``mode``, and ``async`` (a Python keyword, hence get_fields)."""

    images = ImageListField(help_text="up to CLASSIFY_BATCH_MAX images")
    mode = ModeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["async"] = serializers.BooleanField(default=False, help_text="true: 202 and a job to poll")
        return fields


class ResultSerializer(serializers.Serializer):
    request_id = serializers.CharField()
    image_hash = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    confidence = serializers.FloatField()
    description = serializers.CharField()
    from_cache = serializers.BooleanField()
    inference_method = serializers.ChoiceField(choices=["cache", "rule", "remote", "local", "reuse"])
    reused = serializers.BooleanField(
        required=False, help_text="true when a near-duplicate's paid answer was reused (docs/neardup.md)"
    )
    provider = serializers.CharField()
    processing_time_ms = serializers.IntegerField()
    quota = serializers.CharField(
        required=False, help_text='"exceeded" when the local model answered for lack of quota'
    )
    location = serializers.DictField(required=False, allow_null=True)
    corrected = serializers.BooleanField(required=False, help_text="true: your own correction of this result")


class ItemErrorSerializer(serializers.Serializer):
    """One image of a batch that could not be classified: the error envelope, in its place."""

    error = serializers.DictField(help_text="code, message, details as in every error")


BATCH_ITEM = PolymorphicProxySerializer(
    component_name="BatchItem",
    serializers=[ResultSerializer, ItemErrorSerializer],
    resource_type_field_name=None,
    many=True,
)


class BatchOutputSerializer(serializers.Serializer):
    results = BATCH_ITEM


class LocalResultSerializer(ResultSerializer):
    labels = serializers.DictField()


class CachedResultSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_label = serializers.CharField()
    confidence = serializers.FloatField()
    description = serializers.CharField()
    inference_method = serializers.CharField()
    provider = serializers.CharField()
    created_at = serializers.DateTimeField()
    corrected = serializers.BooleanField(required=False, help_text="true: your own correction of this result")


class CheckCacheResultSerializer(serializers.Serializer):
    image_hash = serializers.CharField()
    hit = serializers.BooleanField()
    result = CachedResultSerializer(allow_null=True)


class CheckCacheBatchSerializer(serializers.Serializer):
    results = CheckCacheResultSerializer(many=True)
    hits = serializers.IntegerField()
    misses = serializers.IntegerField()


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    progress = serializers.FloatField()
    results = serializers.ListField(
        child=serializers.DictField(allow_null=True), help_text="per image, in order; null until done"
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    @classmethod
    def of(cls, job) -> dict:
        """The job as answered, timestamps in the server's zone (+08:00) like every other answer."""
        return cls(
            {
                "id": job.id,
                "status": job.status,
                "total": job.total,
                "done": job.done,
                "progress": round(job.done / job.total, 4) if job.total else 1.0,
                # read when shown, so corrections made after the job ran apply too
                "results": overlay(job.user_id, [None if "file" in item else item for item in job.items]),
                "created_at": job.created_at,
                "finished_at": job.finished_at,
            }
        ).data


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField()


class CorrectionInput(strict.Serializer):
    image_hash = serializers.CharField(
        max_length=200, help_text="SHA-256 hex of a photo you were answered for"
    )
    category = serializers.CharField(
        max_length=64, help_text="the right category code (GET classify/categories)"
    )

    @classmethod
    def parse(cls, data) -> tuple[str, str]:
        serializer = cls(data=data)
        serializer.is_valid(raise_exception=True)
        image_hash = normalise_hash(serializer.validated_data["image_hash"])
        if image_hash is None:
            raise _invalid_hash(serializer.validated_data["image_hash"])
        return image_hash, serializer.validated_data["category"].strip()


class CorrectionSerializer(serializers.Serializer):
    image_hash = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.SerializerMethodField()
    original_category = serializers.CharField(help_text="the shared result you corrected")
    created_at = serializers.DateTimeField()

    def get_category_label(self, obj) -> str:
        return BY_CODE[obj.category].name_zh
