"""Model output is untrusted: parse it strictly and check it before anyone uses it."""

import json
import re

from .errors import InvalidOutput
from .taxonomy import code_for

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
# Long digit runs look like ID, phone or card numbers: never let them into a description.
_NUMBER_RUN = re.compile(r"[0-9Xx]{6,}")
MAX_DESCRIPTION = 60


def parse_json_object(text: str) -> dict:
    cleaned = _FENCE.sub("", text.strip())
    try:
        value = json.loads(cleaned)
    except json.JSONDecodeError:
        start, end = cleaned.find("{"), cleaned.rfind("}")
        if start < 0 or end <= start:
            raise InvalidOutput("answer is not JSON") from None
        try:
            value = json.loads(cleaned[start : end + 1])
        except json.JSONDecodeError as exc:
            raise InvalidOutput(f"answer is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidOutput("answer is not a JSON object")
    return value


def clean_description(text: object) -> str:
    description = str(text or "").strip().replace("\n", " ")
    return _NUMBER_RUN.sub("…", description)[:MAX_DESCRIPTION]


def confidence_of(value: object) -> float:
    """A confidence in 0..1. Models also answer percentages (92, "92%"): above 1 and up to 100 is read as one."""
    text = value.strip() if isinstance(value, str) else None
    percent = bool(text and text.endswith("%"))
    try:
        number = float(text.rstrip("%") if text is not None else value)  # type: ignore[arg-type]  # TypeError below
    except (TypeError, ValueError):
        raise InvalidOutput(f"confidence {value!r} is not a number") from None
    if isinstance(value, bool) or number != number:  # True is 1 and NaN compares with nothing
        raise InvalidOutput(f"confidence {value!r} is not a number")
    if percent or 1.0 < number <= 100.0:
        number /= 100.0
    if not 0.0 <= number <= 1.0:
        raise InvalidOutput(f"confidence {value!r} is outside 0..1 and 0..100%")
    return number


def classification(value: dict) -> dict:
    category = code_for(value.get("category"))
    if category is None:
        raise InvalidOutput(f"category {value.get('category')!r} is not in the taxonomy")
    return {
        "category": category,
        "confidence": round(confidence_of(value.get("confidence")), 4),
        "description": clean_description(value.get("description")),
        "labels": value.get("labels") if isinstance(value.get("labels"), dict) else {},
    }


def require_fields(*fields: str):
    """A validator for analyze/compare answers: the named fields must be present."""

    def validate(value: dict) -> dict:
        missing = [f for f in fields if f not in value]
        if missing:
            raise InvalidOutput(f"missing fields: {', '.join(missing)}")
        return value

    return validate
