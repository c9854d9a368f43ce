"""Fold AICall rows into the per-day rollups, in the transaction that saves them.

Every save path reaches ``add_calls``: ``AICall.save`` (the router's single rows) and
``AICall.objects.bulk_create`` (rows collected by ``deferred_call_log`` and saved later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from core.db.rollups import lock_days, mark_purged, purge_before, upsert

from .stats_models import AICallStatsDay, AIStatsDay

STATS_TZ = ZoneInfo("Asia/Shanghai")
KEY = ["day", "capability", "provider", "model"]
COUNTERS = ["calls", "failures", "input_tokens", "output_tokens", "images", "cost", "latency_ms"]


def group_calls(calls: Iterable) -> dict[tuple, list]:
    groups: dict[tuple, list] = {}
    for call in calls:
        day = call.created_at.astimezone(STATS_TZ).date()
        group = groups.setdefault(
            (day, call.capability, call.provider, call.model), [0] * 5 + [Decimal(0), 0]
        )
        group[0] += 1
        group[1] += not call.ok
        group[2] += call.input_tokens or 0
        group[3] += call.output_tokens or 0
        group[4] += call.images or 0
        group[5] += call.cost if isinstance(call.cost, Decimal) else Decimal(str(call.cost or 0))
        group[6] += call.latency_ms or 0
    return groups


def write(groups: dict[tuple, list], *, using: str) -> None:
    upsert(AICallStatsDay, groups, key=KEY, add=COUNTERS, using=using)


def add_calls(calls: list, *, using: str) -> None:
    """Add saved AICall rows to the rollups. Call inside their transaction."""
    if not calls:
        return
    groups = group_calls(calls)
    lock_days(AIStatsDay, {key[0] for key in groups}, using=using)
    write(groups, using=using)


def purge_calls(*, days: int | None = None, progress=None) -> int:
    """Delete AI calls older than ``days`` (default AI_CALL_RETENTION_DAYS) in primary-key chunks; the costs
    stats keep them in the rollups."""
    from .models import AICall

    keep = settings.AI_CALL_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=keep)
    mark_purged(AIStatsDay, cutoff.astimezone(STATS_TZ).date())
    return purge_before(AICall, cutoff, progress=progress)
