import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.db.rollups import RolledUp, RolledUpQuerySet


class InferenceMethod(models.TextChoices):
    CACHE = "cache", "缓存"
    RULE = "rule", "规则"
    REMOTE = "remote", "远程模型"
    LOCAL = "local", "本地模型"
    STAFF = "staff", "人工审核"  # a category set by staff accepting users' corrections
    REUSE = "reuse", "近似复用"


class ImageClassification(models.Model):
    """The global result cache, keyed by the SHA-256 of the uploaded bytes. No image is ever stored."""

    image_hash = models.CharField(max_length=64, unique=True)
    category = models.CharField(max_length=32, db_index=True)
    confidence = models.FloatField()
    description = models.CharField(max_length=120, blank=True)
    inference_method = models.CharField(
        max_length=8,
        choices=[c for c in InferenceMethod.choices if c[0] != InferenceMethod.CACHE],
        db_index=True,
    )
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=64, blank=True)
    prompt_version = models.CharField(max_length=40)
    image_size = models.PositiveIntegerField(default=0, help_text="bytes of the upload that produced it")
    hit_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_hit_at = models.DateTimeField(null=True, blank=True)
    # Near-duplicate reuse (classifier/services/neardup.py, docs/neardup.md): the 64-bit pHash of the decoded
    # image (signed), its four 16-bit bands for the multi-index lookup, who asked (personal categories are
    # never reused across users) and, for a reused answer, the entry it came from.
    phash = models.BigIntegerField(null=True, blank=True)
    phash_b0 = models.PositiveSmallIntegerField(null=True, blank=True)
    phash_b1 = models.PositiveSmallIntegerField(null=True, blank=True)
    phash_b2 = models.PositiveSmallIntegerField(null=True, blank=True)
    phash_b3 = models.PositiveSmallIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reuses"
    )

    class Meta:
        verbose_name = verbose_name_plural = "分类缓存"
        ordering = ["-created_at"]
        # (band, phash): the band probe reads the index only (InnoDB secondary indexes carry the id).
        indexes = [models.Index(fields=[f"phash_b{i}", "phash"], name=f"cls_phash_b{i}") for i in range(4)]

    def __str__(self) -> str:
        return f"{self.image_hash[:12]}… {self.category}"


class RequestLog(RolledUp):
    """Products write these through ``services.logs.log_rows``; every path also updates the stats rollups in
    the same transaction (``save`` and ``bulk_create`` here too), and the stats read only the rollups."""

    class Status(models.TextChoices):
        OK = "ok", "成功"
        ERROR = "error", "失败"

    request_id = models.UUIDField(default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    endpoint = models.CharField(max_length=32)
    image_hash = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=32, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    from_cache = models.BooleanField(default=False)
    inference_method = models.CharField(max_length=8, choices=InferenceMethod.choices, blank=True)
    provider = models.CharField(max_length=32, blank=True)
    processing_time_ms = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    bytes_saved = models.PositiveIntegerField(
        default=0, help_text="upload bytes a cache hit spared the client"
    )
    city = models.CharField(max_length=64, blank=True, help_text="city level only, never coordinates")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OK)
    error_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RolledUpQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "请求日志"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["category", "created_at"]),
            models.Index(fields=["inference_method", "created_at"]),
            # "Was this user answered for this hash?" (a correction needs it) without scanning the log.
            models.Index(fields=["user", "image_hash"]),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.image_hash[:12]} {self.status}"

    @classmethod
    def add_to_rollups(cls, rows: list, *, using: str) -> None:
        from .services.rollups import add_rows

        add_rows(rows, using=using)


class ClassifyJob(models.Model):
    """An asynchronous batch: images wait in temporary storage until classified, then are deleted."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        DONE = "done", "完成"
        FAILED = "failed", "失败"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classify_jobs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    mode = models.CharField(max_length=8, default="auto")
    total = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    items = models.JSONField(default=list, help_text="per image: temporary file name or its result/error")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(
        default=timezone.now, help_text="last progress; the stall sweep reads it"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "批量分类任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"job {self.id} {self.done}/{self.total} {self.status}"


class ClassifierStats(ImageClassification):
    """Admin entry for the stats page (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "分类统计"


class Correction(models.Model):
    """A user's own category for a result they were answered: every later answer to that user for that hash
    carries it; other users keep the shared result until staff accept a review (CorrectionReview)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classify_corrections"
    )
    image_hash = models.CharField(max_length=64)
    category = models.CharField(max_length=32)
    # The shared result as it was when corrected (it may change later): what the per-provider stats count.
    original_category = models.CharField(max_length=32)
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户纠错"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "image_hash"], name="classifier_correction_user_hash")
        ]
        indexes = [models.Index(fields=["image_hash", "category"])]

    def __str__(self) -> str:
        return f"{self.image_hash[:12]}… {self.original_category} → {self.category}"


class CorrectionReview(models.Model):
    """Enough distinct users corrected one hash to one category: staff decide whether the shared entry changes."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        ACCEPTED = "accepted", "已接受"
        REJECTED = "rejected", "已拒绝"

    image_hash = models.CharField(max_length=64)
    category = models.CharField(max_length=32)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    users = models.PositiveIntegerField(help_text="distinct users who made this correction")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "纠错审核"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["image_hash", "category"], name="classifier_review_hash_category")
        ]

    def __str__(self) -> str:
        return f"{self.image_hash[:12]}… → {self.category} ({self.users})"


from . import stats_models  # noqa: E402, F401  (the rollup models live there; Django finds them through here)


class StaleCopy(models.Model):
    """A Redis copy that should have been dropped while Redis was down (its entry deleted or replaced):
    beat drops it once Redis answers again (``copies.forget_stale``), instead of it being served until it
    expires."""

    image_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "待清除的 Redis 副本"

    def __str__(self) -> str:
        return self.image_hash
