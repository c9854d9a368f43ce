"""Reads of user corrections: a user's own list, and the staff figures of which results get corrected."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Sum

from ai.stats_models import AICallStatsDay
from ai.taxonomy import CATEGORIES

from .models import Correction
from .selectors import STATS_TZ, days_window


def corrections_of(user):
    return Correction.objects.filter(user=user).order_by("-created_at", "-id")


def correction_stats(days: int, *, today: dt.date | None = None) -> dict:
    """Corrections made in the period, per category and per provider/model of the corrected result.

    A provider's rate is its corrections over its answers: the classifications it produced in the period, read
    from the period's AI-call rollups (successful ``classify_photo`` calls: one per image classified, none for
    cache hits), never from the raw rows. Results with no AICall behind
    them (the screenshot rule, staff decisions) have no rate. A correction made in the period may concern a
    result produced before it, so the rate is a signal for comparing providers, not an exact fraction."""
    first, last = days_window(days, today=today)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=STATS_TZ)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=STATS_TZ)
    corrections = Correction.objects.filter(created_at__gte=start, created_at__lt=end)
    from_counts = dict(corrections.values_list("original_category").annotate(n=Count("id")).order_by())
    to_counts = dict(corrections.values_list("category").annotate(n=Count("id")).order_by())
    answers = {
        (row["provider"], row["model"]): row["n"]
        for row in AICallStatsDay.objects.filter(capability="classify_photo", day__gte=first, day__lte=last)
        .values("provider", "model")
        .annotate(n=Sum(F("calls") - F("failures")))
        .order_by()
    }
    providers = []
    for row in (
        corrections.values("provider", "model")
        .annotate(corrections=Count("id"), images=Count("image_hash", distinct=True))
        .order_by("-corrections", "provider", "model")
    ):
        given = answers.get((row["provider"], row["model"]), 0)
        providers.append(
            {**row, "answers": given, "rate": round(row["corrections"] / given, 4) if given else None}
        )
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "corrections": sum(from_counts.values()),
        "categories": [
            {
                "category": c.code,
                "corrected_from": from_counts.get(c.code, 0),
                "corrected_to": to_counts.get(c.code, 0),
            }
            for c in CATEGORIES
        ],
        "providers": providers,
    }
