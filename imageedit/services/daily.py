"""Per-day totals for the stats: incremented when a task reaches its final state (Asia/Shanghai days)."""

from __future__ import annotations

from decimal import Decimal

from core import daily

from ..models import ImageEditDay


def ensure_today() -> None:
    daily.ensure_today(ImageEditDay)


def record(
    *,
    succeeded: int = 0,
    failed: int = 0,
    canceled: int = 0,
    cache_hits: int = 0,
    cost: Decimal = Decimal(0),
    credits: int = 0,
) -> None:
    daily.add_today(
        ImageEditDay,
        {
            "succeeded": succeeded,
            "failed": failed,
            "canceled": canceled,
            "cache_hits": cache_hits,
            "cost": cost,
            "credits": credits,
        },
    )
