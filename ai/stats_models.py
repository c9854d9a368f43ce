"""Rollups of the AI call log, per Asia/Shanghai day: the costs stats read these (see docs/stats.md)."""

from django.db import models


class AIStatsDay(models.Model):
    """One row per day with AI rollups: writers lock it shared, a rebuild exclusively (``core.db.rollups``)."""

    day = models.DateField(primary_key=True)
    raw_purged = models.BooleanField(
        default=False, help_text="AI calls of this day were purged: never rebuild"
    )
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "AI 统计日"

    def __str__(self) -> str:
        return self.day.isoformat()


class AICallStatsDay(models.Model):
    day = models.DateField()
    capability = models.CharField(max_length=32)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=64, blank=True)
    calls = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveBigIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    images = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    latency_ms = models.PositiveBigIntegerField(default=0, help_text="sum over the calls")

    class Meta:
        verbose_name = verbose_name_plural = "AI 调用日统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "capability", "provider", "model"], name="ai_callday_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.capability} {self.provider} {self.model}"
