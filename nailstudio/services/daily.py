"""Per-day design totals for the staff stats (Asia/Shanghai days), as imageedit keeps its own: counters bumped
where the events happen, never a scan of the design rows."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import DesignDay

FIELDS = ("requests", "cache_hits", "generated", "failed", "cost", "credits")


def ensure_today() -> None:
    """Create today's row outside the caller's transaction: on InnoDB, racing first inserts inside longer
    transactions leave shared locks that make the following UPDATEs deadlock."""
    day = timezone.localdate()
    if DesignDay.objects.filter(date=day).exists():
        return
    try:
        with transaction.atomic():
            DesignDay.objects.create(date=day)
    except IntegrityError:
        pass  # a concurrent caller created it


def record(**amounts: int | Decimal) -> None:
    """Add ``amounts`` (any of FIELDS) to today's totals."""
    unknown = set(amounts) - set(FIELDS)
    if unknown:
        raise ValueError(f"not design day fields: {sorted(unknown)}")
    changes = {name: F(name) + value for name, value in amounts.items() if value}
    if not changes:
        return
    today = DesignDay.objects.filter(date=timezone.localdate())
    if not today.update(**changes):
        ensure_today()  # the day turned since the caller ensured it
        today.update(**changes)
