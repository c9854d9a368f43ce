"""Colour maths in numpy: sRGB → CIELAB (D65), CIEDE2000, dominant colours, colour naming.

Implemented here rather than importing scikit-image: these three functions are ~80 lines, while
scikit-image pulls SciPy and adds ~1 s to process start (measured). Values match skimage.color to
within 1e-6 (checked against the published Sharma et al. CIEDE2000 test pairs in the tests).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

import numpy as np
from PIL import Image

from .vocabulary import COLOUR_NAMES

RGB = tuple[int, int, int]

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_SRGB_TO_XYZ = np.array(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ]
)
_D65 = np.array([0.95047, 1.0, 1.08883])


def hex_rgb(value: str) -> RGB:
    """parse_hex for colours known to be valid (vocabulary and built-in palettes)."""
    rgb = parse_hex(value)
    if rgb is None:
        raise ValueError(f"not a #RRGGBB colour: {value!r}")
    return rgb


def parse_hex(value: str) -> RGB | None:
    match = _HEX.match(value.strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: Sequence[int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(int(c) for c in rgb[:3]))


def mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    """Linear blend from a (t=0) to b (t=1) in sRGB."""
    r, g, b_ = (round(a[i] + (b[i] - a[i]) * t) for i in range(3))
    return r, g, b_


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (integers 0..255 or floats 0..1, shape (..., 3)) → CIELAB under D65, same convention as skimage."""
    src = np.asarray(rgb)
    arr = src.astype(np.float64) / 255.0 if src.dtype.kind in "ui" else src.astype(np.float64)
    linear = np.where(arr > 0.04045, ((arr + 0.055) / 1.055) ** 2.4, arr / 12.92)
    xyz = linear @ _SRGB_TO_XYZ.T / _D65
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lightness = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (kL = kC = kH = 1), broadcasting over leading axes."""
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0
    g = 0.5 * (1.0 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = a1 * (1.0 + g), a2 * (1.0 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    chroma_zero = (c1p * c2p) == 0

    dl = l2 - l1
    dc = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(chroma_zero, 0.0, dh)
    dh_big = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2.0)

    l_bar = (l1 + l2) / 2.0
    cp_bar = (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    hp_bar = np.where(
        np.abs(h1p - h2p) > 180.0, np.where(h_sum < 360.0, h_sum + 360.0, h_sum - 360.0) / 2.0, h_sum / 2.0
    )
    hp_bar = np.where(chroma_zero, h_sum, hp_bar)
    t = (
        1.0
        - 0.17 * np.cos(np.radians(hp_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * hp_bar))
        + 0.32 * np.cos(np.radians(3.0 * hp_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * hp_bar - 63.0))
    )
    d_theta = 30.0 * np.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    r_c = 2.0 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / np.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_bar
    s_h = 1.0 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c
    term_l, term_c, term_h = dl / s_l, dc / s_c, dh_big / s_h
    return np.sqrt(term_l**2 + term_c**2 + term_h**2 + r_t * term_c * term_h)


def dominant_colours(images: Sequence[Image.Image], k: int = 6, side: int = 96) -> list[tuple[RGB, float]]:
    """Dominant colours of one or more images with their pixel share, largest first.

    Each image is shrunk to `side` px and the thumbnails stacked so every image weighs the same;
    Pillow's median cut refined by a few k-means passes does the clustering.
    """
    thumbs = [_thumbnail(img, side) for img in images]
    if not thumbs:
        return []
    sheet = Image.new("RGB", (side, side * len(thumbs)))
    for i, thumb in enumerate(thumbs):
        sheet.paste(thumb, (0, i * side))
    quant = sheet.quantize(colors=k, method=Image.Quantize.MEDIANCUT, kmeans=3)
    palette = quant.getpalette() or []
    counts = cast("list[tuple[int, int]]", quant.getcolors(k) or [])
    total = float(side * side * len(thumbs))
    found = [
        ((palette[3 * idx], palette[3 * idx + 1], palette[3 * idx + 2]), count / total)
        for count, idx in counts
    ]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found


def _thumbnail(image: Image.Image, side: int) -> Image.Image:
    rgb = image.convert("RGBA")
    flat = Image.new("RGB", rgb.size, (255, 255, 255))
    flat.paste(rgb, mask=rgb.getchannel("A"))
    return flat.resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)


def chroma(rgb: Sequence[int]) -> float:
    lab = rgb_to_lab(np.array(rgb[:3], dtype=np.uint8))
    return float(np.hypot(lab[1], lab[2]))


def lightness(rgb: Sequence[int]) -> float:
    return float(rgb_to_lab(np.array(rgb[:3], dtype=np.uint8))[0])


_NAMED_LAB = rgb_to_lab(np.array([parse_hex(hex_) for _n, _zh, hex_, _w in COLOUR_NAMES], dtype=np.uint8))


def colour_family(rgb: Sequence[int]) -> str:
    """Canonical name of the nearest named colour (ΔE2000), used for prohibitions and material names."""
    lab = rgb_to_lab(np.array(rgb[:3], dtype=np.uint8))
    distances = delta_e2000(_NAMED_LAB, lab[None, :])
    return COLOUR_NAMES[int(np.argmin(distances))][0]
