"""Writes: turning a finished design-vs-result comparison into ability records, and rebuilding them.

``ComparisonResult.dimension_scores`` holds ``{code: {"score": 0–100, "evidence": "<text>"}}`` for the dimensions
that were active when the comparison ran (the AI is asked for exactly those; the offline comparator scores them
by the aspects of ``abilities.dimensions``). The studio calls ``record_from_comparison`` through the scorer this
app registers in ``nailstudio.services.scoring`` (apps.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef

from nailstudio.models import ComparisonResult, ServiceRecord

from . import cache
from .models import AbilityDimension, AbilityRecord


def active_dimensions() -> list[AbilityDimension]:
    """The dimensions artists are scored on, in display order."""
    return list(AbilityDimension.objects.filter(active=True))


@transaction.atomic
def record_from_comparison(comparison: ComparisonResult) -> list[AbilityRecord]:
    """Replace the service's ability records with the scores of its comparison (idempotent).

    Every known dimension present in the scores is recorded, inactive ones too, so deactivating a dimension
    hides its history without losing it. ``recorded_at`` is when the service was completed.
    """
    service = comparison.service
    dimensions = {
        d.code: d for d in AbilityDimension.objects.filter(code__in=list(comparison.dimension_scores))
    }
    recorded_at = service.completed_at or comparison.analyzed_at
    records = [
        AbilityRecord(
            user_id=service.owner_id,
            service=service,
            dimension=dimensions[code],
            score=entry["score"],
            evidence={"text": entry.get("evidence", ""), "provider": comparison.provider},
            recorded_at=recorded_at,
        )
        for code, entry in comparison.dimension_scores.items()
        if code in dimensions
    ]
    AbilityRecord.objects.filter(service=service).delete()
    AbilityRecord.objects.bulk_create(records)
    owner_id = service.owner_id
    transaction.on_commit(lambda: cache.forget_summary(owner_id))
    return records


def recompute(*, user=None, progress: Callable[[int], Callable[[], None]] | None = None) -> int:
    """Rebuild the records of every stored comparison (of one user, or everyone); returns how many.

    Records of services that no longer have a comparison are removed. ``progress(total)`` may return a
    callback that is called after each comparison.
    """
    services = ServiceRecord.objects.all() if user is None else ServiceRecord.objects.filter(owner=user)
    has_comparison = Exists(ComparisonResult.objects.filter(service=OuterRef("service")))
    stale = AbilityRecord.objects.filter(service__in=services).exclude(has_comparison)
    owners = set(stale.values_list("user_id", flat=True))
    stale.delete()
    for owner_id in owners:
        cache.forget_summary(owner_id)
    comparisons = (
        ComparisonResult.objects.filter(service__in=services).select_related("service").order_by("pk")
    )
    advance = progress(comparisons.count()) if progress else None
    done = 0
    for comparison in comparisons:
        record_from_comparison(comparison)
        done += 1
        if advance:
            advance()
    return done


def dimensions_changed(**kwargs) -> None:
    """Signal receiver: a dimension was added, edited or removed, so every cached summary is out of date."""
    transaction.on_commit(cache.forget_all)
