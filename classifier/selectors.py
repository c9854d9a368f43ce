"""Stats for staff, read from the rollups only (never the request log or the AI call log); days are
Asia/Shanghai calendar days. The figures are those of the raw rows written so far: check-cache records still
waiting in the hit buffer count once beat has written them (``as_of`` says when rollups last changed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from ai.stats_models import AICallStatsDay

from .models import InferenceMethod
from .stats_models import (
    BUCKETS,
    CityStatsDay,
    CityUserStatsDay,
    RequestStatsDay,
    RequestStatsHour,
    UserStatsDay,
    percentile,
)

STATS_TZ = ZoneInfo("Asia/Shanghai")
_MICRO = Decimal("0.000001")
# Answers reused from a near-duplicate's paid result (docs/neardup.md), from the rollups like every figure.
REUSES = Sum("requests", filter=Q(inference_method=InferenceMethod.REUSE))


def money(value) -> str:
    """Sums come back as float-like decimals on SQLite: always answer 6 decimal places."""
    return str(Decimal(str(value or 0)).quantize(_MICRO))


def local_today() -> dt.date:
    return timezone.localdate(timezone=STATS_TZ)


def days_window(days: int, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of the ``days`` days ending ``today``."""
    today = today or local_today()
    return today - dt.timedelta(days=days - 1), today


def _in(first: dt.date, last: dt.date, model=RequestStatsDay):
    return model.objects.filter(day__gte=first, day__lte=last)


def average_remote_cost(first: dt.date, last: dt.date) -> Decimal:
    """The mean cost of a remote answer over the days (what a hit spared)."""
    totals = (
        _in(first, last)
        .filter(inference_method=InferenceMethod.REMOTE)
        .aggregate(n=Sum("requests"), cost=Sum("cost"))
    )
    return _mean(totals["cost"], totals["n"])


def _mean(cost, count) -> Decimal:
    return (Decimal(str(cost or 0)) / count).quantize(_MICRO) if count else Decimal(0).quantize(_MICRO)


def as_of() -> dt.datetime | None:
    """When the rollups last took in log rows: the last flush of the hit buffer, or the last classification.
    Every write stamps the day rows it adds to as it stamps the hour rows, and there are ~24 times fewer of them
    (every stats answer reads this)."""
    recent = RequestStatsDay.objects.filter(day__gte=local_today() - dt.timedelta(days=1))
    latest = recent.aggregate(at=Max("updated_at"))["at"]
    return latest or RequestStatsDay.objects.aggregate(at=Max("updated_at"))["at"]


def today(*, today: dt.date | None = None) -> dict:
    day = today or local_today()
    rows = _in(day, day)
    totals = rows.aggregate(
        requests=Sum("requests"),
        hits=Sum("hits"),
        time_ms=Sum("time_ms"),
        cost=Sum("cost"),
        max_ms=Max("max_ms"),
        **{name: Sum(name) for name in BUCKETS},
    )
    methods = rows.exclude(inference_method="").values_list("inference_method")
    by_method, method_cost = {}, {}
    for method, count, cost in methods.annotate(n=Sum("requests"), cost=Sum("cost")):
        by_method[method], method_cost[method] = count, cost
    requests, hits = totals["requests"] or 0, totals["hits"] or 0
    remote = by_method.get(InferenceMethod.REMOTE, 0)
    reuses = by_method.get(InferenceMethod.REUSE, 0)
    histogram = [totals[name] or 0 for name in BUCKETS]
    return {
        "date": day.isoformat(),
        "requests": requests,
        "hits": hits,
        "hit_rate": round(hits / requests, 4) if requests else 0.0,
        "reuses": reuses,
        "by_method": {method: by_method.get(method, 0) for method in InferenceMethod.values},
        "remote_calls": remote,
        "avg_processing_ms": round(totals["time_ms"] / requests, 1) if requests else 0,
        "p95_processing_ms": percentile(histogram, 0.95, totals["max_ms"] or 0),
        "cost": money(totals["cost"]),
        "cost_saved": money((hits + reuses) * _mean(method_cost.get(InferenceMethod.REMOTE), remote)),
    }


