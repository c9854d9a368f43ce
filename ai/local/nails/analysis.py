"""Offline image analysis for the nail studio: palette, style tags, nail shape, nail condition.

Everything here is measured, never guessed:
- colours: dominant colours by clustering (median cut refined by k-means), near-duplicates merged (ΔE2000);
- style tags: colour families of the palette plus pattern/decoration cues that can be measured (colour count,
  edge density and orientation, lightness ramps, small bright sparkles, many small round blobs);
- nail shape: nail plates found as regions that stand out from the background, their free-edge width profile
  matched against the outlines the renderer draws (``shapes.outline``); nails are assumed tips up;
- nail condition: this engine cannot judge health from pixels, so it answers ``unknown`` with a low confidence
  and no findings rather than inventing one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .colour import colour_family, delta_e2000, rgb_to_lab, to_hex
from .imagemetrics import colour_gradient, orientation_histogram
from .shapes import outline
from .spec import SHAPES
from .vocabulary import COLOUR_NAMES, DECORATIONS, PATTERNS

# The tag vocabulary shared with inspiration tags and profile styles (English canonical words).
STYLE_TAGS = (*PATTERNS, *DECORATIONS, *(name for name, *_ in COLOUR_NAMES), "minimal")
UNKNOWN_CONDITION_CONFIDENCE = 0.1
SPARKLE_SHARE = 0.012  # share of the subject made of tiny bright points that reads as glitter
_SIDE = 256  # working size (long side) of every measurement
_MERGE_DELTA_E = 6.0  # palette clusters closer than this are one colour
_INK_DELTA_E = 14.0  # a pixel this far (CIE76) from the background colour belongs to the subject
_OUTLINE_GRADIENT = (
    4.0  # colour-gradient strength (ΔE-like units per pixel) of an outline against the background
)
_PROFILE = np.linspace(
    0.45, 0.98, 12
)  # heights (fraction of plate length) where free-edge widths are compared


@dataclass(frozen=True)
class _Frame:
    rgb: np.ndarray  # float 0..1 (h, w, 3)
    lab: np.ndarray
    ink: np.ndarray  # bool: differs from the background colour, or outlines something
    plates: np.ndarray  # bool: the ink with the regions it encloses filled
    subject: (
        np.ndarray
    )  # bool: the ink with its holes (background-coloured stripes, dots) filled; or everything
    fine: Image.Image  # the image at twice the working size, for details smaller than a working pixel


def _frame(image: Image.Image) -> _Frame:
    flat = image.convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")  # transparent parts count as white paper
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    scale = _SIDE / max(flat.size)
    size = (max(8, round(flat.width * scale)), max(8, round(flat.height * scale)))
    fine = flat.resize((size[0] * 2, size[1] * 2), Image.Resampling.BILINEAR, reducing_gap=2.0)
    small = fine.reduce(2)
    rgb = np.asarray(small, dtype=np.float64) / 255.0
    lab = rgb_to_lab(rgb)
    # Ink is found at the fine size, where a plate's thin outline is still a line, then kept where any of the
    # four fine pixels of a working pixel is ink.
    fine_lab = rgb_to_lab(np.asarray(fine, dtype=np.uint8))
    border = np.concatenate([fine_lab[0], fine_lab[-1], fine_lab[:, 0], fine_lab[:, -1]])
    background = np.median(border, axis=0)
    # A plate's outline (or shadow) also bounds it where its colour is close to the background's.
    # Plain Lab distance (CIE76) here: CIEDE2000 over every fine pixel would cost most of the analysis.
    fine_ink = (np.linalg.norm(fine_lab - background, axis=-1) > _INK_DELTA_E) | (
        colour_gradient(fine_lab) > _OUTLINE_GRADIENT
    )
    ink = fine_ink[: 2 * size[1], : 2 * size[0]].reshape(size[1], 2, size[0], 2).any(axis=(1, 3))
    # The subject also bridges the background-coloured gaps of a pattern (stripes, dots) by a closing.
    closed = _fill_holes(_morph(_morph(ink, ImageFilter.MaxFilter(9)), ImageFilter.MinFilter(9)))
    subject = closed if 0.03 < closed.mean() < 0.97 else np.ones_like(ink)
    return _Frame(rgb, lab, ink, _fill_holes(ink), subject, fine)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """The mask with every region the image border cannot reach filled (a white plate inside its outline)."""
    labels, _count = _label(~mask)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    return ~np.isin(labels, edge[edge > 0])


def _label(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Connected regions (4-neighbour) of a boolean mask: a label image (0 = outside) and the number of
    regions. Runs of each row are joined with the overlapping runs of the row above (union-find)."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _rows, ends = np.nonzero(step == -1)  # exclusive; same order as the starts
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = np.searchsorted(rows, np.arange(height + 1))
    for row in range(1, height):
        i, i_end, j, j_end = first[row - 1], first[row], first[row], first[row + 1]
        while i < i_end and j < j_end:
            if starts[j] < ends[i] and starts[i] < ends[j]:
                parent[root(j)] = root(i)
            if ends[i] < ends[j]:
                i += 1
            else:
                j += 1
    roots = np.array([root(i) for i in range(len(rows))], dtype=np.int64)
    _unique, compact = np.unique(roots, return_inverse=True)
    labels = np.zeros((height, width), dtype=np.int32)
    for run_row, start, end, label in zip(rows, starts, ends, compact + 1, strict=True):
        labels[run_row, start:end] = label
    return labels, len(_unique)


def _region_stats(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Label image plus per region (index = label - 1): pixel count, bounding-box height and width."""
    labels, count = _label(mask)
    ys, xs = np.nonzero(labels)
    index = labels[ys, xs] - 1
    sizes = np.bincount(index, minlength=count)
    bounds = []
    for values in (ys, xs):
        low = np.full(count, np.iinfo(np.int64).max)
        high = np.full(count, -1)
        np.minimum.at(low, index, values)
        np.maximum.at(high, index, values)
        bounds.append(high - low + 1)
    return labels, sizes, bounds[0], bounds[1]


