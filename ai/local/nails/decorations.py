"""Decorations painted over the polish: glitter specks, rhinestones and pearls (2× tile pixels)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from .colour import RGB, mix
from .patterns import GOLD, SILVER, WHITE, Colours, Nail


def rhinestone_count(length_ratio: float) -> int:
    """Crystals per decorated nail: a column of three on longer nails, one on short ones."""
    return 3 if length_ratio > 1.15 else 1


def pearl_count(length_ratio: float) -> int:
    return 5 if length_ratio > 1.15 else 3


def glitter(
    layer: Image.Image, nail: Nail, rng: random.Random, colours: Colours, base: RGB, full: bool
) -> None:
    """Metallic specks, denser towards the free edge; `full` covers the plate, else the tip half."""
    draw = ImageDraw.Draw(layer)
    tones = [SILVER, WHITE, GOLD, mix(base, WHITE, 0.6), mix(base, (0, 0, 0), 0.35)]
    tones = [t for t in tones if colours.allowed(t)] or [mix(base, WHITE, 0.6)]
    count = int((nail.width * nail.length) / (90.0 if full else 160.0))
    for _ in range(count):
        # u**0.5 pushes specks towards the tip (u = 1), like a glitter fade.
        u = rng.random() ** (0.8 if full else 0.4)
        y = nail.length * (u if full else 0.45 + 0.55 * u)
        x = rng.uniform(-0.5, 0.5) * nail.width
        r = rng.uniform(1.2, 3.2) * nail.width / 180.0
        cx, cy = nail.px(x, y)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rng.choice(tones))


def rhinestones(layer: Image.Image, nail: Nail, rng: random.Random) -> int:
    """A column of crystals above the cuticle, the middle one largest; returns how many were set."""
    draw = ImageDraw.Draw(layer)
    count = rhinestone_count(nail.length / nail.width)
    big = nail.width * rng.uniform(0.1, 0.13)
    sizes = [big] if count == 1 else [big * 0.6, big, big * 0.6]
    y = nail.length * 0.18
    for r in sizes:
        y += r
        cx, cy = nail.px(0.0, y)
        _crystal(draw, cx, cy, r)
        y += r + nail.width * 0.03
    return count


def _crystal(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(120, 124, 138))
    draw.regular_polygon((cx, cy, r * 0.9), n_sides=8, rotation=22.5, fill=(214, 226, 240))
    draw.regular_polygon((cx, cy, r * 0.55), n_sides=8, rotation=22.5, fill=(244, 248, 252))
    # Two crossed slivers read as a sparkle.
    s = r * 0.45
    hx, hy = cx - r * 0.3, cy - r * 0.3
    draw.polygon([(hx - s, hy), (hx, hy - s * 0.18), (hx + s, hy), (hx, hy + s * 0.18)], fill=(255, 255, 255))
    draw.polygon([(hx, hy - s), (hx + s * 0.18, hy), (hx, hy + s), (hx - s * 0.18, hy)], fill=(255, 255, 255))


def pearls(layer: Image.Image, nail: Nail, rng: random.Random) -> int:
    """Small pearls on an arc following the cuticle; returns how many were set."""
    draw = ImageDraw.Draw(layer)
    count = pearl_count(nail.length / nail.width)
    r = nail.width * 0.075
    for i in range(count):
        t = (i / (count - 1) - 0.5) * 0.9
        x = t * nail.width * 0.75
        y = nail.width * 0.16 + r * 1.6 + (1.0 - (2 * t) ** 2) * nail.width * 0.06
        cx, cy = nail.px(x, y)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(205, 196, 178))
        draw.ellipse((cx - r * 0.9, cy - r * 0.95, cx + r * 0.85, cy + r * 0.8), fill=(244, 238, 224))
        hr = r * 0.3
        hx, hy = cx - r * 0.35, cy - r * 0.35
        draw.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill=(255, 255, 255))
    return count
