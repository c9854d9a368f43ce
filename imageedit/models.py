import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import presets


class ImageEditTask(models.Model):
    """One requested edit of one photo. Files live in private media; the source only until the edit is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "处理中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"
        CANCELED = "canceled", "已取消"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="image_edits")
    source_hash = models.CharField("原图 SHA-256", max_length=64)
    instruction = models.CharField("指令", max_length=500, blank=True)
    preset = models.CharField("预设", max_length=32, blank=True, choices=presets.CHOICES)
    # SHA-256 of the normalised instruction and the preset: with source_hash and model, the result-cache key.
    edit_key = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    source_name = models.CharField(max_length=255, blank=True, editable=False)
    result_name = models.CharField(max_length=255, blank=True, editable=False)
    result_width = models.PositiveIntegerField(null=True, blank=True)
    result_height = models.PositiveIntegerField(null=True, blank=True)
    from_cache = models.BooleanField("缓存命中", default=False)
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=64, blank=True)
    cost = models.DecimalField("成本（元）", max_digits=12, decimal_places=6, default=0)
    credits_charged = models.PositiveIntegerField("积分", default=0)
    credit_reference = models.CharField(max_length=128, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "图片编辑任务"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["source_hash", "edit_key"], name="imageedit_cache_key"),
            models.Index(fields=["user", "status", "created_at"], name="imageedit_user_queue"),
            models.Index(fields=["status", "updated_at"], name="imageedit_status_updated"),
            models.Index(fields=["expires_at"], name="imageedit_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class ImageEditDay(models.Model):
    """Per-day totals (Asia/Shanghai), kept when the tasks themselves are purged after the retention period."""

    date = models.DateField("日期", unique=True)
    succeeded = models.PositiveIntegerField("成功", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    canceled = models.PositiveIntegerField("取消", default=0)
    cache_hits = models.PositiveIntegerField("缓存命中", default=0)
    cost = models.DecimalField("成本（元）", max_digits=14, decimal_places=6, default=0)
    credits = models.PositiveIntegerField("积分", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "图片编辑日统计"
        ordering = ["-date"]

    def __str__(self) -> str:
        return self.date.isoformat()
