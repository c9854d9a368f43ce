"""Checks for what vision models answer (and what the offline engines return through the same path)."""

from __future__ import annotations

from collections.abc import Collection

from ai.services import InvalidOutput

MATERIAL_TYPES = ("polish", "decoration", "tool")
COMPLEXITIES = ("low", "medium", "high")
ASPECTS = ("color", "pattern", "detail", "composition")
MAX_MINUTES = 24 * 60
MAX_NOTES = 500


def _int(value, field: str, low: int, high: int) -> int:
    try:
        number = round(float(value))
    except (TypeError, ValueError):
        raise InvalidOutput(f"{field} is not a number") from None
    if not low <= number <= high:
        raise InvalidOutput(f"{field} {number} is outside {low}..{high}")
    return number


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit]


def estimate(value: dict) -> dict:
    minutes_min = _int(value.get("duration_min"), "duration_min", 1, MAX_MINUTES)
    minutes_max = _int(value.get("duration_max"), "duration_max", 1, MAX_MINUTES)
    if minutes_max < minutes_min:
        raise InvalidOutput("duration_max is below duration_min")
    complexity = str(value.get("complexity", "")).strip().lower()
    if complexity not in COMPLEXITIES:
        raise InvalidOutput(f"complexity {complexity!r} is not one of {COMPLEXITIES}")
    materials = value.get("materials")
    if not isinstance(materials, list):
        raise InvalidOutput("materials is not a list")
    cleaned = []
    for item in materials[:40]:
        if not isinstance(item, dict) or not _text(item.get("name"), 80):
            raise InvalidOutput("a material has no name")
        kind = str(item.get("type", "")).strip().lower()
        if kind not in MATERIAL_TYPES:
            raise InvalidOutput(f"material type {kind!r} is not one of {MATERIAL_TYPES}")
        cleaned.append(
            {"name": _text(item["name"], 80), "amount": _text(item.get("amount"), 40), "type": kind}
        )
    return {
        "duration_min": minutes_min,
        "duration_max": minutes_max,
        "materials": cleaned,
        "complexity": complexity,
        "notes": _text(value.get("notes"), MAX_NOTES),
    }


def comparison(value: dict, dimensions: Collection[str] | None = None) -> dict:
    """``dimension_scores`` comes back as ``{code: {"score": 0-100, "evidence": text}}`` for the asked
    ``dimensions`` (others are dropped; all when None). A bare number is taken as a score without evidence;
    a dimension left out is simply not scored."""
    differences = value.get("differences")
    if not isinstance(differences, dict) or any(not isinstance(differences.get(a), str) for a in ASPECTS):
        raise InvalidOutput(f"differences must give a text for each of {ASPECTS}")
    suggestions = value.get("suggestions", [])
    if not isinstance(suggestions, list) or not all(isinstance(s, str) for s in suggestions):
        raise InvalidOutput("suggestions is not a list of strings")
    scores = value.get("dimension_scores")
    scores = scores if isinstance(scores, dict) else {}
    return {
        "similarity": _int(value.get("similarity"), "similarity", 0, 100),
        "differences": {a: _text(differences[a], 500) for a in ASPECTS},
        "suggestions": [_text(s, 300) for s in suggestions if s.strip()][:10],
        "dimension_scores": {
            str(code): _dimension_score(entry, f"dimension_scores.{code}")
            for code, entry in scores.items()
            if dimensions is None or code in dimensions
        },
    }


def _dimension_score(entry, field: str) -> dict:
    if isinstance(entry, dict):
        return {
            "score": _int(entry.get("score"), f"{field}.score", 0, 100),
            "evidence": _text(entry.get("evidence"), 500),
        }
    return {"score": _int(entry, field, 0, 100), "evidence": ""}
