"""Per-day design totals for the staff stats (Asia/Shanghai days), kept like image edits' (``core.daily``):
counters bumped where the events happen, never a scan of the design rows."""

from __future__ import annotations

from decimal import Decimal

from core import daily

from ..models import DesignDay

FIELDS = ("requests", "cache_hits", "generated", "failed", "cost", "credits")


def ensure_today() -> None:
    daily.ensure_today(DesignDay)


def record(**amounts: int | Decimal) -> None:
    """Add ``amounts`` (any of FIELDS) to today's totals."""
    unknown = set(amounts) - set(FIELDS)
    if unknown:
        raise ValueError(f"not design day fields: {sorted(unknown)}")
    daily.add_today(DesignDay, amounts)