def _morph(mask: np.ndarray, operation: ImageFilter.Filter) -> np.ndarray:
    return np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).filter(operation)) > 127


# ---- colours ------------------------------------------------------------------------------------------------


def _cluster(pixels: np.ndarray, k: int) -> list[tuple[tuple[int, int, int], float]]:
    """Dominant colours of an (n, 3) uint8 pixel array with their share: median cut refined by k-means, then
    clusters closer than _MERGE_DELTA_E merged, largest first."""
    if not len(pixels):
        return []
    strip = Image.fromarray(pixels.reshape(1, -1, 3))
    quant = strip.quantize(colors=k + 2, method=Image.Quantize.MEDIANCUT, kmeans=3)
    flat = quant.getpalette() or []
    merged: list[list] = []  # [lab, rgb, share]
    for count, index in cast("list[tuple[int, int]]", quant.getcolors(k + 2) or []):
        rgb = tuple(flat[3 * index : 3 * index + 3])
        lab = rgb_to_lab(np.array(rgb, dtype=np.uint8))
        near = next((m for m in merged if float(delta_e2000(m[0], lab)) < _MERGE_DELTA_E), None)
        if near is None:
            merged.append([lab, rgb, count / len(pixels)])
        else:
            near[2] += count / len(pixels)
    merged.sort(key=lambda m: -m[2])
    return [(rgb, share) for _lab, rgb, share in merged[:k]]


def _palette(frame: _Frame, k: int = 6, min_share: float = 0.02) -> list[dict]:
    pixels = np.round(frame.rgb[frame.subject] * 255).astype(np.uint8)
    return [
        {"color": to_hex(rgb), "share": round(share, 3)}
        for rgb, share in _cluster(pixels, k)
        if share >= min_share
    ]


def colors(frame: _Frame) -> dict:
    """Dominant colours of the subject (the whole image when nothing stands out from its background) as
    ``{"color": "#RRGGBB", "share": 0..1}``, largest first."""
    return {"colors": _palette(frame)}


# ---- style tags ---------------------------------------------------------------------------------------------


def style_tags(frame: _Frame) -> dict:
    """Tags from measurable cues, each with the measurement behind it (``evidence``)."""
    colours = _palette(frame)
    tags: dict[str, str] = {}
    for entry in colours:
        if entry["share"] >= 0.12:
            family = colour_family(_rgb(entry["color"]))
            tags.setdefault(family, f"{entry['color']} 占 {entry['share'] * 100:.0f}%")
    cues = _pattern_cues(frame)
    if cues["sparkle"] > SPARKLE_SHARE:
        tags["glitter"] = f"细小高光点占主体 {cues['sparkle'] * 100:.1f}%"
    if cues["blobs"] >= 6:
        tags["dots"] = f"{cues['blobs']} 个小圆点"
    if cues["edges"] > 0.2 and cues["orientation_peak"] > 0.5:
        tags["stripes"] = f"边缘密度 {cues['edges']:.2f}，方向集中度 {cues['orientation_peak']:.2f}"
    if cues["ramp"] > 18 and cues["edges"] < 0.15:
        tags["gradient"] = f"明度平滑变化 ΔL≈{cues['ramp']:.0f}"
    significant = [c for c in colours if c["share"] >= 0.08]
    if not {"glitter", "dots", "stripes", "gradient"} & tags.keys() and cues["edges"] < 0.12:
        if len(significant) <= 3:
            tags["solid"] = f"边缘密度 {cues['edges']:.3f}，主色 {len(significant)} 种"
        if len(significant) <= 2:
            tags["minimal"] = f"仅 {len(significant)} 种主色，几乎无图案"
    ordered = [t for t in STYLE_TAGS if t in tags]
    return {"tags": ordered, "evidence": {t: tags[t] for t in ordered}}


