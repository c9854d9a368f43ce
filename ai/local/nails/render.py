"""Deterministic drawing of a nail design: 1, 5 or 10 nail plates on a display card.

Drawn at 2× and downsampled with Lanczos for anti-aliased outlines. All randomness comes from a
seed derived from the resolved plan, so equal requests give byte-identical PNGs.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFilter

from . import decorations
from .colour import RGB, mix, to_hex
from .patterns import BASE_PATTERNS, MOTIF_PATTERNS, PATTERN_ELEMENTS, WHITE, Colours, Nail, paint_layers
from .spec import DesignPlan, DesignSpec, plan_design

BACKGROUND: RGB = (246, 241, 238)
SUPERSAMPLE = 2
MIN_SIDE, MAX_SIDE = 64, 4096  # the 2× canvas of a larger image would cost hundreds of MB

# Per finger, thumb → little finger: plate width and length relative to the middle finger,
# tilt in degrees (positive leans the tip left) and drop below the arc's top (× unit).
_HAND = (
    (1.2, 0.92, 7.0, 0.22),
    (0.96, 1.0, 3.0, 0.06),
    (1.0, 1.04, 0.0, 0.0),
    (0.93, 1.0, -3.0, 0.06),
    (0.78, 0.9, -6.0, 0.22),
)
_ACCENT_FINGER = 3  # ring finger carries accent patterns and gems, as is usual in salon sets
_GAP = 0.36  # space between plates (× unit), room for the tilt


@dataclass(frozen=True)
class RenderedDesign:
    """A drawn design. `palette` lists the colours actually painted ('#RRGGBB', main first);
    `elements` names what sits on the polish, in drawing order: pattern motifs (french_tip, dot,
    stripe, flower) and decorations (glitter, rhinestone, pearl); `decoration_counts` says how many
    gems/pearls were set (glitter: how many nails carry it); `notes` explain applied prohibitions."""

    png: bytes
    pattern: str
    palette: list[str]
    elements: list[str]
    accent_pattern: str | None = None
    shape: str = "almond"
    nail_count: int = 5
    length_ratio: float = 1.3
    decoration_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Placement:
    cx: float
    cy: float
    width: float
    length: float
    angle: float
    accent: bool


def render_design(spec: DesignSpec, *, size: tuple[int, int] = (1024, 768)) -> RenderedDesign:
    return render_plan(plan_design(spec), size=size)


def render_plan(plan: DesignPlan, *, size: tuple[int, int] = (1024, 768)) -> RenderedDesign:
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in size):
        raise ValueError(f"size sides must be within {MIN_SIDE}..{MAX_SIDE} px, got {size}")
    rng = random.Random(plan.digest())
    width, height = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    used: list[RGB] = []
    elements: list[str] = []
    counts: dict[str, int] = {}
    accent_drawn = False
    for index, place in enumerate(_layout(plan, width, height)):
        layers = nail_layers(plan, place.accent)
        accent_drawn |= plan.accent_pattern in layers
        palette = plan.palette
        if plan.pattern == "solid" and not plan.accent_pattern:
            # A plain multi-colour set alternates its colours across the nails.
            palette = _rotate(palette, index)
        elif place.accent and plan.nail_count > 1 and len(palette) > 2 and plan.pattern != "french":
            # Accent nails start one colour further along the palette (a French tip keeps its roles).
            palette = _rotate(palette, 1)
        colours = Colours(palette, plan.banned_colours)
        nail = Nail(plan.shape, place.width, place.length, pad=int(place.width * 0.1) + 6)
        tile, found = _paint_nail(nail, colours, layers, _nail_decorations(plan, place.accent), rng)
        _composite(canvas, tile, place)
        for colour in colours.used:
            if colour not in used:
                used.append(colour)
        for name, n in found.items():
            counts[name] = counts.get(name, 0) + n
        for name in [PATTERN_ELEMENTS[p] for p in layers if p in PATTERN_ELEMENTS] + list(found):
            if name not in elements:
                elements.append(name)
    # A box filter over each 2×2 block is the textbook supersampling average (and 4× faster than Lanczos).
    image = canvas.reduce(SUPERSAMPLE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return RenderedDesign(
        png=buffer.getvalue(),
        pattern=plan.pattern,
        palette=[to_hex(c) for c in used],
        elements=elements,
        accent_pattern=plan.accent_pattern if accent_drawn else None,
        shape=plan.shape,
        nail_count=plan.nail_count,
        length_ratio=round(plan.length_ratio, 3),
        decoration_counts=counts,
        notes=list(plan.notes),
    )


def nail_layers(plan: DesignPlan, accent: bool) -> list[str]:
    """Patterns painted on one nail. Every nail gets the main pattern; an accent nail (or a lone nail)
    also gets the second one: as an overlay when one is a base and the other a motif, else instead."""
    second = plan.accent_pattern
    if not second or not accent:
        return [plan.pattern]
    kinds = {plan.pattern in BASE_PATTERNS, second in BASE_PATTERNS}
    if kinds == {True, False}:
        return [plan.pattern, second]
    if plan.nail_count == 1:
        return [plan.pattern, second] if second in MOTIF_PATTERNS else [plan.pattern]
    return [second]


def _nail_decorations(plan: DesignPlan, accent: bool) -> list[tuple[str, bool]]:
    """(decoration, covers whole plate). Gems and pearls sit on accent nails; glitter covers every
    nail of an otherwise plain design, else it sparkles on the accent nails' tips."""
    plain = plan.pattern == "solid" and plan.accent_pattern is None
    out = []
    for name in plan.decorations:
        if name == "glitter" and plain:
            out.append((name, True))
        elif accent:
            out.append((name, False))
    return out