def hours_today(*, today: dt.date | None = None) -> list[dict]:
    """Requests, hits and the median and p95 time per hour of the day (the admin's chart)."""
    day = today or local_today()
    rows = (
        _in(day, day, RequestStatsHour)
        .values("hour")
        .annotate(
            requests=Sum("requests"),
            hits=Sum("hits"),
            max_ms=Max("max_ms"),
            **{name: Sum(name) for name in BUCKETS},
        )
    )
    by_hour = {row["hour"]: row for row in rows}
    result = []
    for hour in range(24):
        row = by_hour.get(hour)
        histogram = [row[name] for name in BUCKETS] if row else []
        result.append(
            {
                "hour": hour,
                "requests": row["requests"] if row else 0,
                "hits": row["hits"] if row else 0,
                "p50_processing_ms": percentile(histogram, 0.5, row["max_ms"]) if row else 0,
                "p95_processing_ms": percentile(histogram, 0.95, row["max_ms"]) if row else 0,
            }
        )
    return result


def cache_efficiency(days: int, *, today: dt.date | None = None) -> list[dict]:
    first, last = days_window(days, today=today)
    average = average_remote_cost(first, last)
    rows = (
        _in(first, last)
        .values("day")
        .annotate(reuses=REUSES, requests=Sum("requests"), hits=Sum("hits"), saved=Sum("bytes_saved"))
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        row = by_day.get(day, {"requests": 0, "hits": 0, "reuses": 0, "saved": 0})
        result.append(
            {
                "date": day.isoformat(),
                "requests": row["requests"],
                "hits": row["hits"],
                "hit_rate": round(row["hits"] / row["requests"], 4) if row["requests"] else 0.0,
                "reuses": row["reuses"] or 0,
                "upload_bytes_saved": row["saved"] or 0,
                "cost_saved": money((row["hits"] + (row["reuses"] or 0)) * average),
            }
        )
    return result


def category_distribution(days: int, *, today: dt.date | None = None) -> list[dict]:
    """Answered requests (not errors) per category."""
    first, last = days_window(days, today=today)
    rows = (
        _in(first, last)
        .exclude(category="")
        .values("category")
        .annotate(count=Sum(F("requests") - F("errors")))
        .filter(count__gt=0)
        .order_by("-count", "category")
    )
    rows = list(rows)
    total = sum(row["count"] for row in rows)
    return [{**row, "share": round(row["count"] / total, 4)} for row in rows]


def top_users(days: int, limit: int, *, today: dt.date | None = None) -> list[dict]:
    first, last = days_window(days, today=today)
    rows = (
        _in(first, last, UserStatsDay)
        .values("user_id", "user__username")
        .annotate(requests=Sum("requests"), hits=Sum("hits"), cost=Sum("cost"))
        .order_by("-requests", "user_id")[:limit]
    )
    return [
        {
            "user_id": r["user_id"],
            "username": r["user__username"],
            "requests": r["requests"],
            "hits": r["hits"],
            "cost": money(r["cost"]),
        }
        for r in rows
    ]


def costs(days: int, *, today: dt.date | None = None) -> list[dict]:
    first, last = days_window(days, today=today)
    rows = (
        _in(first, last, AICallStatsDay)
        .values("provider", "model")
        .annotate(
            calls=Sum("calls"),
            failures=Sum("failures"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            images=Sum("images"),
            cost=Sum("cost"),
        )
        .order_by("provider", "model")
    )
    return [{**row, "cost": money(row["cost"])} for row in rows]


def top_cities(days: int, limit: int, *, today: dt.date | None = None) -> list[dict]:
    first, last = days_window(days, today=today)
    rows = list(
        _in(first, last, CityStatsDay)
        .values("city")
        .annotate(requests=Sum("requests"))
        .order_by("-requests", "city")[:limit]
    )
    users = dict(
        _in(first, last, CityUserStatsDay)
        .filter(city__in=[row["city"] for row in rows])
        .values_list("city")
        .annotate(n=Count("user", distinct=True))
    )
    return [{**row, "users": users.get(row["city"], 0)} for row in rows]
