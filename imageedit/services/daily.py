"""Per-day totals for the stats: incremented when a task reaches its final state (Asia/Shanghai days)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import ImageEditDay


def ensure_today() -> None:
    """Create today's row outside the caller's transaction: on InnoDB, racing first inserts inside longer
    transactions leave shared locks that make the following UPDATEs deadlock."""
    day = timezone.localdate()
    if ImageEditDay.objects.filter(date=day).exists():
        return
    try:
        with transaction.atomic():
            ImageEditDay.objects.create(date=day)
    except IntegrityError:
        pass  # a concurrent caller created it


def record(
    *,
    succeeded: int = 0,
    failed: int = 0,
    canceled: int = 0,
    cache_hits: int = 0,
    cost: Decimal = Decimal(0),
    credits: int = 0,
) -> None:
    changes = {
        name: F(name) + value
        for name, value in (
            ("succeeded", succeeded),
            ("failed", failed),
            ("canceled", canceled),
            ("cache_hits", cache_hits),
            ("cost", cost),
            ("credits", credits),
        )
        if value
    }
    if not changes:
        return
    today = ImageEditDay.objects.filter(date=timezone.localdate())
    if not today.update(**changes):
        ensure_today()  # the day turned since the caller ensured it
        today.update(**changes)
