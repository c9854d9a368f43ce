"""Stats for staff: edits per day and what they cost (Asia/Shanghai days, from the per-day totals)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from .models import ImageEditDay

_MICRO = Decimal("0.000001")
_COUNTS = ("succeeded", "failed", "canceled", "cache_hits", "credits")


def _money(value) -> str:
    return str(Decimal(str(value or 0)).quantize(_MICRO))


def edits_per_day(days: int, *, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    rows = {row.date: row for row in ImageEditDay.objects.filter(date__gte=first, date__lte=today)}
    totals = dict.fromkeys(("edits", *_COUNTS), 0) | {"cost": Decimal(0)}
    result = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        row = rows.get(day) or ImageEditDay(date=day)
        counts = {name: getattr(row, name) for name in _COUNTS}
        edits = row.succeeded + row.failed + row.canceled
        result.append({"date": day.isoformat(), "edits": edits, **counts, "cost": _money(row.cost)})
        for name, value in (("edits", edits), *counts.items(), ("cost", Decimal(str(row.cost)))):
            totals[name] += value
    return {"days": result, "totals": totals | {"cost": _money(totals["cost"])}}
