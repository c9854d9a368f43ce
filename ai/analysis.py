"""Analysis types of ``analyze_image``: the question a vision model is asked for each, the check of its answer and
the offline engine that answers the same shape when no remote provider does.

Answer shapes (remote and offline alike):
- ``colors``: ``{"colors": [{"color": "#RRGGBB", "share": 0..1}, ...]}`` (largest first);
- ``style_tags``: ``{"tags": [...]}`` from STYLE_TAGS (the inspiration-tag / profile-style vocabulary);
- ``nail_shape``: ``{"shape": one of SHAPES or null, "confidence": 0..1}``;
- ``nail_condition``: ``{"condition": "<short text>" | "unknown", "findings": [...], "confidence": 0..1}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import InvalidOutput
from .local.nails.analysis import STYLE_TAGS, analyse
from .local.nails.spec import SHAPES
from .local.nails.vocabulary import scan

ANALYSIS_TYPES = ("colors", "style_tags", "nail_shape", "nail_condition")
_HEX = re.compile(r"^#?([0-9A-Fa-f]{6})$")
_TAG_KINDS = ("pattern", "decoration", "colour")

INSTRUCTIONS = {
    "colors": (
        "列出这张美甲图片中美甲本身的主要颜色（不含背景），按占比从大到小，最多 6 种。"
        "List the dominant colours of the nails in this image (not the background), largest share first, "
        'at most 6. Answer JSON: {"colors": [{"color": "#RRGGBB", "share": <0-1>}]}'
    ),
    "style_tags": (
        "为这张美甲图片选择风格标签，只能从下列词中选择。Choose style tags for this nail image, only from: "
        f"{', '.join(STYLE_TAGS)}. "
        'Answer JSON: {"tags": ["<tag>"]}'
    ),
    "nail_shape": (
        "判断图中指甲的甲形，只能是下列之一。Which nail shape do the nails in this image have? One of: "
        f"{', '.join(SHAPES)}. If no nails are visible answer null. "
        'Answer JSON: {"shape": "<shape>|null", "confidence": <0-1>}'
    ),
    "nail_condition": (
        "描述图中指甲的健康状况（如甲面薄、起皮、断裂、甲沟炎迹象），只写你在图中确实看到的；"
        '看不清或无法判断时 condition 写 "unknown"，findings 为空。'
        "Describe the condition of the nails in this image, only what you can actually see; if you cannot "
        'judge, answer condition "unknown" with no findings. '
        'Answer JSON: {"condition": "<简短中文>", "findings": ["<简短中文>"], "confidence": <0-1>}'
    ),
}


def _confidence(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidOutput("confidence is not a number") from None
    if not 0.0 <= number <= 1.0:
        raise InvalidOutput(f"confidence {number} is outside 0..1")
    return round(number, 3)


def _colors(value: dict) -> dict:
    entries = value.get("colors")
    if not isinstance(entries, list) or not entries:
        raise InvalidOutput("colors is not a non-empty list")
    cleaned: list[dict] = []
    for entry in entries[:10]:
        match = _HEX.match(str(entry.get("color", "")).strip()) if isinstance(entry, dict) else None
        if match is None:
            raise InvalidOutput("a colour is not #RRGGBB")
        try:
            share = float(entry.get("share", 0))
        except (TypeError, ValueError):
            raise InvalidOutput("a colour share is not a number") from None
        if not 0.0 <= share <= 1.0:
            raise InvalidOutput(f"colour share {share} is outside 0..1")
        cleaned.append({"color": f"#{match.group(1).upper()}", "share": share})
    total = sum(c["share"] for c in cleaned)
    if total > 1.0:  # models round; shares are parts of one image
        cleaned = [c | {"share": c["share"] / total} for c in cleaned]
    cleaned.sort(key=lambda c: -c["share"])
    return {"colors": [c | {"share": round(c["share"], 3)} for c in cleaned]}


def canonical_tags(words) -> list[str]:
    """Words (English or Chinese) as tags of STYLE_TAGS, in vocabulary order; unknown words are dropped."""
    found: set[str] = set()
    for word in words:
        text = str(word).strip().lower()
        if text in STYLE_TAGS:
            found.add(text)
        else:
            found.update(v for kind, v in scan(text) if kind in _TAG_KINDS and v in STYLE_TAGS)
    return [tag for tag in STYLE_TAGS if tag in found]


def _style_tags(value: dict) -> dict:
    tags = value.get("tags")
    if not isinstance(tags, list):
        raise InvalidOutput("tags is not a list")
    cleaned = canonical_tags(tags)
    evidence = value.get("evidence")
    if not isinstance(evidence, dict):
        evidence = {}
    return {"tags": cleaned, "evidence": {t: str(evidence[t])[:100] for t in cleaned if t in evidence}}


def _nail_shape(value: dict) -> dict:
    raw = value.get("shape")
    if raw is None or str(raw).strip().lower() in ("", "null", "none", "unknown"):
        return {"shape": None, "confidence": 0.0}
    text = str(raw).strip().lower()
    shape = text if text in SHAPES else next((v for kind, v in scan(text) if kind == "shape"), None)
    if shape is None:
        raise InvalidOutput(f"shape {raw!r} is not one of {SHAPES}")
    return {"shape": shape, "confidence": _confidence(value.get("confidence"))}


def _nail_condition(value: dict) -> dict:
    condition = str(value.get("condition") or "").strip()[:60]
    if not condition:
        raise InvalidOutput("condition is empty")
    findings = value.get("findings", [])
    if not isinstance(findings, list) or not all(isinstance(f, str) for f in findings):
        raise InvalidOutput("findings is not a list of strings")
    unknown = condition.lower() == "unknown"
    return {
        "condition": "unknown" if unknown else condition,
        "findings": [] if unknown else [f.strip()[:100] for f in findings if f.strip()][:10],
        "confidence": _confidence(value.get("confidence")),
        "note": str(value.get("note") or "").strip()[:200],
    }


VALIDATORS: dict[str, Callable[[dict], dict]] = {
    "colors": _colors,
    "style_tags": _style_tags,
    "nail_shape": _nail_shape,
    "nail_condition": _nail_condition,
}


def offline(image, analysis_type: str) -> Callable[[], dict]:
    """``local=`` for the analysis: the offline engine's answer, in the same shape."""
    return lambda: analyse(image, analysis_type)
