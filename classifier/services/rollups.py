"""Fold request log rows into the stats rollups, in the transaction that writes the rows.

One pass over the rows groups them in Python; then one upsert per rollup table adds the groups' counters
(``core.db.rollups``). A flush of 5,000 check-cache rows makes a few dozen groups.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.db.rollups import lock_days, upsert

from ..models import InferenceMethod, RequestLog
from ..selectors import STATS_TZ
from ..stats_models import (
    BUCKETS,
    COUNTERS,
    DIMENSIONS,
    CityStatsDay,
    CityUserStatsDay,
    RequestStatsDay,
    RequestStatsHour,
    StatsDay,
    UserStatsDay,
    bucket_of,
)

_ERROR = RequestLog.Status.ERROR
_REMOTE = InferenceMethod.REMOTE
_SIZE = len(COUNTERS) + 1  # the counters, then max_ms
_COST, _MS, _FIRST_BUCKET = COUNTERS.index("cost"), COUNTERS.index("time_ms"), COUNTERS.index(BUCKETS[0])


def local_hour(at: dt.datetime) -> tuple[dt.date, int]:
    local = at.astimezone(STATS_TZ)
    return local.date(), local.hour


def _cost(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


class Groups:
    """The rollup rows that a set of log rows adds, keyed like the tables' unique keys."""

    def __init__(self):
        self.hours: dict[tuple, list] = {}
        self.users: dict[tuple, list] = {}
        self.cities: dict[tuple, list] = {}
        self.city_users: dict[tuple, list] = {}

    def add(self, row: RequestLog, day: dt.date, hour: int) -> None:
        ms = row.processing_time_ms or 0
        cost = _cost(row.cost) if row.cost else 0  # most rows (hits, misses) cost nothing
        hit = 1 if row.from_cache else 0
        group = self._group((day, hour, row.endpoint, row.inference_method, row.category, row.provider))
        group[0] += 1
        group[1] += hit
        if row.status == _ERROR:
            group[2] += 1
        group[3] += row.bytes_saved or 0
        if cost:
            group[_COST] += cost
        if ms:
            group[_MS] += ms
            if ms > group[-1]:
                group[-1] = ms
        group[_FIRST_BUCKET + bucket_of(ms)] += 1
        user_id = row.user_id
        if user_id is not None:
            user = self.users.get((day, user_id))
            if user is None:
                user = self.users[(day, user_id)] = [0, 0, 0, Decimal(0)]
            user[0] += 1
            user[1] += hit
            if row.inference_method == _REMOTE:
                user[2] += 1
            if cost:
                user[3] += cost
        if row.city:
            self.cities.setdefault((day, row.city), [0])[0] += 1
            if user_id is not None:
                self.city_users.setdefault((day, row.city, user_id), [0])[0] += 1

    def _group(self, key: tuple) -> list:
        group = self.hours.get(key)
        if group is None:
            group = self.hours[key] = [0] * _SIZE
            group[_COST] = Decimal(0)
        return group

    def add_people(self, day: dt.date, counts: dict) -> None:
        """Add a grouped scan's row per (user, city): requests, hits, remote and cost."""
        user, city = counts["user_id"], counts["city"]
        if user is not None:
            values = self.users.setdefault((day, user), [0, 0, 0, Decimal(0)])
            for index, name in enumerate(("requests", "hits", "remote")):
                values[index] += int(counts[name] or 0)
            values[3] += _cost(counts["cost"])
        if city:
            self.cities.setdefault((day, city), [0])[0] += int(counts["requests"])
            if user is not None:
                self.city_users.setdefault((day, city, user), [0])[0] += int(counts["requests"])

    def days(self) -> dict[tuple, list]:
        """The hour groups summed per day."""
        days: dict[tuple, list] = {}
        for (day, _hour, *dims), values in self.hours.items():
            group = days.get((day, *dims))
            if group is None:
                days[(day, *dims)] = list(values)
                continue
            for index in range(_SIZE - 1):
                group[index] += values[index]
            group[-1] = max(group[-1], values[-1])
        return days

    def write(self, *, using: str) -> None:
        """Add the groups to the rollups."""
        now = timezone.now()
        stamped = {k: [*v, now] for k, v in self.hours.items()}
        options: dict[str, Any] = {
            "add": COUNTERS,
            "greatest": ["max_ms"],
            "replace": ["updated_at"],
            "using": using,
        }
        upsert(RequestStatsHour, stamped, key=["day", "hour", *DIMENSIONS], **options)
        stamped = {k: [*v, now] for k, v in self.days().items()}
        upsert(RequestStatsDay, stamped, key=["day", *DIMENSIONS], **options)
        upsert(
            UserStatsDay,
            self.users,
            key=["day", "user"],
            add=["requests", "hits", "remote_calls", "cost"],
            using=using,
        )
        upsert(CityStatsDay, self.cities, key=["day", "city"], add=["requests"], using=using)
        upsert(CityUserStatsDay, self.city_users, key=["day", "city", "user"], add=["requests"], using=using)


def add_rows(rows: list[RequestLog], *, using: str) -> None:
    """Add ``rows`` (saved, with their ``created_at``) to the rollups. Call inside their transaction."""
    if not rows:
        return
    groups = Groups()
    hours: dict[dt.datetime, tuple[dt.date, int]] = {}  # the rows of one request share their time
    for row in rows:
        at = row.created_at
        local = hours.get(at)
        if local is None:
            local = hours[at] = local_hour(at)
        groups.add(row, *local)
    lock_days(StatsDay, {day for day, _ in hours.values()}, using=using)
    groups.write(using=using)