def _rgb(hex_: str) -> tuple[int, int, int]:
    return int(hex_[1:3], 16), int(hex_[3:5], 16), int(hex_[5:7], 16)


def _pattern_cues(frame: _Frame) -> dict:
    lightness = frame.lab[..., 0]
    # Outlines of the plates are edges too: only the inside of the subject counts.
    inner = _morph(frame.subject, ImageFilter.MinFilter(7))
    area = max(int(inner.sum()), 1)
    edges = float(((colour_gradient(frame.lab) > 6.0) & inner).sum() / area)
    return {
        "edges": edges,
        "orientation_peak": _orientation_peak(lightness, inner),
        "sparkle": _sparkle(frame.fine, inner),
        "ramp": _ramp(lightness, inner),
        "blobs": _round_blobs(frame, inner),
    }


def _sparkle(fine: Image.Image, inner: np.ndarray) -> float:
    """Share of the subject made of bright points smaller than 3 px at twice the working size: what a 3×3
    opening removes (white top-hat). Stripes and dots are wider and survive the opening; glitter does not."""
    light = fine.convert("L")
    opened = light.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))
    top_hat = np.asarray(light, dtype=np.int16) - np.asarray(opened, dtype=np.int16)
    mask = np.asarray(Image.fromarray(inner.astype(np.uint8) * 255).resize(light.size)) > 127
    return float(((top_hat > 20) & mask).sum() / max(int(mask.sum()), 1))


def _orientation_peak(lightness: np.ndarray, inner: np.ndarray) -> float:
    """Share of edge energy in the two strongest neighbouring orientations, per region (each nail may lean its
    stripes differently), weighted by region size: parallel lines give a high value."""
    total, weighted = 0, 0.0
    for region in _regions(inner, min_size=64, limit=40):
        ys, xs = np.nonzero(region)
        crop = np.where(region, lightness, lightness[region].mean())[
            ys.min() : ys.max() + 1, xs.min() : xs.max() + 1
        ]
        histogram = orientation_histogram(crop)
        peak = max(histogram[i] + histogram[(i + 1) % len(histogram)] for i in range(len(histogram)))
        weighted += float(peak) * len(ys)
        total += len(ys)
    return weighted / total if total else 0.0


