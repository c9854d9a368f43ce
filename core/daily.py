"""Per-day counter rows for staff stats (Asia/Shanghai days): one row per day, counters bumped with ``F() + n``
where the events happen, so no stats read scans the event rows. Used by image edits and nail designs."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone


def ensure_today(model: type[models.Model]) -> None:
    """Create today's row outside the caller's transaction: on InnoDB, racing first inserts inside longer
    transactions leave shared locks that make the following UPDATEs deadlock."""
    day = timezone.localdate()
    if model._default_manager.filter(date=day).exists():
        return
    try:
        with transaction.atomic():
            model._default_manager.create(date=day)
    except IntegrityError:
        pass  # a concurrent caller created it


def add_today(model: type[models.Model], amounts: dict) -> None:
    """Add the non-zero ``amounts`` (field name → number) to today's row."""
    changes = {name: F(name) + value for name, value in amounts.items() if value}
    if not changes:
        return
    today = model._default_manager.filter(date=timezone.localdate())
    if not today.update(**changes):
        ensure_today(model)  # the day turned since the caller ensured it
        today.update(**changes)
