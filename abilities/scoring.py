"""How an artist's scores are summed up: a recency-weighted average per dimension and a weighted overall score.

Current score of a dimension at time t (H = ``ABILITY_HALF_LIFE_DAYS``, default 30)::

    score(t) = Σ sᵢ · 2^(−(t − tᵢ)/H) / Σ 2^(−(t − tᵢ)/H)      over the records with tᵢ ≤ t

so a service H days old counts half as much as one done today, and one 2H old a quarter. It is a weighted
*average*: a single old score still gives that score, recent work simply outvotes older work. "30 days ago" is the
same formula at t − 30 days, over the records that existed then. The overall score is the mean of the current
dimension scores weighted by each dimension's ``weight`` (dimensions without a score yet are left out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Point:
    score: int
    at: datetime


def recency_weighted(points: Iterable[Point], at: datetime, half_life_days: float) -> float | None:
    """score(at) as defined above, or None when no record is older than ``at``."""
    total = weight_sum = 0.0
    for point in points:
        age_days = (at - point.at).total_seconds() / SECONDS_PER_DAY
        if age_days < 0:
            continue
        weight = 0.5 ** (age_days / half_life_days)
        total += weight * point.score
        weight_sum += weight
    return total / weight_sum if weight_sum else None


def weighted_overall(scores: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    scored = [(weights[code], score) for code, score in scores.items() if score is not None]
    weight_sum = sum(weight for weight, _ in scored)
    return sum(weight * score for weight, score in scored) / weight_sum if weight_sum > 0 else None


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
