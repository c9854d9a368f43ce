"""Idempotency markers (``DoneKey`` rows): "this was done" committed together with the doing."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DoneKey


def done(keys: list[str]) -> set[str]:
    """Which of ``keys`` are marked."""
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(DoneKey.objects.filter(key__in=keys[start : start + 1000]).values_list("key", flat=True))
    return found


def mark(keys: list[str]) -> None:
    """Mark ``keys`` (call inside the transaction that did the work)."""
    DoneKey.objects.bulk_create([DoneKey(key=key) for key in keys])


def first_time(key: str) -> bool:
    """Mark ``key``; False when it was marked already (by this or a concurrent transaction)."""
    try:
        with transaction.atomic():
            DoneKey.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def purge(*, prefix: str, older_than: timedelta) -> int:
    rows = DoneKey.objects.filter(key__startswith=prefix, created_at__lt=timezone.now() - older_than)
    return rows.delete()[0]
