"""Stats over the request log and the AI call log, computed in SQL; days are Asia/Shanghai calendar days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from ai.models import AICall

from .models import InferenceMethod, RequestLog

STATS_TZ = ZoneInfo("Asia/Shanghai")
_MICRO = Decimal("0.000001")
# A near-duplicate's reused answer (neardup.py) spared a paid call as a cache hit does: counted in cost saved.
REUSES = Count("id", filter=Q(inference_method=InferenceMethod.REUSE))


def money(value) -> str:
    """Sums come back as float-like decimals on SQLite: always answer 6 decimal places."""
    return str(Decimal(str(value or 0)).quantize(_MICRO))


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=STATS_TZ)


def window(days: int, *, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    today = today or timezone.localdate(timezone=STATS_TZ)
    return day_start(today - dt.timedelta(days=days - 1)), day_start(today + dt.timedelta(days=1))


def logs_between(start: dt.datetime, end: dt.datetime):
    return RequestLog.objects.filter(created_at__gte=start, created_at__lt=end)


def average_remote_cost(start: dt.datetime, end: dt.datetime) -> Decimal:
    value = (
        logs_between(start, end).filter(inference_method=InferenceMethod.REMOTE).aggregate(v=Avg("cost"))["v"]
    )
    return Decimal(str(value or 0)).quantize(_MICRO)


def _percentile(queryset, field: str, fraction: float, count: int) -> int:
    if not count:
        return 0
    index = min(count - 1, int(fraction * count))
    return queryset.order_by(field).values_list(field, flat=True)[index]


def today(*, today: dt.date | None = None) -> dict:
    start, end = window(1, today=today)
    logs = logs_between(start, end)
    totals = logs.aggregate(
        requests=Count("id"),
        hits=Count("id", filter=Q(from_cache=True)),
        reuses=REUSES,
        remote=Count("id", filter=Q(inference_method=InferenceMethod.REMOTE)),
        avg_ms=Avg("processing_time_ms"),
        cost=Sum("cost"),
    )
    by_method = dict(
        logs.exclude(inference_method="").values_list("inference_method").annotate(n=Count("id"))
    )
    requests = totals["requests"]
    return {
        "date": start.date().isoformat(),
        "requests": requests,
        "hits": totals["hits"],
        "hit_rate": round(totals["hits"] / requests, 4) if requests else 0.0,
        "reuses": totals["reuses"],
        "by_method": {method: by_method.get(method, 0) for method in InferenceMethod.values},
        "remote_calls": totals["remote"],
        "avg_processing_ms": round(totals["avg_ms"] or 0, 1),
        "p95_processing_ms": _percentile(logs, "processing_time_ms", 0.95, requests),
        "cost": money(totals["cost"]),
        "cost_saved": money((totals["hits"] + totals["reuses"]) * average_remote_cost(start, end)),
    }


def cache_efficiency(days: int, *, today: dt.date | None = None) -> list[dict]:
    start, end = window(days, today=today)
    average = average_remote_cost(start, end)
    rows = (
        logs_between(start, end)
        .annotate(day=TruncDate("created_at", tzinfo=STATS_TZ))
        .values("day")
        .annotate(
            requests=Count("id"),
            hits=Count("id", filter=Q(from_cache=True)),
            reuses=REUSES,
            saved=Sum("bytes_saved"),
        )
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = start.date() + dt.timedelta(days=offset)
        row = by_day.get(day, {"requests": 0, "hits": 0, "reuses": 0, "saved": 0})
        result.append(
            {
                "date": day.isoformat(),
                "requests": row["requests"],
                "hits": row["hits"],
                "hit_rate": round(row["hits"] / row["requests"], 4) if row["requests"] else 0.0,
                "reuses": row["reuses"],
                "upload_bytes_saved": row["saved"] or 0,
                "cost_saved": money((row["hits"] + row["reuses"]) * average),
            }
        )
    return result


def category_distribution(days: int, *, today: dt.date | None = None) -> list[dict]:
    start, end = window(days, today=today)
    rows = (
        logs_between(start, end)
        .filter(status=RequestLog.Status.OK)
        .exclude(category="")
        .values("category")
        .annotate(count=Count("id"))
        .order_by("-count", "category")
    )
    total = sum(row["count"] for row in rows)
    return [{**row, "share": round(row["count"] / total, 4)} for row in rows]


def top_users(days: int, limit: int, *, today: dt.date | None = None) -> list[dict]:
    start, end = window(days, today=today)
    rows = (
        logs_between(start, end)
        .filter(user__isnull=False)
        .values("user_id", "user__username")
        .annotate(requests=Count("id"), hits=Count("id", filter=Q(from_cache=True)), cost=Sum("cost"))
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
    start, end = window(days, today=today)
    rows = (
        AICall.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("provider", "model")
        .annotate(
            calls=Count("id"),
            failures=Count("id", filter=Q(ok=False)),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            images=Sum("images"),
            cost=Sum("cost"),
        )
        .order_by("provider", "model")
    )
    return [{**row, "cost": money(row["cost"])} for row in rows]


def top_cities(days: int, limit: int, *, today: dt.date | None = None) -> list[dict]:
    start, end = window(days, today=today)
    rows = (
        logs_between(start, end)
        .exclude(city="")
        .values("city")
        .annotate(requests=Count("id"), users=Count("user", distinct=True))
        .order_by("-requests", "city")[:limit]
    )
    return list(rows)
