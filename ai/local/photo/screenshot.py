"""Cheap screenshot signals that need no model: pixel size, container format, EXIF and flat UI pixels."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image

# Native portrait resolutions of common phones and tablets (landscape is checked by swapping).
SCREEN_SIZES = frozenset(
    {
        (640, 1136), (750, 1334), (828, 1792), (1125, 2436), (1242, 2208), (1242, 2688), (1170, 2532),
        (1284, 2778), (1179, 2556), (1290, 2796), (1206, 2622), (1320, 2868), (1080, 2340),
        (720, 1280), (720, 1440), (720, 1520), (720, 1560), (720, 1600), (720, 1612), (1080, 1920),
        (1080, 2160), (1080, 2244), (1080, 2280), (1080, 2310), (1080, 2376), (1080, 2400), (1080, 2408),
        (1080, 2412), (1080, 2436), (1080, 2460), (1080, 2520), (1080, 2640), (1200, 2640), (1200, 2670),
        (1220, 2712), (1224, 2700), (1228, 2700), (1240, 2772), (1260, 2800), (1264, 2780), (1272, 2800),
        (1280, 2800), (1344, 2992), (1440, 2560), (1440, 2960), (1440, 3040), (1440, 3088), (1440, 3120),
        (1440, 3168), (1440, 3200), (1536, 2048), (1620, 2160), (1668, 2224), (1668, 2388), (1640, 2360),
        (1488, 2266), (2048, 2732), (1600, 2560), (1200, 1920), (1800, 2880),
    }
)  # fmt: skip
# EXIF tags that only a camera writes (Make, Model, exposure, aperture, ISO, focal length); not the capture
# time, which phones also write into screenshots and editors into exported images.
CAMERA_TAGS = frozenset({"Make", "Model", "ExposureTime", "FNumber", "ISOSpeedRatings", "FocalLength"})
LOSSLESS = frozenset({"PNG", "WEBP_LOSSLESS", "BMP", "GIF"})


@dataclass(frozen=True)
class ScreenSignals:
    screen_size: bool  # exact phone/tablet resolution
    lossless: bool  # PNG-like container
    camera_exif: bool
    exif_says_screenshot: bool
    flat_ratio: float  # share of neighbouring pixels that are exactly equal (UI fills; photos have noise)
    edge_ratio: float  # share of neighbouring pixels with a hard step (UI glyphs and borders)
    # Robust to JPEG re-encoding and resizing, which break exact equality:
    band_ratio: float = 0.0  # share of rows that are one colour across ≥ 90 % of the width (UI backgrounds)
    top_flat: float = 0.0  # share of the top strip (status bar) within a few levels of its median

    @property
    def ui_pixels(self) -> bool:
        return self.flat_ratio >= 0.55 and self.edge_ratio >= 0.01

    @property
    def ui_layout(self) -> bool:
        """Flat full-width bands with hard glyph edges and no camera EXIF: an app or web page layout."""
        return self.band_ratio >= 0.25 and self.edge_ratio >= 0.02 and not self.camera_exif

    def as_dict(self) -> dict:
        return {
            "screen_size": self.screen_size,
            "lossless": self.lossless,
            "camera_exif": self.camera_exif,
            "exif_says_screenshot": self.exif_says_screenshot,
            "flat_ratio": round(self.flat_ratio, 3),
            "edge_ratio": round(self.edge_ratio, 3),
            "band_ratio": round(self.band_ratio, 3),
            "top_flat": round(self.top_flat, 3),
        }


def exif_names(exif: dict | None, image: Image.Image) -> dict[str, object]:
    """EXIF as {tag name: value}; accepts numeric or named keys, falls back to what Pillow already parsed."""
    if exif is None:
        parsed = image.getexif()
        exif = dict(parsed)
        with contextlib.suppress(KeyError, ValueError):
            exif.update(parsed.get_ifd(ExifTags.IFD.Exif))
    return {ExifTags.TAGS.get(k, str(k)) if isinstance(k, int) else str(k): v for k, v in exif.items()}


def pixel_stats(
    image: Image.Image, side: int = 256, layout: bool = True
) -> tuple[float, float, float, float]:
    """Flat, hard-edge, band and top-strip ratios on a nearest-neighbour thumbnail (nearest keeps flat fills
    exactly flat). Bands and the top strip compare pixels with their row's (strip's) median within 4 levels,
    which JPEG noise on a flat fill stays inside; ``layout=False`` skips them (0.0)."""
    w, h = image.size
    scale = min(1.0, side / max(w, h))
    small = image.resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.NEAREST
    ).convert("L")
    px = np.asarray(small)
    if px.shape[1] < 2:
        return 0.0, 0.0, 0.0, 0.0
    left, right = px[:, :-1], px[:, 1:]
    diff = np.maximum(left, right) - np.minimum(left, right)  # |a − b| without leaving uint8
    flat, edge = np.count_nonzero(diff == 0) / diff.size, np.count_nonzero(diff >= 48) / diff.size
    if not layout:
        return flat, edge, 0.0, 0.0
    signed = px.astype(np.int16)
    near = np.abs(signed - np.median(signed, axis=1, keepdims=True)) <= 4
    bands = np.count_nonzero(near.mean(axis=1) >= 0.9) / px.shape[0]
    strip = signed[: max(1, round(px.shape[0] * 0.045))]
    top = np.count_nonzero(np.abs(strip - np.median(strip)) <= 4) / strip.size
    return flat, edge, bands, top


def signals(image: Image.Image, source_format: str | None, exif: dict | None) -> ScreenSignals:
    names = exif_names(exif, image)
    fmt = (source_format or image.format or "").upper()
    comment = " ".join(str(names.get(k, "")) for k in ("UserComment", "ImageDescription", "Software")).lower()
    camera = any(k in names for k in CAMERA_TAGS)
    # Layout cues only ever count without camera EXIF: a camera photo skips their cost (~1 ms).
    flat, edge, bands, top = pixel_stats(image, layout=not camera)
    w, h = image.size
    return ScreenSignals(
        screen_size=(min(w, h), max(w, h)) in SCREEN_SIZES,
        lossless=fmt in LOSSLESS,
        camera_exif=camera,
        exif_says_screenshot="screenshot" in comment,
        flat_ratio=flat,
        edge_ratio=edge,
        band_ratio=bands,
        top_flat=top,
    )


def rule_confidence(sig: ScreenSignals) -> float | None:
    """Confidence that the image is a screenshot from cheap signals alone, or None when they do not decide."""
    if sig.exif_says_screenshot:
        return 0.97
    if sig.camera_exif:
        return None
    if sig.screen_size and sig.lossless:
        return 0.95
    if sig.screen_size and sig.ui_pixels:
        return 0.9
    if sig.lossless and sig.ui_pixels and sig.flat_ratio >= 0.7:
        return 0.8
    return None