def _ramp(lightness: np.ndarray, inner: np.ndarray) -> float:
    """Lightness difference between the ends of the subject along its steadier axis (a gradient's spread)."""
    best = 0.0
    for axis in (0, 1):
        counts = inner.sum(axis=1 - axis)
        sums = np.where(inner, lightness, 0).sum(axis=1 - axis)
        valid = counts > 3
        if valid.sum() < 8:
            continue
        means = np.convolve(sums[valid] / counts[valid], np.ones(3) / 3, mode="valid")
        tenth = max(1, len(means) // 10)
        spread = abs(float(means[:tenth].mean() - means[-tenth:].mean()))
        # A gradient changes in many small steps; one big step is a boundary (a French tip), not a ramp.
        if spread and float(np.abs(np.diff(means)).max()) < 0.4 * spread:
            best = max(best, spread)
    return best


def _round_blobs(frame: _Frame, inner: np.ndarray) -> int:
    """How many small, roundish spots of a colour other than the subject's main colour lie inside it."""
    if not inner.any():
        return 0
    main = np.median(frame.lab[inner], axis=0)
    spots = inner & (delta_e2000(frame.lab, main[None, None, :]) > 20.0)
    _labels, sizes, heights, widths = _region_stats(spots)
    roundish = (sizes >= 4) & (sizes <= inner.sum() * 0.02)
    roundish &= sizes / np.maximum(heights * widths, 1) > 0.6
    roundish &= np.maximum(heights, widths) / np.maximum(np.minimum(heights, widths), 1) < 1.6
    count = int(roundish.sum())
    return count


# ---- nail shape ---------------------------------------------------------------------------------------------


def nail_shape(frame: _Frame) -> dict:
    """The shape whose outline best matches the free edges of the nail plates found, with a confidence.

    ``shape`` is None (confidence 0) when no nail-like region stands out from the background."""
    if not 0.02 < frame.plates.mean() < 0.9:
        return {"shape": None, "confidence": 0.0, "nails": 0}
    mask = _morph(_morph(frame.plates, ImageFilter.MinFilter(3)), ImageFilter.MaxFilter(3))
    votes: dict[str, float] = {}
    nails = 0
    for region in _regions(mask, min_size=int(mask.size * 0.004)):
        profile, ratio = _profile(region)
        if profile is None:
            continue
        distances = {shape: float(np.abs(profile - _template(shape, ratio)).mean()) for shape in SHAPES}
        ranked = sorted(distances, key=distances.__getitem__)
        best, second = ranked[0], ranked[1]
        margin = distances[second] - distances[best]
        votes[best] = votes.get(best, 0.0) + 1.0 + margin * 10
        nails += 1
    if not votes:
        return {"shape": None, "confidence": 0.0, "nails": 0}
    shape = max(votes, key=votes.__getitem__)
    agreement = votes[shape] / sum(votes.values())
    confidence = round(min(0.9, 0.35 + 0.45 * agreement + 0.02 * min(nails, 5)), 2)
    return {"shape": shape, "confidence": confidence, "nails": nails}


def _regions(mask: np.ndarray, min_size: int, limit: int = 200) -> list[np.ndarray]:
    """Connected regions of at least ``min_size`` pixels as masks, largest first, at most ``limit``."""
    labels, sizes, _heights, _widths = _region_stats(mask)
    order = [int(i) for i in np.argsort(-sizes) if sizes[i] >= min_size][:limit]
    return [labels == i + 1 for i in order]


def _profile(region: np.ndarray) -> tuple[np.ndarray | None, float]:
    """Widths near the free edge relative to the plate's widest row, after turning the plate upright."""
    ys, xs = np.nonzero(region)
    coords = np.stack([xs - xs.mean(), ys - ys.mean()])
    eigenvalues, vectors = np.linalg.eigh(np.cov(coords))
    axis = vectors[:, 1]  # the long axis
    if eigenvalues[1] < 1.4 * eigenvalues[0] or abs(axis[1]) < 0.7:
        return None, 0.0  # not elongated, or lying sideways: not a nail photographed tips up
    angle = np.degrees(np.arctan2(axis[0], axis[1] if axis[1] > 0 else -axis[1]))
    upright = Image.fromarray(region.astype(np.uint8) * 255).rotate(-angle, expand=True)
    plate = np.asarray(upright) > 127
    rows = np.flatnonzero(plate.any(axis=1))
    plate = plate[rows[0] : rows[-1] + 1]
    widths = _row_widths(plate)[::-1]  # from the cuticle (bottom) up to the free edge (top)
    widest = widths.max()
    if len(widths) < 12 or widest < 4:
        return None, 0.0
    return np.interp(_PROFILE, np.linspace(0, 1, len(widths)), widths / widest), len(widths) / widest


def _row_widths(plate: np.ndarray) -> np.ndarray:
    filled = plate.any(axis=1)
    first = np.argmax(plate, axis=1)
    last = plate.shape[1] - 1 - np.argmax(plate[:, ::-1], axis=1)
    return np.where(filled, last - first + 1, 0).astype(np.float64)


@lru_cache(maxsize=256)
def _template_cached(shape: str, ratio_tenths: int) -> tuple[float, ...]:
    width = 80.0
    length = width * ratio_tenths / 10
    points = outline(shape, width, length)
    canvas = Image.new("L", (int(width) + 4, int(length) + 4), 0)
    ImageDraw.Draw(canvas).polygon([(x + width / 2 + 2, length + 2 - y) for x, y in points], fill=255)
    plate = np.asarray(canvas) > 127
    rows = np.flatnonzero(plate.any(axis=1))
    widths = _row_widths(plate[rows[0] : rows[-1] + 1])[::-1]
    return tuple(np.interp(_PROFILE, np.linspace(0, 1, len(widths)), widths / widths.max()))


def _template(shape: str, ratio: float) -> np.ndarray:
    return np.array(_template_cached(shape, round(min(max(ratio, 0.8), 2.5) * 10)))


# ---- nail condition -----------------------------------------------------------------------------------------


def nail_condition(frame: _Frame | None) -> dict:
    """Health cannot be read reliably from pixels offline: say so instead of making a finding up."""
    return {
        "condition": "unknown",
        "findings": [],
        "confidence": UNKNOWN_CONDITION_CONFIDENCE,
        "note": "离线分析无法判断指甲状况，请由美甲师查看或使用在线模型 (offline engine cannot judge)",
    }


ANALYSERS: dict[str, Callable[..., dict]] = {  # nail_condition needs no frame (None)
    "colors": colors,
    "style_tags": style_tags,
    "nail_shape": nail_shape,
    "nail_condition": nail_condition,
}


def analyse(image: Image.Image, analysis_type: str) -> dict:
    """One analysis of one image, in the answer shape a vision model is asked for."""
    return analyse_all(image, [analysis_type])[analysis_type]


def analyse_all(image: Image.Image, analysis_types) -> dict[str, dict]:
    """Several analyses of one image, measuring it once (not at all for the condition alone)."""
    frame = _frame(image) if set(analysis_types) - {"nail_condition"} else None
    return {analysis_type: ANALYSERS[analysis_type](frame) for analysis_type in analysis_types}
