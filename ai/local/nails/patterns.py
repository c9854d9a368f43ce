"""Pattern painters: each paints one nail tile (upright, cuticle at the bottom) at 2× resolution.

Everything is painted over the whole tile and clipped to the nail outline when composited, so a
painter never needs to know the shape. Base patterns (solid, gradient, french) cover the plate;
motif patterns (dots, stripes, floral) paint their motif only and can sit on top of a base.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from .colour import RGB, colour_family, delta_e2000, lightness, mix, rgb_to_lab
from .shapes import outline

BASE_PATTERNS = ("solid", "gradient", "french")
MOTIF_PATTERNS = ("dots", "stripes", "floral")

WHITE: RGB = (250, 250, 247)
GOLD: RGB = (212, 175, 55)
SILVER: RGB = (192, 192, 200)
SHEER_NUDE: RGB = (243, 220, 212)


@dataclass(frozen=True)
class Nail:
    """One nail's geometry inside its tile (pixels at 2× scale)."""

    shape: str
    width: float
    length: float
    pad: int

    @property
    def size(self) -> tuple[int, int]:
        return math.ceil(self.width + 2 * self.pad), math.ceil(self.length + 2 * self.pad)

    def px(self, x: float, y: float) -> tuple[float, float]:
        """Nail-local (x right, y up from the cuticle) → tile pixel coordinates."""
        return self.pad + self.width / 2.0 + x, self.pad + self.length - y

    def polygon(self) -> list[tuple[float, float]]:
        return [self.px(x, y) for x, y in outline(self.shape, self.width, self.length)]

    def mask(self) -> Image.Image:
        mask = Image.new("L", self.size, 0)
        ImageDraw.Draw(mask).polygon(self.polygon(), fill=255)
        return mask

    def local_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Arrays of nail-local x and y for every tile pixel."""
        w, h = self.size
        cols = np.arange(w, dtype=np.float64) + 0.5
        rows = np.arange(h, dtype=np.float64) + 0.5
        x = cols[None, :] - self.pad - self.width / 2.0
        y = self.pad + self.length - rows[:, None]
        return np.broadcast_to(x, (h, w)), np.broadcast_to(y, (h, w))


@dataclass
class Colours:
    """Colour roles for one nail, chosen from the design palette; records every colour it hands out."""

    palette: tuple[RGB, ...]
    banned: frozenset[str] = frozenset()
    used: list[RGB] = field(default_factory=list)

    def use(self, colour: RGB) -> RGB:
        if colour not in self.used:
            self.used.append(colour)
        return colour

    @property
    def base(self) -> RGB:
        return self.use(self.palette[0])

    def get(self, index: int, fallback: RGB) -> RGB:
        return self.use(self.palette[index] if len(self.palette) > index else fallback)

    def allowed(self, colour: RGB) -> bool:
        return not self.banned or colour_family(colour) not in self.banned

    def motif(self, against: RGB) -> list[RGB]:
        """Palette colours that stand out on `against` (ΔE2000 > 15), else one neutral that does."""
        ref = rgb_to_lab(np.array(against, dtype=np.uint8))
        chosen = [
            c
            for c in self.palette
            if c != against and delta_e2000(ref, rgb_to_lab(np.array(c, dtype=np.uint8))) > 15.0
        ]
        return [self.use(c) for c in chosen] or [self.neutral(against)]

    def neutral(self, against: RGB) -> RGB:
        """White on darker polish, gold (or a deep shade) on light polish, skipping banned colours."""
        candidates = [WHITE, GOLD] if lightness(against) < 72 else [GOLD, SILVER]
        candidates.append(
            mix(against, (0, 0, 0), 0.55) if lightness(against) >= 40 else mix(against, WHITE, 0.7)
        )
        return self.use(next((c for c in candidates if self.allowed(c)), candidates[-1]))


Painter = Callable[[Image.Image, Nail, Colours, random.Random], RGB]


def fill(layer: Image.Image, colour: RGB) -> None:
    layer.paste(colour, (0, 0, *layer.size))


def paint_solid(layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random) -> RGB:
    fill(layer, colours.base)
    return colours.base


def paint_gradient(layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random) -> RGB:
    """Ombré from the first colour at the cuticle to the second; one colour fades in from a milky tint."""
    if len(colours.palette) > 1:
        start, end = colours.base, colours.get(1, WHITE)
    else:
        end = colours.base
        start = colours.use(mix(end, WHITE, 0.75))
    # The blend depends on height only: compute one column and stretch it across the tile.
    _, y = nail.local_grid()
    t = np.clip((y[:, :1] / nail.length - 0.18) / 0.7, 0.0, 1.0)
    t = t * t * (3.0 - 2.0 * t)
    a = np.array(start, dtype=np.float64)
    b = np.array(end, dtype=np.float64)
    column = np.round(a + (b - a) * t[..., None]).astype(np.uint8)
    layer.paste(Image.fromarray(column, "RGB").resize(layer.size, Image.Resampling.NEAREST))
    return mix(start, end, 0.5)


def paint_french(layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random) -> RGB:
    """Tip in the first colour with a smile line; bed in the second colour or a sheer nude."""
    tip = colours.base
    bed = colours.get(1, SHEER_NUDE if colours.allowed(SHEER_NUDE) else mix(tip, WHITE, 0.85))
    fill(layer, bed)
    x, y = nail.local_grid()
    depth = nail.length * (0.24 + 0.06 * rng.random())
    smile = nail.length - depth - 0.22 * nail.length * (2.0 * x / nail.width) ** 2
    arr = np.array(layer)
    arr[y > smile] = tip
    if len(colours.palette) > 2:
        # A thin contour line in the third colour just under the smile line ("double French").
        arr[(y <= smile) & (y > smile - 0.035 * nail.width)] = colours.get(2, tip)
    layer.paste(Image.fromarray(arr, "RGB"))
    return bed


def paint_dots(layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random, under: RGB) -> None:
    draw = ImageDraw.Draw(layer)
    dots = colours.motif(under)
    step = nail.width * (0.24 + 0.06 * rng.random())
    radius = step * (0.26 + 0.08 * rng.random())
    phase = rng.random() * step
    row_step = step * math.sqrt(3) / 2
    row = 0
    y = phase * 0.5
    while y < nail.length + step:
        offset = (step / 2.0) if row % 2 else 0.0
        x = -nail.width / 2.0 - step + offset + phase
        col = 0
        while x < nail.width / 2.0 + step:
            cx, cy = nail.px(x, y)
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius), fill=dots[(row + col) % len(dots)]
            )
            x += step
            col += 1
        y += row_step
        row += 1


def paint_stripes(layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random, under: RGB) -> None:
    stripes = colours.motif(under)
    angle = math.radians(rng.choice((0.0, 28.0, -28.0, 90.0)))
    period = nail.width * (0.2 + 0.08 * rng.random())
    width = period * (0.3 + 0.15 * rng.random())
    phase = rng.random() * period
    x, y = nail.local_grid()
    s = x * math.cos(angle) + y * math.sin(angle) - phase
    band = np.floor(s / period).astype(np.int64)
    on = (s - band * period) < width
    arr = np.array(layer)
    for i, colour in enumerate(stripes):
        arr[on & (band % len(stripes) == i)] = colour
    layer.paste(Image.fromarray(arr, "RGB"))


def paint_floral(layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random, under: RGB) -> None:
    """Five-petal flowers: one on short nails, a large and a small one on longer nails."""
    draw = ImageDraw.Draw(layer)
    motif = colours.motif(under)
    petal = motif[0]
    centre = motif[1] if len(motif) > 1 else colours.neutral(petal)
    spots = [(rng.uniform(-0.08, 0.08), 0.55, 0.3)]
    if nail.length / nail.width > 1.2:
        side = rng.choice((-1.0, 1.0))
        spots.append((side * 0.2, 0.24, 0.19))
    for fx, fy, fr in spots:
        cx, cy = nail.px(fx * nail.width, fy * nail.length)
        _flower(draw, cx, cy, fr * nail.width, rng.uniform(0, 2 * math.pi / 5), petal, centre)


def _flower(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, turn: float, petal: RGB, centre: RGB):
    for i in range(5):
        a = turn + 2 * math.pi * i / 5
        px, py = cx + 0.55 * r * math.cos(a), cy + 0.55 * r * math.sin(a)
        draw.polygon(_ellipse_points(px, py, 0.48 * r, 0.3 * r, a), fill=petal)
    draw.ellipse((cx - 0.24 * r, cy - 0.24 * r, cx + 0.24 * r, cy + 0.24 * r), fill=centre)


def _ellipse_points(cx: float, cy: float, rx: float, ry: float, angle: float, n: int = 28):
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        ex, ey = rx * math.cos(t), ry * math.sin(t)
        pts.append((cx + ex * ca - ey * sa, cy + ex * sa + ey * ca))
    return pts


BASE_PAINTERS: dict[str, Painter] = {"solid": paint_solid, "gradient": paint_gradient, "french": paint_french}
MOTIF_PAINTERS = {"dots": paint_dots, "stripes": paint_stripes, "floral": paint_floral}
# Words used for the elements each pattern puts on a nail (reported in RenderedDesign.elements).
PATTERN_ELEMENTS = {"dots": "dot", "stripes": "stripe", "floral": "flower", "french": "french_tip"}


def paint_layers(
    layer: Image.Image, nail: Nail, colours: Colours, rng: random.Random, layers: list[str]
) -> RGB:
    """Paint a base (solid unless one is given) then any motifs; returns the dominant base colour."""
    base = next((p for p in layers if p in BASE_PAINTERS), "solid")
    under = BASE_PAINTERS[base](layer, nail, colours, rng)
    for motif in (p for p in layers if p in MOTIF_PAINTERS):
        MOTIF_PAINTERS[motif](layer, nail, colours, rng, under)
    return under
