"""Rollups of the request log: the stats read these, never the log itself (see docs/stats.md).

Written in the transaction that writes the log rows (``services.rollups``), rebuilt per day by
``rebuild_stats``, and kept when the log rows are purged. Days and hours are Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from django.conf import settings
from django.db import models

# Upper bounds (exclusive, ms) of the latency histogram's buckets; the last bucket is open. A percentile read
# from it is the largest value its bucket can hold, capped at the largest time seen: at most one bucket off.
LATENCY_BOUNDS = (
    2, 5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 250, 300, 400, 500,
    600, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000,
)  # fmt: skip
BUCKETS = tuple(f"h{i:02d}" for i in range(len(LATENCY_BOUNDS) + 1))


def bucket_of(ms: int) -> int:
    return bisect_right(LATENCY_BOUNDS, ms)


def percentile(counts: list[int], fraction: float, largest: int) -> int:
    """The value at index ``int(fraction * n)`` of the sorted times (the old exact rule), to one bucket."""
    total = sum(counts)
    if not total:
        return 0
    rank = min(total - 1, int(fraction * total))
    seen = 0
    for index, count in enumerate(counts):
        seen += count
        if seen > rank:
            top = LATENCY_BOUNDS[index] - 1 if index < len(LATENCY_BOUNDS) else largest
            return min(top, largest)
    return largest


class StatsDay(models.Model):
    """One row per day with rollups: writers lock it shared, a rebuild exclusively (``core.db.rollups``)."""

    day = models.DateField(primary_key=True)
    raw_purged = models.BooleanField(
        default=False, help_text="raw logs of this day were purged: never rebuild"
    )
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "统计日"

    def __str__(self) -> str:
        return self.day.isoformat()


class RequestCounters(models.Model):
    """Per group: every log row counts in ``requests``; ``hits`` are cache answers, ``errors`` failed rows."""

    endpoint = models.CharField(max_length=32)
    inference_method = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=32, blank=True)
    provider = models.CharField(max_length=32, blank=True)
    requests = models.PositiveBigIntegerField(default=0)
    hits = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)
    bytes_saved = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    time_ms = models.PositiveBigIntegerField(default=0, help_text="sum of processing times")
    max_ms = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    day: dt.date  # each concrete rollup defines it (with or without an hour)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.endpoint} {self.inference_method} {self.category}"


for _name in BUCKETS:
    RequestCounters.add_to_class(_name, models.PositiveBigIntegerField(default=0))

DIMENSIONS = ("endpoint", "inference_method", "category", "provider")
COUNTERS = ("requests", "hits", "errors", "bytes_saved", "cost", "time_ms", *BUCKETS)


class RequestStatsDay(RequestCounters):
    day = models.DateField()

    class Meta:
        verbose_name = verbose_name_plural = "请求日统计"
        constraints = [models.UniqueConstraint(fields=["day", *DIMENSIONS], name="classifier_reqday_key")]


class RequestStatsHour(RequestCounters):
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "请求小时统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "hour", *DIMENSIONS], name="classifier_reqhour_key")
        ]


class UserStatsDay(models.Model):
    """Per user and day (for the top users). A deleted user's rows go with them, as their logs lose them."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requests = models.PositiveBigIntegerField(default=0)
    hits = models.PositiveBigIntegerField(default=0)
    remote_calls = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=18, decimal_places=6, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "用户日统计"
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="classifier_userday_key")]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id}"


class CityStatsDay(models.Model):
    """Requests per city and day (photos with GPS only), whoever sent them."""

    day = models.DateField()
    city = models.CharField(max_length=64)
    requests = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "城市日统计"
        constraints = [models.UniqueConstraint(fields=["day", "city"], name="classifier_cityday_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.city}"


class CityUserStatsDay(models.Model):
    """Which users sent photos from a city that day: distinct users over any window are counted from it."""

    day = models.DateField()
    city = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requests = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "城市用户日统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "city", "user"], name="classifier_cityuserday_key")
        ]
        # top_cities counts distinct users per city over a window: in this order MariaDB reads the index only,
        # one range per city, with no filesort (the unique key leads with day and needs one).
        indexes = [models.Index(fields=["city", "day", "user"], name="classifier_cityuser_city_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.city} user {self.user_id}"
