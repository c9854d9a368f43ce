"""``rebuild_stats``: recompute whole days of rollups from the raw logs that still exist.

Each day is one transaction: lock the day's marker exclusively (writers adding to that day wait; the ones
already adding finish first and are read), delete its rollups, aggregate its raw rows by primary-key ranges
(per range a grouped scan written into the hour rollups by the database, and one per user × city) and write
the day, user and city rollups. A day whose raw rows were purged is left as it is: its rollups are all that is left of it.
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
from core.db.rollups import lock_days, purged, upsert_select

from ..models import InferenceMethod, RequestLog
from ..selectors import STATS_TZ
from ..stats_models import (
    BUCKETS,
    COUNTERS,
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
# The latency bucket of a row (``bucket_of`` in SQL): MariaDB's INTERVAL() counts the bounds <= the time by
# binary search; elsewhere a CASE.
_BUCKET = {
    "sqlite": "CASE "
    + " ".join(f"WHEN processing_time_ms < {bound} THEN {i}" for i, bound in enumerate(LATENCY_BOUNDS))
    + f" ELSE {len(LATENCY_BOUNDS)} END",
    "mysql": f"INTERVAL(processing_time_ms, {', '.join(str(bound) for bound in LATENCY_BOUNDS)})",
}
_HOUR_FIELDS = ["day", "hour", *DIMENSIONS, *COUNTERS, "max_ms", "updated_at"]
_SUMMED = [name for name in COUNTERS if name not in BUCKETS]
_ADDED = {"add": COUNTERS, "greatest": ["max_ms"], "replace": ["updated_at"]}
# Ids per scan: the hour scan and the user scan of a range run back to back, so the second reads the pages the
# first brought into the buffer pool (a day of a busy log is larger than MariaDB's default pool of 128 MB).
SCAN_CHUNK = 100_000


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
    chunks = _chunks_of(model, day, chunk=None)
    return chunks[0] if chunks else None


def _chunks_of(model, day: dt.date, *, chunk: int | None):
    """The day's raw rows in primary-key ranges of ``chunk`` ids (one range with None)."""
    start, end = bounds(day)
    rows = model.objects.filter(created_at__gte=start, created_at__lt=end)
    ids = rows.aggregate(low=Min("pk"), high=Max("pk"))
    if ids["low"] is None:
        return []
    low, high = ids["low"], ids["high"] + 1
    step = chunk or high - low
    return [rows.filter(pk__gte=a, pk__lt=min(a + step, high)) for a in range(low, high, step)]


def _text(vendor: str, columns) -> str:
    """String columns to group by. On MySQL/MariaDB as bytes: comparing them under the unicode collation costs
    more than the rest of the scan (converted back, or decoded, once per group)."""
    return ", ".join(f"BINARY {c}" if vendor == "mysql" else c for c in columns)


def _scan(rows, using: str) -> tuple[str, list, str]:
    """The FROM and WHERE of a scan of the day's rows, and the vendor. On MySQL/MariaDB along the primary key:
    the day's rows are contiguous there, which reads them in order instead of one lookup per row from the
    created_at index."""
    connection = connections[using]
    where, params = rows.query.get_compiler(using).compile(rows.query.where)
    table = connection.ops.quote_name(RequestLog._meta.db_table)
    if connection.vendor == "mysql":
        table += " FORCE INDEX (PRIMARY)"
    return f"FROM {table} WHERE {where}", list(params), connection.vendor


