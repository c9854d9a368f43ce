"""Ability dimensions (edited by staff) and the per-service scores an artist earned on each of them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q


class AbilityDimension(models.Model):
    code = models.CharField(
        "代码",
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", "小写字母、数字和下划线 (snake_case)")],
        help_text="英文代码，AI 评分按它作答 (snake_case, used in the AI answer)",
    )
    name = models.CharField("名称", max_length=32)
    description = models.TextField(
        "说明", help_text="评分标准，会写进 AI 对比的提示词 (the scoring rubric sent to the AI)"
    )
    weight = models.FloatField("权重", default=1.0, validators=[MinValueValidator(0.0)])
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "能力维度"
        ordering = ["sort_order", "id"]
        constraints = [models.CheckConstraint(condition=Q(weight__gte=0), name="ability_weight_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AbilityRecord(models.Model):
    """One score of one service on one dimension; a service has at most one record per dimension."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ability_records"
    )
    service = models.ForeignKey(
        "nailstudio.ServiceRecord", on_delete=models.CASCADE, related_name="ability_records"
    )
    # PROTECT: a dimension with history is deactivated, never deleted.
    dimension = models.ForeignKey(AbilityDimension, on_delete=models.PROTECT, related_name="records")
    score = models.PositiveSmallIntegerField("得分", validators=[MaxValueValidator(100)])
    evidence = models.JSONField("依据", default=dict, blank=True)
    # When the work was done (the service's completion), so rebuilding records never moves them in time.
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "能力记录"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="ability_score_0_100"),
            models.UniqueConstraint(fields=["service", "dimension"], name="ability_record_unique"),
        ]
        indexes = [models.Index(fields=["user", "dimension", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.dimension.code} {self.score}"
