"""Design request (DesignSpec) and its resolution into a concrete, prohibition-free plan."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .colour import (
    RGB,
    chroma,
    colour_family,
    delta_e2000,
    dominant_colours,
    hex_rgb,
    parse_hex,
    rgb_to_lab,
)
from .patterns import SHEER_NUDE, WHITE
from .vocabulary import COLOUR_HEX, DECORATIONS, PATTERNS, Token, scan, tokens, word_tokens

SHAPES = ("almond", "square", "oval", "round", "squoval", "coffin", "stiletto")
NAIL_SIZES = ("small", "medium", "large")
TARGETS = {"single": 1, "5nails": 5, "10nails": 10}

# Length/width ratio of the visible nail plate per size, plus how much longer a shape is usually worn.
_LENGTH_BY_SIZE = {"small": 1.05, "medium": 1.3, "large": 1.6}
_LENGTH_BY_SHAPE = {
    "almond": 0.1,
    "square": 0.0,
    "oval": 0.05,
    "round": 0.0,
    "squoval": 0.0,
    "coffin": 0.15,
    "stiletto": 0.25,
}
# With "long nails" prohibited every shape is kept at or below this ratio (a short natural length).
SHORT_LENGTH_CAP = 1.12

# Curated palettes for a request with neither colours nor inspirations; the seed picks one.
_DEFAULT_PALETTES = (
    ("#F2C6C2", "#FAFAF7", "#D4AF37"),
    ("#7B1E2B", "#E8C4B0", "#D4AF37"),
    ("#A8C8E8", "#FAFAF7", "#C0C0C8"),
    ("#C7B3E5", "#F7F2FA", "#8E5CC2"),
    ("#E8C4B0", "#FAFAF7", "#B08968"),
    ("#141414", "#F4F4F4", "#D4AF37"),
    ("#A8E6CF", "#FAFAF7", "#F6D55C"),
)
MAX_COLOURS = 5


@dataclass(frozen=True)
class DesignSpec:
    shape: str = "almond"
    nail_size: str = "medium"
    target: str = "5nails"
    colors: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    prohibitions: tuple[str, ...] = ()
    prompt: str = ""
    inspirations: tuple[Image.Image, ...] = ()
    # Variation number: "regenerate" with the same request bumps it; same spec and seed give the same bytes.
    seed: int = 0


@dataclass(frozen=True)
class DesignPlan:
    """Everything the renderer and estimator need, already stripped of prohibited elements."""

    shape: str
    nail_count: int
    length_ratio: float
    palette: tuple[RGB, ...]
    pattern: str
    accent_pattern: str | None
    decorations: tuple[str, ...]
    banned_colours: frozenset[str]
    notes: tuple[str, ...] = field(default=())
    seed: int = 0

    def digest(self) -> int:
        """Stable seed derived from the resolved plan (not the raw words), so requests that resolve
        to the same design render the same bytes: a prohibited style leaves no trace."""
        text = repr(
            (
                self.shape,
                self.nail_count,
                round(self.length_ratio, 4),
                self.palette,
                self.pattern,
                self.accent_pattern,
                self.decorations,
                sorted(self.banned_colours),
                self.seed,
            )
        )
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def plan_design(spec: DesignSpec) -> DesignPlan:
    prompt_tokens = tokens(spec.prompt)
    style_tokens = word_tokens(spec.styles) + [t for t in prompt_tokens if not t.negated]
    banned = word_tokens(spec.prohibitions) + [t for t in prompt_tokens if t.negated]
    banned_values = {(t.kind, t.value) for t in banned}
    banned_colours = frozenset(t.value for t in banned if t.kind == "colour")
    notes: list[str] = []

    shape = _choose(spec.shape, SHAPES, "almond")
    shape = next((t.value for t in reversed(style_tokens) if t.kind == "shape"), shape)
    size = _choose(spec.nail_size, NAIL_SIZES, "medium")
    size = {"long": "large", "short": "small"}.get(
        next((t.value for t in reversed(style_tokens) if t.kind == "length"), ""), size
    )
    ratio = _LENGTH_BY_SIZE[size] + _LENGTH_BY_SHAPE[shape]
    if ("length", "long") in banned_values and ratio > SHORT_LENGTH_CAP:
        ratio = SHORT_LENGTH_CAP
        notes.append("已按禁忌限制甲长（不做长甲）")

    patterns = _unique(t.value for t in style_tokens if t.kind == "pattern")
    decorations = _unique(t.value for t in style_tokens if t.kind == "decoration")
    for kind, wanted in (("pattern", patterns), ("decoration", decorations)):
        for value in [v for v in wanted if (kind, v) in banned_values]:
            wanted.remove(value)
            notes.append(f"已按禁忌移除：{value}")
    patterns = [p for p in patterns if p != "solid"]
    if not patterns:
        # Solid is the fallback unless the artist ruled that out too; then the seed picks an allowed one.
        fallback = [p for p in PATTERNS if ("pattern", p) not in banned_values] or ["solid"]
        patterns = ["solid"] if "solid" in fallback else [fallback[spec.seed % len(fallback)]]
    decorations = [d for d in DECORATIONS if d in decorations]

    palette, source = _palette(spec, style_tokens, banned_colours)
    nail_count = TARGETS.get(spec.target, 5)
    if patterns[0] == "french" and source == "default" and allowed(WHITE, banned_colours):
        # A French set with no colour given is the classic: white tip on a sheer nude bed, with the
        # default palette's lead colour as the thin smile line.
        palette = [WHITE, SHEER_NUDE, palette[0]]
    if (
        nail_count == 1
        and patterns == ["solid"]
        and len(palette) > 1
        and not any(t.kind == "pattern" for t in style_tokens)
        and ("pattern", "gradient") not in banned_values
    ):
        # Several colours but no pattern asked for: a single nail shows them as an ombré, not just the first.
        patterns = ["gradient"]
    return DesignPlan(
        shape=shape,
        nail_count=nail_count,
        length_ratio=ratio,
        palette=tuple(palette),
        pattern=patterns[0],
        accent_pattern=patterns[1] if len(patterns) > 1 else None,
        decorations=tuple(decorations),
        banned_colours=banned_colours,
        notes=tuple(notes),
        seed=spec.seed,
    )


def allowed(rgb: RGB, banned_colours: frozenset[str]) -> bool:
    return not banned_colours or colour_family(rgb) not in banned_colours


def _palette(
    spec: DesignSpec, style_tokens: list[Token], banned_colours: frozenset[str]
) -> tuple[list[RGB], str]:
    """Colours in order of preference and where they came from: request, inspiration or default."""
    requested = [rgb for value in spec.colors for rgb in _colour_value(value)]
    requested += [hex_rgb(COLOUR_HEX[t.value]) for t in style_tokens if t.kind == "colour"]
    palette = [c for c in _unique(requested) if allowed(c, banned_colours)]
    if palette:
        return palette[:MAX_COLOURS], "request"
    if spec.inspirations:
        palette = [c for c in inspiration_palette(spec.inspirations) if allowed(c, banned_colours)]
        if palette:
            return palette[:MAX_COLOURS], "inspiration"
    options = [p for p in _DEFAULT_PALETTES if all(allowed(hex_rgb(h), banned_colours) for h in p)]
    options = options or list(_DEFAULT_PALETTES)
    palette = [c for c in map(hex_rgb, options[spec.seed % len(options)]) if allowed(c, banned_colours)]
    # Only an artist who bans every colour family in a palette gets here; a sheer nude is the least surprise.
    return palette or [SHEER_NUDE], "default"


def _colour_value(value: str) -> list[RGB]:
    """A '#RRGGBB' value, or a colour word ('red', '酒红') as a friendly fallback; else nothing."""
    rgb = parse_hex(value)
    if rgb is not None:
        return [rgb]
    return [hex_rgb(COLOUR_HEX[name]) for kind, name in scan(value) if kind == "colour"][:1]


def inspiration_palette(images: tuple[Image.Image, ...], count: int = 4) -> list[RGB]:
    """Up to `count` distinct dominant colours, coloured ones ranked above near-white/grey backgrounds."""
    found = dominant_colours(images, k=8)
    ranked = sorted(found, key=lambda item: -item[1] * (0.35 + min(chroma(item[0]), 60.0) / 60.0))
    chosen: list[RGB] = []
    for rgb, share in ranked:
        if share < 0.02:
            continue
        lab = rgb_to_lab(np.array(rgb, dtype=np.uint8))
        if any(delta_e2000(lab, rgb_to_lab(np.array(c, dtype=np.uint8))) < 12.0 for c in chosen):
            continue
        chosen.append(rgb)
        if len(chosen) == count:
            break
    return chosen


def _choose(value: str, options: tuple[str, ...], default: str) -> str:
    value = value.strip().lower()
    return value if value in options else default


def _unique(values) -> list:
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
