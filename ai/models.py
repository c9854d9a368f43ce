from django.conf import settings
from django.db import models

from core.db.rollups import RolledUp, RolledUpQuerySet


class AICall(RolledUp):
    """One attempt at one provider: successes, failures and retries alike. However a row is saved (``save``,
    ``objects.create``, ``objects.bulk_create``), the per-day rollups are updated in the same transaction."""

    capability = models.CharField(max_length=32, db_index=True)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=64, blank=True)
    ok = models.BooleanField()
    error_code = models.CharField(max_length=64, blank=True)
    latency_ms = models.PositiveIntegerField()
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    images = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = RolledUpQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "model", "created_at"])]
        verbose_name = "AI 调用"
        verbose_name_plural = "AI 调用"

    def __str__(self) -> str:
        return f"{self.capability} via {self.provider} ({'ok' if self.ok else self.error_code})"

    @classmethod
    def add_to_rollups(cls, rows: list, *, using: str) -> None:
        from .rollups import add_calls

        add_calls(rows, using=using)


from . import stats_models  # noqa: E402, F401  (the rollup models live there; Django finds them through here)