def _add_hours(day: dt.date, rows, using: str, now: dt.datetime) -> None:
    """Add ``rows`` to the day's hour rollups, computed and written by the database (one ``INSERT … SELECT``):
    one grouped scan per hour × dimensions × latency bucket, pivoted into the histogram's columns."""
    scan, params, vendor = _scan(rows, using)
    ops = connections[using].ops
    offset = int((STATS_TZ.utcoffset(bounds(day)[0]) or dt.timedelta()).total_seconds() // 3600)
    dims = ", ".join(f"{_text(vendor, [name])} AS {name}" for name in DIMENSIONS)
    # Whether a row is a hit or an error is grouped on rather than summed: every aggregate of a grouped scan
    # costs about as much as the grouping itself, and both follow from the dimensions almost always.
    keys = (
        f"{_UTC_HOUR[vendor]} AS utc_hour, {dims}, {_BUCKET[vendor]} AS bucket, from_cache AS hit, "
        f"CASE WHEN status = '{RequestLog.Status.ERROR}' THEN 1 ELSE 0 END AS error"
    )
    counts = (
        "COUNT(*) AS requests, SUM(bytes_saved) AS bytes_saved, SUM(cost) AS cost, "
        "SUM(processing_time_ms) AS time_ms, MAX(processing_time_ms) AS max_ms"
    )
    inner = (
        f"SELECT {keys}, {counts} {scan} GROUP BY {', '.join(str(i) for i in range(1, len(DIMENSIONS) + 5))}"
    )
    texts = ", ".join(
        f"CONVERT(scan.{name} USING utf8mb4)" if vendor == "mysql" else f"scan.{name}" for name in DIMENSIONS
    )
    sums = {name: f"SUM(scan.{name})" for name in _SUMMED}
    sums["hits"] = "SUM(CASE WHEN scan.hit THEN scan.requests ELSE 0 END)"
    sums["errors"] = "SUM(CASE WHEN scan.error = 1 THEN scan.requests ELSE 0 END)"
    histogram = ", ".join(
        f"SUM(CASE WHEN scan.bucket = {i} THEN scan.requests ELSE 0 END)" for i in range(len(BUCKETS))
    )
    keys = ", ".join(f"scan.{name}" for name in ("utc_hour", *DIMENSIONS))
    hours = (
        f"SELECT %s, (scan.utc_hour + {offset}) %% 24, {texts}, "
        f"{', '.join(sums[name] for name in _SUMMED)}, {histogram}, MAX(scan.max_ms), %s "
        f"FROM ({inner}) AS scan GROUP BY {keys}"
    )
    stamp = [ops.adapt_datefield_value(day), ops.adapt_datetimefield_value(now)]
    upsert_select(
        RequestStatsHour, _HOUR_FIELDS, hours, [*stamp, *params], key=_HOUR_FIELDS[:6], using=using, **_ADDED
    )


def _write_days(day: dt.date, using: str, now: dt.datetime) -> None:
    """The day's day rollups: its hour rollups summed (one ``INSERT … SELECT``)."""
    ops = connections[using].ops
    hour_table = connections[using].ops.quote_name(RequestStatsHour._meta.db_table)
    days = (
        f"SELECT day, {', '.join(DIMENSIONS)}, {', '.join(f'SUM({name})' for name in COUNTERS)}, MAX(max_ms), %s "
        f"FROM {hour_table} WHERE day = %s GROUP BY day, {', '.join(DIMENSIONS)}"
    )
    fields = [name for name in _HOUR_FIELDS if name != "hour"]
    stamp = [ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(day)]
    upsert_select(RequestStatsDay, fields, days, stamp, key=fields[:5], using=using, **_ADDED)


def _add_people(groups: Groups, day: dt.date, rows, using: str) -> int:
    """Add ``rows`` to the user and city groups from one grouped scan per user × city × hit × remote (a few
    thousand groups). Returns how many rows they were."""
    scan, params, vendor = _scan(rows, using)
    select = (
        f"SELECT user_id, {_text(vendor, ['city'])}, from_cache, "
        f"CASE WHEN inference_method = '{InferenceMethod.REMOTE}' THEN 1 ELSE 0 END, COUNT(*), SUM(cost) {scan} "
        "GROUP BY 1, 2, 3, 4"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(select, params)
        found = cursor.fetchall()
    total = 0
    for user_id, city, hit, remote, requests, cost in found:
        counts = {
            "user_id": user_id,
            "city": city.decode() if isinstance(city, bytes) else city,
            "requests": requests,
            "hits": requests if hit else 0,
            "remote": requests if remote else 0,
            "cost": cost,
        }
        groups.add_people(day, counts)
        total += requests
    return total


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
            groups, request_rows = Groups(), 0
            for rows in _chunks_of(RequestLog, day, chunk=SCAN_CHUNK):
                _add_hours(day, rows, using, now)
                request_rows += _add_people(groups, day, rows, using)
            _write_days(day, using, now)
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
    oldest = [
        model.objects.order_by("created_at").values_list("created_at", flat=True).first()
        for model in (RequestLog, AICall)
    ]
    firsts = [at for at in oldest if at is not None]
    return min(firsts).astimezone(STATS_TZ).date() if firsts else None
