"""Reads for the ability center, always of the requesting user's own records."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from nailstudio.models import ComparisonResult

from . import cache
from .models import AbilityDimension, AbilityRecord
from .scoring import Point, recency_weighted, rounded, weighted_overall
from .services import active_dimensions

TIMEZONE = ZoneInfo("Asia/Shanghai")
COMPARE_DAYS = 30  # "change": now against this many days earlier
RECENT_COMPARISONS = 20  # how far back insights look for recurring suggestions
TOP_SUGGESTIONS = 5
PERIODS = ("week", "month")


def records_for(user) -> QuerySet[AbilityRecord]:
    return AbilityRecord.objects.filter(user=user).select_related("dimension")


def summary(user) -> dict:
    """``compute_summary`` for now, cached per user until new records arrive or a dimension changes."""
    key = cache.summary_key(user.pk)
    data = django_cache.get(key)
    if data is None:
        data = compute_summary(user, timezone.now())
        django_cache.set(key, data, settings.ABILITY_SUMMARY_CACHE_SECONDS)
    return data


def compute_summary(user, now: datetime) -> dict:
    """Per active dimension: the recency-weighted score (see ``abilities.scoring``) now and COMPARE_DAYS
    earlier, the change and the number of scored services; plus the weighted overall score."""
    dimensions = active_dimensions()
    points: dict[int, list[Point]] = defaultdict(list)
    rows = AbilityRecord.objects.filter(user=user, dimension__in=dimensions, recorded_at__lte=now)
    for dimension_id, score, at in rows.values_list("dimension_id", "score", "recorded_at"):
        points[dimension_id].append(Point(score, at))
    half_life = settings.ABILITY_HALF_LIFE_DAYS
    before = now - timedelta(days=COMPARE_DAYS)
    current, earlier, entries = {}, {}, []
    for dimension in dimensions:
        mine = points[dimension.pk]
        current[dimension.code] = recency_weighted(mine, now, half_life)
        earlier[dimension.code] = recency_weighted(mine, before, half_life)
        entries.append(
            {
                "code": dimension.code,
                "name": dimension.name,
                "weight": dimension.weight,
                "score": rounded(current[dimension.code]),
                "score_before": rounded(earlier[dimension.code]),
                "change": _change(current[dimension.code], earlier[dimension.code]),
                "services": len(mine),
            }
        )
    weights = {d.code: d.weight for d in dimensions}
    overall_now, overall_before = weighted_overall(current, weights), weighted_overall(earlier, weights)
    return {
        "as_of": now.isoformat(),
        "half_life_days": half_life,
        "compare_days": COMPARE_DAYS,
        "overall": {
            "score": rounded(overall_now),
            "score_before": rounded(overall_before),
            "change": _change(overall_now, overall_before),
        },
        "dimensions": entries,
    }


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else rounded(now - before)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TIMEZONE)


def today() -> date:
    return timezone.localdate(timezone=TIMEZONE)


def bucket_start(day: date, period: str) -> date:
    return day - timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def bucket_starts(start: date, end: date, period: str) -> list[date]:
    starts, current = [], bucket_start(start, period)
    while current <= end:
        starts.append(current)
        if period == "week":
            current += timedelta(days=7)
        else:
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return starts


def history(user, *, period: str, start: date, end: date, dimensions: list[AbilityDimension]) -> dict:
    """Average score per week (starting Monday) or month of Asia/Shanghai time, for each dimension, over the
    records from ``start`` to ``end`` (inclusive days). Buckets are labelled by their first day; a bucket
    without records has ``average`` null and ``count`` 0."""
    trunc = TruncWeek if period == "week" else TruncMonth
    rows = (
        AbilityRecord.objects.filter(
            user=user,
            dimension__in=dimensions,
            recorded_at__gte=day_start(start),
            recorded_at__lt=day_start(end + timedelta(days=1)),
        )
        .annotate(bucket=trunc("recorded_at", tzinfo=TIMEZONE))
        .values("dimension_id", "bucket")
        .annotate(average=Avg("score"), count=Count("id"))
        .order_by()
    )
    found = {(row["dimension_id"], _as_date(row["bucket"])): row for row in rows}
    starts = bucket_starts(start, end, period)
    series = []
    for dimension in dimensions:
        buckets = []
        for first in starts:
            row = found.get((dimension.pk, first))
            buckets.append(
                {
                    "start": first,
                    "average": rounded(float(row["average"])) if row else None,
                    "count": row["count"] if row else 0,
                }
            )
        series.append({"code": dimension.code, "name": dimension.name, "buckets": buckets})
    return {"period": period, "from": start, "to": end, "timezone": str(TIMEZONE), "dimensions": series}


def _as_date(bucket: date | datetime) -> date:
    return bucket.astimezone(TIMEZONE).date() if isinstance(bucket, datetime) else bucket


def insights(user) -> dict:
    """Strongest and weakest dimension now, the most improved over COMPARE_DAYS, and the suggestions that
    recur in the user's RECENT_COMPARISONS latest comparisons (each counted once per comparison)."""
    scored = [d for d in summary(user)["dimensions"] if d["score"] is not None]
    improved = [d for d in scored if d["change"] is not None and d["change"] > 0]
    return {
        "strongest": _brief(max(scored, key=lambda d: d["score"], default=None)),
        # With one scored dimension it is the strongest; the weakest needs another to compare with.
        "weakest": _brief(min(scored, key=lambda d: d["score"])) if len(scored) > 1 else None,
        "most_improved": _brief(max(improved, key=lambda d: d["change"], default=None)),
        "recurring_suggestions": recurring_suggestions(user),
    }


def _brief(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    return {key: entry[key] for key in ("code", "name", "score", "change")}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip("。.!！;；").strip()


def recurring_suggestions(user) -> list[dict]:
    latest = ComparisonResult.objects.filter(service__owner=user).order_by("-analyzed_at", "-pk")
    counts: Counter[str] = Counter()
    wording: dict[str, str] = {}
    for suggestions in latest.values_list("suggestions", flat=True)[:RECENT_COMPARISONS]:
        seen = set()
        for text in suggestions or []:
            key = _normalise(str(text))
            if key and key not in seen:
                seen.add(key)
                wording.setdefault(key, str(text).strip())  # the most recent wording
                counts[key] += 1
    return [{"text": wording[key], "count": count} for key, count in counts.most_common() if count > 1][
        :TOP_SUGGESTIONS
    ]
