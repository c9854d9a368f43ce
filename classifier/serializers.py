from django.conf import settings
from rest_framework import serializers

from core.errors import ApiError

from .services.cache import normalise_hash
from .services.pipeline import MODES


def _invalid_hash(value) -> ApiError:
    return ApiError(
        400,
        "invalid_hash",
        "image_hash 必须是 64 位十六进制 SHA-256 (invalid hash)",
        {"value": str(value)[:80]},
    )


class CheckCacheInput(serializers.Serializer):
    """The body, for the docs; ``parse`` checks it. By hand: on this hottest path a serializer's field
    machinery cost more than the database lookup."""

    image_hash = serializers.CharField(required=False)
    image_hashes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        min_length=1,
        max_length=500,
        help_text="up to 500 SHA-256 hex strings",
    )

    @staticmethod
    def parse(data) -> tuple[list[str], bool]:
        """The normalised hashes and whether it was a batch."""
        single = data.get("image_hash") if isinstance(data, dict) else None
        many = data.get("image_hashes") if isinstance(data, dict) else None
        if (single is None) == (many is None):
            raise _invalid_body("Send exactly one of image_hash or image_hashes.")
        if many is not None and not isinstance(many, list):
            raise _invalid_body("image_hashes must be a list.")
        if many is not None and not 1 <= len(many) <= 500:
            raise _invalid_body("image_hashes holds 1 to 500 hashes.")
        hashes = []
        for value in [single] if single is not None else many:
            normalised = normalise_hash(value) if isinstance(value, str) else None
            if normalised is None:
                raise _invalid_hash(value)
            hashes.append(normalised)
        return hashes, many is not None


def _invalid_body(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


class ClassifyInput(serializers.Serializer):
    """The multipart body, for the docs: the file itself is checked by the shared upload validator."""

    image = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC")
    image_hash = serializers.CharField(required=False, help_text="SHA-256 hex of the exact bytes uploaded")
    mode = serializers.ChoiceField(choices=MODES, default="auto")


class LocalClassifyInput(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC")


class BatchInput(serializers.Serializer):
    """The multipart body: ``images`` repeated; the files are checked one by one by the upload validator."""

    images = serializers.ListField(child=serializers.FileField(), help_text="up to CLASSIFY_BATCH_MAX images")
    mode = serializers.ChoiceField(choices=MODES, default="auto")
    is_async = serializers.BooleanField(default=False, help_text="true: 202 and a job id", source="async")

    @staticmethod
    def parse(request) -> dict:
        uploads = request.FILES.getlist("images")
        if not uploads:
            raise ApiError(400, "image_required", "请上传至少一张图片 (images required)", {"field": "images"})
        limit = settings.CLASSIFY_BATCH_MAX
        if len(uploads) > limit:
            raise ApiError(400, "too_many_images", f"一次最多 {limit} 张 (too many images)", {"max": limit})
        mode = request.data.get("mode", "auto")
        is_async = str(request.data.get("async", "false")).lower() in {"1", "true", "yes"}
        return {"uploads": uploads, "mode": mode, "async": is_async}


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
        child=serializers.DictField(), help_text="per image, in order; null until done"
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def of(job) -> dict:
        return {
            "id": job.id,
            "status": job.status,
            "total": job.total,
            "done": job.done,
            "progress": round(job.done / job.total, 4) if job.total else 1.0,
            "results": [None if "file" in item else item for item in job.items],
            "created_at": job.created_at,
            "finished_at": job.finished_at,
        }


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField()
