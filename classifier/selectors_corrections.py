"""Reads of user corrections: a user's own list, and the staff figures of which results get corrected."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from ai.models import AICall
from ai.taxonomy import CATEGORIES

from .models import Correction
from .selectors import window


def corrections_of(user):
    return Correction.objects.filter(user=user).order_by("-created_at", "-id")


def correction_stats(days: int, *, today: dt.date | None = None) -> dict:
    """Corrections made in the period, per category and per provider/model of the corrected result.

    A provider's rate is its corrections over its answers: the classifications it produced in the period, read
    from the period's successful ``classify_photo`` AICall rows (one per image classified, none for cache hits:
    far fewer than request-log rows, and found through their created_at index). Results with no AICall behind
    them (the screenshot rule, staff decisions) have no rate. A correction made in the period may concern a
    result produced before it, so the rate is a signal for comparing providers, not an exact fraction."""
    start, end = window(days, today=today)
    corrections = Correction.objects.filter(created_at__gte=start, created_at__lt=end)
    from_counts = dict(corrections.values_list("original_category").annotate(n=Count("id")).order_by())
    to_counts = dict(corrections.values_list("category").annotate(n=Count("id")).order_by())
    answers = {
        (row["provider"], row["model"]): row["n"]
        for row in AICall.objects.filter(
            capability="classify_photo", ok=True, created_at__gte=start, created_at__lt=end
        )
        .values("provider", "model")
        .annotate(n=Count("id"))
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
        "from": start.date().isoformat(),
        "to": (end - dt.timedelta(days=1)).date().isoformat(),
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
