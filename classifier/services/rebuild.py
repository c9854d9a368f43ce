"""``rebuild_stats``: recompute whole days of rollups from the raw logs that still exist.

Each day is one transaction: lock the day's marker exclusively (writers adding to that day wait; the ones
already adding finish first and are read), delete its rollups, aggregate its raw rows in two grouped scans and
write the groups. A day whose raw rows were purged is left as it is: its rollups are all that is left of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from ai import rollups as ai_rollups
from ai.models import AICall
from ai.stats_models import AICallStatsDay, AIStatsDay
from core.db.rollups import lock_days, purged

from ..models import InferenceMethod, RequestLog
from ..selectors import STATS_TZ
from ..stats_models import (
    DIMENSIONS,
    LATENCY_BOUNDS,
    CityStatsDay,
    CityUserStatsDay,
    RequestStatsDay,
    RequestStatsHour,
    StatsDay,
    UserStatsDay,
)
from .rollups import Groups

ROLLUPS = (RequestStatsHour, RequestStatsDay, UserStatsDay, CityStatsDay, CityUserStatsDay)


# The UTC hour of a stored datetime, in plain SQL (Django's extract runs Python per row on SQLite); the day's
# offset makes it a Shanghai hour.
_UTC_HOUR = {
    "sqlite": "CAST(strftime('%%H', created_at) AS INTEGER)",
    "mysql": "HOUR(created_at)",
}
_BUCKET = (
    "CASE "
    + " ".join(f"WHEN processing_time_ms < {bound} THEN {i}" for i, bound in enumerate(LATENCY_BOUNDS))
    + f" ELSE {len(LATENCY_BOUNDS)} END"
)
_SCAN_COLUMNS = (
    "utc_hour",
    *DIMENSIONS,
    "bucket",
    "requests",
    "hits",
    "errors",
    "bytes_saved",
    "cost",
    "time_ms",
    "max_ms",
)


@dataclass(frozen=True)
class DayResult:
    day: dt.date
    request_rows: int | None  # None: skipped, the raw rows were purged
    ai_calls: int | None


def bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=STATS_TZ)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=STATS_TZ)


def _rows_of(model, day: dt.date):
    """The day's raw rows, also bounded by their id range: a primary-key range scan, not a table scan."""
    start, end = bounds(day)
    rows = model.objects.filter(created_at__gte=start, created_at__lt=end)
    ids = rows.aggregate(low=Min("pk"), high=Max("pk"))
    if ids["low"] is None:
        return None
    return rows.filter(pk__gte=ids["low"], pk__lte=ids["high"])


def _text(vendor: str, columns) -> str:
    """String columns to group by. On MySQL/MariaDB as bytes: comparing them under the unicode collation costs
    more than the rest of the scan (they come back as bytes, decoded by ``_grouped``)."""
    return ", ".join(f"BINARY {c}" if vendor == "mysql" else c for c in columns)


def _grouped(rows, using: str, select: str, keys: int) -> list[tuple]:
    """One grouped scan of the day's rows in plain SQL, grouped by the first ``keys`` selected expressions (the ORM would convert every cell of the many result
    rows). On MySQL/MariaDB along the primary key: the day's rows are contiguous there, which reads them in
    order instead of one lookup per row from the created_at index."""
    connection = connections[using]
    where, params = rows.query.get_compiler(using).compile(rows.query.where)
    table = connection.ops.quote_name(RequestLog._meta.db_table)
    if connection.vendor == "mysql":
        table += " FORCE INDEX (PRIMARY)"
    with connection.cursor() as cursor:
        group_by = ", ".join(str(i) for i in range(1, keys + 1))
        cursor.execute(f"SELECT {select} FROM {table} WHERE {where} GROUP BY {group_by}", params)
        return [tuple(v.decode() if isinstance(v, bytes) else v for v in row) for row in cursor.fetchall()]


def _request_groups(day: dt.date, using: str) -> tuple[Groups, int]:
    groups = Groups()
    rows = _rows_of(RequestLog, day)
    if rows is None:
        return groups, 0
    vendor = connections[using].vendor
    offset = int((STATS_TZ.utcoffset(bounds(day)[0]) or dt.timedelta()).total_seconds() // 3600)
    counts = (
        "COUNT(*), SUM(CASE WHEN from_cache THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN status = '{RequestLog.Status.ERROR}' THEN 1 ELSE 0 END), SUM(bytes_saved), SUM(cost), "
        "SUM(processing_time_ms), MAX(processing_time_ms)"
    )
    select = f"{_UTC_HOUR[vendor]} AS utc_hour, {_text(vendor, DIMENSIONS)}, {_BUCKET} AS bucket, {counts}"
    total = 0
    for values in _grouped(rows, using, select, len(DIMENSIONS) + 2):
        row = dict(zip(_SCAN_COLUMNS, values, strict=True))
        hour = (row.pop("utc_hour") + offset) % 24
        groups.add_counts(day, hour, row)
        total += row["requests"]
    select = (
        f"user_id, {_text(vendor, ['city'])}, COUNT(*), SUM(CASE WHEN from_cache THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN inference_method = '{InferenceMethod.REMOTE}' THEN 1 ELSE 0 END), SUM(cost)"
    )
    for values in _grouped(rows, using, select, 2):
        groups.add_people(
            day, dict(zip(("user_id", "city", "requests", "hits", "remote", "cost"), values, strict=True))
        )
    return groups, total


def _ai_groups(day: dt.date) -> tuple[dict, int]:
    rows = _rows_of(AICall, day)
    if rows is None:
        return {}, 0
    scan = (
        rows.values("capability", "provider", "model")
        .annotate(
            calls=Count("pk"),
            failures=Count("pk", filter=Q(ok=False)),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            images=Sum("images"),
            cost=Sum("cost"),
            latency_ms=Sum("latency_ms"),
        )
        .order_by()
    )
    groups = {
        (day, r["capability"], r["provider"], r["model"]): [r[name] or 0 for name in ai_rollups.COUNTERS]
        for r in scan
    }
    return groups, sum(g[0] for g in groups.values())


def rebuild_day(day: dt.date, *, using: str = DEFAULT_DB_ALIAS) -> DayResult:
    now = timezone.now()
    with transaction.atomic(using=using):
        lock_days(StatsDay, [day], using=using, exclusive=True)
        request_rows = None
        if not purged(StatsDay, day, using=using):
            for model in ROLLUPS:
                model.objects.using(using).filter(day=day).delete()
            groups, request_rows = _request_groups(day, using)
            groups.write(using=using)
            StatsDay.objects.using(using).filter(pk=day).update(rebuilt_at=now)
    with transaction.atomic(using=using):
        lock_days(AIStatsDay, [day], using=using, exclusive=True)
        ai_calls = None
        if not purged(AIStatsDay, day, using=using):
            AICallStatsDay.objects.using(using).filter(day=day).delete()
            ai_groups, ai_calls = _ai_groups(day)
            ai_rollups.write(ai_groups, using=using)
            AIStatsDay.objects.using(using).filter(pk=day).update(rebuilt_at=now)
    return DayResult(day, request_rows, ai_calls)


def first_raw_day() -> dt.date | None:
    """The day of the oldest raw row still kept (request logs or AI calls)."""
    firsts = [
        model.objects.order_by("created_at").values_list("created_at", flat=True).first()
        for model in (RequestLog, AICall)
    ]
    kept = [at for at in firsts if at is not None]
    return min(kept).astimezone(STATS_TZ).date() if kept else None