def _paint_nail(
    nail: Nail, colours: Colours, layers: list[str], decos: list[tuple[str, bool]], rng: random.Random
) -> tuple[Image.Image, dict[str, int]]:
    layer = Image.new("RGB", nail.size, BACKGROUND)
    base = paint_layers(layer, nail, colours, rng, layers)
    _gloss(layer, nail)
    found: dict[str, int] = {}
    for name, full in decos:
        if name == "glitter":
            decorations.glitter(layer, nail, rng, colours, base, full)
            found["glitter"] = 1
        elif name == "rhinestone":
            found["rhinestone"] = decorations.rhinestones(layer, nail, rng)
        elif name == "pearl":
            found["pearl"] = decorations.pearls(layer, nail, rng)
    edge = mix(base, (0, 0, 0), 0.28)
    ImageDraw.Draw(layer).line(
        [*nail.polygon(), nail.polygon()[0]], fill=edge, width=max(2, int(nail.width / 70)), joint="curve"
    )
    tile = layer.convert("RGBA")
    tile.putalpha(nail.mask())
    return tile, found


def _gloss(layer: Image.Image, nail: Nail) -> None:
    """A soft light streak down the left of the plate, as on cured gel."""
    streak = Image.new("L", nail.size, 0)
    x0 = -0.3 * nail.width
    points = [
        nail.px(x0, 0.22 * nail.length),
        nail.px(x0 + 0.07 * nail.width, 0.25 * nail.length),
        nail.px(x0 + 0.06 * nail.width, 0.72 * nail.length),
        nail.px(x0 + 0.01 * nail.width, 0.7 * nail.length),
    ]
    ImageDraw.Draw(streak).polygon(points, fill=90)
    streak = streak.filter(ImageFilter.GaussianBlur(nail.width * 0.025))
    layer.paste(WHITE, (0, 0, *nail.size), streak)


def _composite(canvas: Image.Image, tile: Image.Image, place: _Placement) -> None:
    rotated = tile.rotate(place.angle, resample=Image.Resampling.BILINEAR, expand=True)
    alpha = rotated.getchannel("A")
    x = round(place.cx - rotated.width / 2)
    y = round(place.cy - rotated.height / 2)
    # The shadow is soft anyway: blur it at quarter resolution (much cheaper) and scale back up.
    small = alpha.reduce(4).filter(ImageFilter.GaussianBlur(place.width * 0.035 / 4))
    shadow = small.resize(alpha.size, Image.Resampling.BILINEAR).point(lambda v: v * 30 // 100)
    dx, dy = int(place.width * 0.025), int(place.width * 0.04)
    canvas.paste(mix(BACKGROUND, (60, 40, 40), 0.5), (x + dx, y + dy), shadow)
    canvas.paste(rotated.convert("RGB"), (x, y), alpha)


def _layout(plan: DesignPlan, width: int, height: int) -> list[_Placement]:
    ratio = plan.length_ratio
    if plan.nail_count == 1:
        unit = min(width * 0.42, height * 0.8 / ratio)
        return [_Placement(width / 2, height / 2, unit, unit * ratio, 0.0, True)]
    rows = 2 if plan.nail_count == 10 else 1
    row_height = height / rows
    span = sum(f[0] for f in _HAND) + _GAP * (len(_HAND) - 1)
    tallest = max(f[0] * f[1] for f in _HAND) * ratio + max(f[3] for f in _HAND)
    unit = min(width * 0.86 / span, row_height * 0.8 / tallest)
    places: list[_Placement] = []
    for row in range(rows):
        # The first row of a ten-nail set is the left hand, mirrored so thumbs face the middle.
        hand = list(reversed(_HAND)) if rows == 2 and row == 0 else list(_HAND)
        mirror = -1.0 if rows == 2 and row == 0 else 1.0
        x = (width - span * unit) / 2
        top = row * row_height + (row_height - tallest * unit) / 2
        for i, (wf, lf, tilt, drop) in enumerate(hand):
            finger = len(_HAND) - 1 - i if mirror < 0 else i
            w, length = wf * unit, wf * lf * ratio * unit
            cy = top + drop * unit + length / 2
            places.append(_Placement(x + w / 2, cy, w, length, tilt * mirror, finger == _ACCENT_FINGER))
            x += w + _GAP * unit
    return places


def _rotate(palette: tuple[RGB, ...], k: int) -> tuple[RGB, ...]:
    k %= len(palette)
    return palette[k:] + palette[:k]
