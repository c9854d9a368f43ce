from django.db import models
from django.utils import timezone


class DoneKey(models.Model):
    """An idempotency marker: written in the same transaction as the work it names, so work that was committed
    is recognised when it comes round again (a hit-buffer record after a flusher crash, a stalled job that was
    already re-queued once). See ``core.once``."""

    key = models.CharField(max_length=100, primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "幂等标记"

    def __str__(self) -> str:
        return self.key
