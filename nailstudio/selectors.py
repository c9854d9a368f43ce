"""Reads, always scoped to the requesting user: another user's rows simply do not exist (404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from .models import Customer, DesignDay, DesignPlan, InspirationImage, InspirationTag, ServiceRecord


def customers_for(user) -> QuerySet[Customer]:
    return Customer.objects.filter(owner=user).select_related("profile").prefetch_related("photos")


def inspirations_for(user) -> QuerySet[InspirationImage]:
    return InspirationImage.objects.filter(owner=user).prefetch_related("tags")


def tag_counts(user) -> list[dict]:
    rows = (
        InspirationTag.objects.filter(inspiration__owner=user)
        .values("name")
        .annotate(count=Count("id"))
        .order_by("-count", "name")
    )
    return [{"name": row["name"], "count": row["count"]} for row in rows]


def designs_for(user) -> QuerySet[DesignPlan]:
    return (
        DesignPlan.objects.filter(owner=user)
        .select_related("customer")
        .prefetch_related("inspiration_images")
    )


def versions_of(plan: DesignPlan) -> QuerySet[DesignPlan]:
    """Every version of the design's chain, oldest first."""
    return designs_for(plan.owner).filter(lineage=plan.lineage).order_by("version", "id")


def services_for(user) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(owner=user).select_related("customer", "design_plan", "comparison")


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # "design" | "service"
    at: datetime
    item: DesignPlan | ServiceRecord


def history(customer: Customer) -> list[HistoryEntry]:
    """The customer's designs and services as one timeline, newest first."""
    entries = [HistoryEntry("design", plan.created_at, plan) for plan in customer.designs.all()]
    for record in customer.services.select_related("design_plan", "comparison"):
        # A service happened on its date; a completed one is placed at the moment it was completed.
        at = record.completed_at or timezone.make_aware(datetime.combine(record.service_date, time.min))
        entries.append(HistoryEntry("service", at, record))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def designs_per_day(days: int, *, today: dt.date | None = None) -> dict:
    """Staff stats over all artists, from the per-day totals (Asia/Shanghai days): requests, cache hits (and their rate),
    designs drawn and failed, provider cost, credits kept."""
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    rows = {row.date: row for row in DesignDay.objects.filter(date__gte=first, date__lte=today)}
    counts = ("requests", "cache_hits", "generated", "failed", "credits")
    totals = dict.fromkeys(counts, 0) | {"cost": Decimal(0)}
    result = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        row = rows.get(day) or DesignDay(date=day)
        values = {name: getattr(row, name) for name in counts}
        result.append(
            {
                "date": day.isoformat(),
                **values,
                "hit_rate": _rate(row.cache_hits, row.requests),
                "cost": _money(row.cost),
            }
        )
        for name in counts:
            totals[name] += values[name]
        totals["cost"] += Decimal(str(row.cost))
    totals["hit_rate"] = _rate(totals["cache_hits"], totals["requests"])
    return {"days": result, "totals": totals | {"cost": _money(totals["cost"])}}


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _money(value) -> str:
    return str(Decimal(str(value or 0)).quantize(Decimal("0.000001")))
