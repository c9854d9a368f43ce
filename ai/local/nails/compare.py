"""Design-vs-result comparison: how closely a finished manicure photo matches its reference design.

Both images are brought to a common size, then measured on three axes:
- colour: dominant colours (median cut) matched in CIELAB with ΔE2000, plus ΔE2000 of a coarse
  colour layout (each image averaged over a grid);
- structure: SSIM on normalised grayscale (fine and coarse scale), agreement of the colour edge
  maps and of the edge orientation histograms, edge density and high-frequency energy;
- layout: where the design's "ink" (pixels that differ from the background colour) sits.

Aspect scores (0–100) are derived as documented on `compare_designs`; the caller says which of its own
dimensions each aspect scores (the ability codes are not this layer's to know).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from .colour import delta_e2000, rgb_to_lab
from .imagemetrics import (
    block_mean,
    colour_gradient,
    gaussian_filter,
    orientation_histogram,
    shift_correlation,
    ssim,
)

SIDE = 256  # long side of the common comparison size
MAX_SHIFT = 0.06  # largest misalignment searched for, as a fraction of the long side
NEUTRAL_CREATIVITY = 70  # creativity when no inspirations are given: neither copied nor original
ASPECTS = ("colour", "pattern", "detail", "composition", "complexity", "creativity")
WEIGHTS = {"colour": 0.35, "pattern": 0.3, "detail": 0.15, "composition": 0.2}  # of similarity
_GRID = (12, 12)  # colour layout grid
_EDGE_THRESHOLD = 8.0  # colour-gradient strength (ΔE-like units per pixel) that counts as an edge


@dataclass(frozen=True)
class Comparison:
    similarity: int
    differences: dict[str, str]
    suggestions: list[str]
    measurements: dict[str, float]
    scores: dict[str, int]  # by aspect (ASPECTS)
    evidence: dict[str, str]  # by aspect: the finding behind its score, in words
    dimension_scores: dict[str, int] = field(default_factory=dict)  # by the caller's dimension code


@dataclass(frozen=True)
class _Prepared:
    rgb: np.ndarray  # float 0..1, (h, w, 3)
    lab: np.ndarray
    gray: np.ndarray  # normalised to zero mean / unit variance, mapped to 0..1
    edges: np.ndarray  # colour gradient magnitude
    ink: np.ndarray  # 0..1, how clearly each pixel belongs to the design rather than the background
    palette: list[tuple[np.ndarray, float]]  # (Lab colour, share of the design's pixels)


def compare_designs(
    reference: Image.Image,
    actual: Image.Image,
    *,
    inspirations: Sequence[Image.Image] = (),
    dimensions: Mapping[str, str] | None = None,
) -> Comparison:
    """Compare a reference design with a photo of the finished nails.

    Aspect scores:
    - colour: from colour distance (mean ΔE2000 of dominant palettes and of the colour layout);
    - pattern: structure at coarse scale (SSIM) and edge map / edge orientation agreement;
    - detail: structure at fine scale (SSIM) and how much fine detail (edges, high-frequency
      energy) the result keeps compared with the reference;
    - composition: layout of the design (ink distribution on a grid, centre and coverage);
    - complexity: design complexity achieved (edge density, colour count, detail energy vs the reference);
    - creativity: difference of the result from the inspirations (copying one scores low); NEUTRAL_CREATIVITY
      when none are given.
    similarity is the weighted mean of the first four (WEIGHTS). ``dimensions`` maps each of the caller's
    dimension codes to the aspect that scores it; ``dimension_scores`` holds those.
    """
    size = _common_size(reference)
    ref = _prepare(reference, size)
    act = _prepare(actual, size)
    m = _measure(ref, act)
    raw = {
        "colour": _colour_score(m["delta_e"]),
        "pattern": _pattern_score(m),
        "detail": _detail_score(m),
        "composition": _composition_score(m),
        "complexity": _complexity_score(m["complexity_ratio"]),
        "creativity": _creativity(act, inspirations, size),
    }
    similarity = sum(WEIGHTS[k] * raw[k] for k in WEIGHTS)
    scores = {k: round(v) for k, v in raw.items()}
    differences = _differences(m, scores)
    measurements = {k: round(float(v), 4) for k, v in m.items()}
    return Comparison(
        similarity=round(similarity),
        differences=differences,
        suggestions=_suggestions(m, scores),
        measurements=measurements,
        scores=scores,
        evidence={**differences, **_more_evidence(measurements, len(inspirations))},
        dimension_scores={code: scores[aspect] for code, aspect in (dimensions or {}).items()},
    )


def _common_size(reference: Image.Image) -> tuple[int, int]:
    w, h = reference.size
    scale = SIDE / max(w, h)
    return max(16, round(w * scale)), max(16, round(h * scale))


def _prepare(image: Image.Image, size: tuple[int, int]) -> _Prepared:
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    small = image.convert("RGB").resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    rgb = np.asarray(small, dtype=np.float64) / 255.0
    lab = rgb_to_lab(rgb)
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    std = luma.std()
    gray = np.clip(((luma - luma.mean()) / std if std > 1e-6 else luma * 0.0) / 6.0 + 0.5, 0.0, 1.0)
    ink = _ink(lab)
    return _Prepared(rgb, lab, gray, colour_gradient(lab), ink, _design_palette(small, ink))


def _design_palette(image: Image.Image, ink: np.ndarray, k: int = 8) -> list[tuple[np.ndarray, float]]:
    """Dominant colours (median cut) weighted by ink, so the empty background of a design
    card or photo does not outvote the polish colours; falls back to pixel counts for flat images."""
    # Half resolution is plenty for a palette; Pillow's k-means pass is skipped here because on
    # noisy photos it costs ~5× the median cut itself.
    half = image.reduce(2)
    quant = half.quantize(colors=k, method=Image.Quantize.MEDIANCUT)
    labels = np.asarray(quant).ravel()
    flat = quant.getpalette() or []
    weights = ink[::2, ::2][: half.height, : half.width].ravel() + 0.01
    shares = np.bincount(labels, weights=weights, minlength=k)
    shares = shares / shares.sum()
    colours = []
    for index in np.argsort(-shares):
        if shares[index] > 0.005:
            rgb = np.array(flat[3 * index : 3 * index + 3], dtype=np.uint8)
            colours.append((rgb_to_lab(rgb), float(shares[index])))
    return colours


def _align(ref: _Prepared, act: _Prepared) -> tuple[_Prepared, _Prepared, int, int]:
    """Find the translation (within ±MAX_SHIFT of the size) that best overlays `act` on `ref` by
    coarse SSIM, and crop both to their overlap: a photo is never framed exactly like the design."""
    factor = 4
    small_ref, small_act = _downsample(ref.gray, factor), _downsample(act.gray, factor)
    # Never shift by more than a quarter of the short side (very thin images get no search at all).
    reach = min(round(MAX_SHIFT * max(small_ref.shape)), min(small_ref.shape) // 4)
    if reach < 1:
        return ref, act, 0, 0
    dy, dx = shift_correlation(small_ref, small_act, reach)
    best = (ssim(small_ref, small_act), 0, 0)
    if dy or dx:
        # Keep the shift only if it really improves the overlay; correlation alone can chase noise.
        shifted = ssim(*_overlap(small_ref, small_act, dy, dx))
        if shifted > best[0] + 0.01:
            best = (shifted, dy, dx)
    _, dy, dx = best
    dy, dx = dy * factor, dx * factor
    if not (dx or dy):
        return ref, act, 0, 0
    return _crop(ref, act, dy, dx, first=True), _crop(ref, act, dy, dx, first=False), dx, dy


def _overlap(a: np.ndarray, b: np.ndarray, dy: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
    """The parts of a and b that coincide when b is moved by (dy, dx)."""
    h, w = a.shape[:2]
    ay, by = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    ax, bx = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    return a[ay, ax], b[by, bx]


def _crop(ref: _Prepared, act: _Prepared, dy: int, dx: int, first: bool) -> _Prepared:
    def part(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return _overlap(a, b, dy, dx)[0 if first else 1]

    return _Prepared(
        part(ref.rgb, act.rgb),
        part(ref.lab, act.lab),
        part(ref.gray, act.gray),
        part(ref.edges, act.edges),
        part(ref.ink, act.ink),
        (ref if first else act).palette,
    )


def _measure(ref: _Prepared, act: _Prepared) -> dict[str, float]:
    m: dict[str, float] = {}
    ref, act, shift_x, shift_y = _align(ref, act)
    m["align_shift_x"], m["align_shift_y"] = float(shift_x), float(shift_y)
    m["delta_e_palette"] = (
        _palette_distance(ref.palette, act.palette) + _palette_distance(act.palette, ref.palette)
    ) / 2
    focus = _focus(ref.ink, act.ink)
    grid_focus = block_mean(focus, *_GRID)
    grid_delta = delta_e2000(block_mean(ref.lab, *_GRID), block_mean(act.lab, *_GRID))
    m["delta_e_layout"] = float((grid_delta * grid_focus).sum() / grid_focus.sum())
    m["delta_e"] = 0.5 * m["delta_e_palette"] + 0.5 * m["delta_e_layout"]
    mean_ref, mean_act = _weighted_mean(ref.lab, focus), _weighted_mean(act.lab, focus)
    m["lightness_shift"] = float(mean_act[0] - mean_ref[0])
    m["chroma_shift"] = float(
        _weighted_mean(_chroma(act.lab), focus) - _weighted_mean(_chroma(ref.lab), focus)
    )
    m["hue_shift"] = _hue_shift(ref.lab, act.lab)

    m["ssim"] = ssim(ref.gray, act.gray, weights=focus)
    m["ssim_coarse"] = ssim(_downsample(ref.gray, 4), _downsample(act.gray, 4), weights=_downsample(focus, 4))
    m["edge_correlation"] = _correlation(gaussian_filter(ref.edges, 2.0), gaussian_filter(act.edges, 2.0))
    hist_ref, hist_act = orientation_histogram(ref.gray), orientation_histogram(act.gray)
    m["orientation_similarity"] = float(np.minimum(hist_ref, hist_act).sum())
    m["edge_density_ref"] = float((ref.edges > _EDGE_THRESHOLD).mean())
    m["edge_density_actual"] = float((act.edges > _EDGE_THRESHOLD).mean())
    m["edge_density_diff"] = m["edge_density_actual"] - m["edge_density_ref"]
    m["detail_ratio"] = (_detail_energy(act.gray) + 1e-4) / (_detail_energy(ref.gray) + 1e-4)

    ink_ref, ink_act = ref.ink, act.ink
    m["layout_overlap"] = float(np.minimum(_distribution(ink_ref), _distribution(ink_act)).sum())
    m["layout_diff"] = 1.0 - m["layout_overlap"]
    m["coverage_ref"], m["coverage_actual"] = float(ink_ref.mean()), float(ink_act.mean())
    (cy_r, cx_r), (cy_a, cx_a) = _centroid(ink_ref), _centroid(ink_act)
    m["centre_shift_x"], m["centre_shift_y"] = cx_a - cx_r, cy_a - cy_r

    m["complexity_ratio"] = (_complexity(act) + 1e-3) / (_complexity(ref) + 1e-3)
    return m


def _palette_distance(src: list[tuple[np.ndarray, float]], dst: list[tuple[np.ndarray, float]]) -> float:
    """Share-weighted mean ΔE2000 from each colour of `src` to its nearest colour in `dst`."""
    if not src or not dst:
        return 100.0
    dst_lab = np.stack([lab for lab, _ in dst])
    total = sum(share for _, share in src)
    return float(sum(share * delta_e2000(dst_lab, lab[None, :]).min() for lab, share in src) / total)


def _focus(ink_ref: np.ndarray, ink_act: np.ndarray) -> np.ndarray:
    """Where to look: the design in either image and a margin around it, plus a little everywhere."""
    return gaussian_filter(np.maximum(ink_ref, ink_act), 3.0) + 0.05


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    w = weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim))
    return (values * w).sum(axis=(0, 1)) / weights.sum()


def _chroma(lab: np.ndarray) -> np.ndarray:
    return np.hypot(lab[..., 1], lab[..., 2])


def _hue_shift(ref: np.ndarray, act: np.ndarray) -> float:
    """Signed mean hue rotation (degrees) over pixels that are coloured in both images."""
    coloured = (np.hypot(ref[..., 1], ref[..., 2]) > 10) & (np.hypot(act[..., 1], act[..., 2]) > 10)
    if coloured.mean() < 0.02:
        return 0.0
    h_ref = np.arctan2(ref[..., 2], ref[..., 1])[coloured]
    h_act = np.arctan2(act[..., 2], act[..., 1])[coloured]
    diff = np.angle(np.mean(np.exp(1j * (h_act - h_ref))))
    return float(np.degrees(diff))


def _downsample(image: np.ndarray, factor: int) -> np.ndarray:
    h, w = image.shape
    return block_mean(image, h // factor, w // factor)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = math.sqrt(float((a * a).sum() * (b * b).sum()))
    if denom < 1e-9:
        # Two flat images agree perfectly; a flat and a busy one do not.
        return 1.0 if float(np.abs(a).sum() + np.abs(b).sum()) < 1e-9 else 0.0
    return float((a * b).sum() / denom)


def _detail_energy(gray: np.ndarray) -> float:
    """Mean absolute Laplacian-like residual (image minus its blur): fine detail and texture."""
    return float(np.abs(gray - gaussian_filter(gray, 1.0)).mean())


def _ink(lab: np.ndarray) -> np.ndarray:
    """Soft map (0..1) of pixels that differ from the background (the border's median colour),
    from a slightly blurred image so that photo noise on the background does not count as design."""
    lab = np.stack([gaussian_filter(lab[..., c], 2.0) for c in range(3)], axis=-1)
    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    background = np.median(border, axis=0)
    # Plain Lab distance is enough to tell design from background, and 10× cheaper than ΔE2000.
    distance = np.linalg.norm(lab - background, axis=-1)
    return np.clip((distance - 6.0) / 14.0, 0.0, 1.0)


def _distribution(ink: np.ndarray) -> np.ndarray:
    grid = block_mean(ink, 8, 8)
    total = grid.sum()
    return grid / total if total > 1e-9 else np.full(grid.shape, 1.0 / grid.size)


def _centroid(ink: np.ndarray) -> tuple[float, float]:
    total = ink.sum()
    if total < 1e-9:
        return 0.5, 0.5
    rows, cols = np.indices(ink.shape)
    return float((rows * ink).sum() / total / ink.shape[0]), float((cols * ink).sum() / total / ink.shape[1])


def _complexity(p: _Prepared) -> float:
    """How much design there is: colour edges at half resolution (so photo noise barely counts)
    plus the number of distinct dominant colours."""
    h, w = p.lab.shape[:2]
    edges = colour_gradient(block_mean(p.lab, h // 2, w // 2))
    colours = sum(1 for _, share in p.palette if share > 0.04)
    return float((edges > 6.0).mean()) * 3.0 + colours * 0.15


def _ramp(value: float, zero: float, full: float) -> float:
    """0 at `zero`, 1 at `full`, linear between, clipped."""
    return float(np.clip((value - zero) / (full - zero), 0.0, 1.0))


def _colour_score(delta_e: float) -> float:
    # ΔE 2 ≈ 95, 5 ≈ 80, 10 ≈ 57, 20 ≈ 31: roughly "just noticeable" to "different colour".
    return 100.0 / (1.0 + (max(delta_e, 0.0) / 12.0) ** 1.6)


def _pattern_score(m: dict[str, float]) -> float:
    structure = _ramp(m["ssim_coarse"], 0.15, 1.0)
    edges = _ramp(m["edge_correlation"], 0.1, 1.0)
    orientation = _ramp(m["orientation_similarity"], 0.5, 1.0)
    return 100.0 * (0.45 * structure + 0.4 * edges + 0.15 * orientation)


def _detail_score(m: dict[str, float]) -> float:
    fine = _ramp(m["ssim"], 0.1, 1.0)
    kept = math.exp(-abs(math.log(max(m["detail_ratio"], 1e-6))) * 0.7)
    density_ref, density_act = m["edge_density_ref"], m["edge_density_actual"]
    density = 1.0 - abs(density_act - density_ref) / max(density_ref, density_act, 0.02)
    return 100.0 * (0.5 * fine + 0.3 * kept + 0.2 * density)


def _composition_score(m: dict[str, float]) -> float:
    overlap = _ramp(m["layout_overlap"], 0.4, 1.0)
    coverage = 1.0 - min(1.0, abs(m["coverage_actual"] - m["coverage_ref"]) / max(m["coverage_ref"], 0.05))
    centre = 1.0 - min(1.0, math.hypot(m["centre_shift_x"], m["centre_shift_y"]) / 0.25)
    return 100.0 * (0.6 * overlap + 0.2 * coverage + 0.2 * centre)


def _complexity_score(ratio: float) -> float:
    # Falling short of the reference's complexity costs more than overdoing it a little.
    penalty = -math.log(ratio) * 1.2 if ratio < 1 else math.log(ratio) * 0.6
    return 100.0 * math.exp(-penalty)


def _creativity(act: _Prepared, inspirations: Sequence[Image.Image], size: tuple[int, int]) -> float:
    if not inspirations:
        return float(NEUTRAL_CREATIVITY)
    closest = 0.0
    for image in inspirations:
        other = _prepare(image, size)
        m = _measure(other, act)
        closeness = (
            WEIGHTS["colour"] * _colour_score(m["delta_e"])
            + WEIGHTS["pattern"] * _pattern_score(m)
            + WEIGHTS["detail"] * _detail_score(m)
            + WEIGHTS["composition"] * _composition_score(m)
        )
        closest = max(closest, closeness)
    # A straight copy of an inspiration keeps 35; a result far from all of them reaches 95.
    return 35.0 + 60.0 * (1.0 - closest / 100.0)


def _differences(m: dict[str, float], s: dict[str, int]) -> dict[str, str]:
    return {
        "colour": _colour_text(m, s["colour"]),
        "pattern": _pattern_text(m, s["pattern"]),
        "detail": _detail_text(m, s["detail"]),
        "composition": _composition_text(m, s["composition"]),
    }


def _more_evidence(m: dict[str, float], inspirations: int) -> dict[str, str]:
    """The findings behind the two aspects that have no difference text."""
    return {
        "complexity": f"完成的图案复杂度约为设计的 {m['complexity_ratio'] * 100:.0f}%（边缘与主色数量）。",
        "creativity": (
            f"按与 {inspirations} 张灵感图的差异评分，照搬灵感图得分低。"
            if inspirations
            else "未使用灵感图，按中性分计。"
        ),
    }


def _grade(score: int) -> str:
    if score >= 90:
        return "高度一致"
    if score >= 75:
        return "基本一致"
    if score >= 55:
        return "有一定差异"
    return "差异明显"


def _colour_text(m: dict[str, float], score: int) -> str:
    parts = [f"颜色{_grade(score)}（平均色差 ΔE2000≈{m['delta_e']:.1f}）"]
    if m["lightness_shift"] > 4:
        parts.append(f"整体偏亮 {m['lightness_shift']:.0f} 个明度单位")
    elif m["lightness_shift"] < -4:
        parts.append(f"整体偏暗 {-m['lightness_shift']:.0f} 个明度单位")
    if m["chroma_shift"] < -5:
        parts.append("饱和度偏低")
    elif m["chroma_shift"] > 5:
        parts.append("饱和度偏高")
    if abs(m["hue_shift"]) > 12:
        parts.append(f"色相偏移约 {abs(m['hue_shift']):.0f}°")
    return "，".join(parts) + "。"


def _pattern_text(m: dict[str, float], score: int) -> str:
    text = f"图案结构{_grade(score)}（结构相似度 SSIM {m['ssim_coarse']:.2f}，轮廓吻合度 {max(m['edge_correlation'], 0):.2f}）"
    diff = m["edge_density_diff"]
    ref = max(m["edge_density_ref"], 1e-3)
    if diff < -0.25 * ref:
        text += f"，图案线条比参考少约 {min(100, -diff / ref * 100):.0f}%，可能有图案缺失或未完成"
    elif diff > 0.25 * ref:
        text += f"，线条/边缘比参考多约 {min(300, diff / ref * 100):.0f}%，可能有多余图案或杂乱笔触"
    return text + "。"


def _detail_text(m: dict[str, float], score: int) -> str:
    text = f"细节{_grade(score)}（细节相似度 {m['ssim']:.2f}）"
    ratio = m["detail_ratio"]
    if ratio < 0.7:
        text += f"，细节清晰度只有参考的约 {ratio * 100:.0f}%，边缘偏模糊"
    elif ratio > 1.5:
        text += "，表面有较多参考图中没有的颗粒或杂点"
    return text + "。"


def _composition_text(m: dict[str, float], score: int) -> str:
    text = f"布局{_grade(score)}（图案分布重合度 {m['layout_overlap'] * 100:.0f}%）"
    dx, dy = m["centre_shift_x"], m["centre_shift_y"]
    if max(abs(dx), abs(dy)) > 0.05:
        horizontal = "偏右" if dx > 0 else "偏左"
        vertical = "偏下" if dy > 0 else "偏上"
        text += f"，图案重心{horizontal if abs(dx) >= abs(dy) else vertical}"
    cov_ref, cov_act = m["coverage_ref"], m["coverage_actual"]
    if cov_ref > 0.02 and abs(cov_act - cov_ref) / cov_ref > 0.25:
        text += "，图案覆盖面积" + ("偏大" if cov_act > cov_ref else "偏小")
    return text + "。"


def _suggestions(m: dict[str, float], s: dict[str, int]) -> list[str]:
    tips: list[str] = []
    if s["colour"] < 85:
        if m["lightness_shift"] < -4:
            tips.append("颜色偏暗：调色时加入少量白色提亮，或减少上色层数。")
        elif m["lightness_shift"] > 4:
            tips.append("颜色偏亮：多上一层色胶，或调入少量同色系深色。")
        if m["chroma_shift"] < -5:
            tips.append("颜色不够饱和：换用显色度更高的色胶，薄涂多层。")
        if abs(m["hue_shift"]) > 12:
            tips.append("色相与参考不同：对照参考图重新选色或调色，先在色卡上试色再上甲。")
        if len(tips) == 0:
            tips.append("整体色差较大：对照参考图逐一核对所用颜色。")
    if s["pattern"] < 80:
        if m["edge_density_diff"] < 0:
            tips.append("图案有缺失：用细节笔按参考图补全图案线条与元素。")
        else:
            tips.append("图案与参考不符：先用勾线笔描出轮廓，再对照参考图填色。")
    if s["detail"] < 80:
        if m["detail_ratio"] < 0.7:
            tips.append("细节偏模糊：换用更细的拉线笔，每层照灯固化后再画下一层，避免晕开。")
        elif m["detail_ratio"] > 1.5:
            tips.append("表面有杂点：封层前清理多余闪粉和碎屑，保持甲面干净。")
        else:
            tips.append("细节处理欠精细：放慢描绘速度，边缘处用清洁笔修整。")
    if s["composition"] < 80:
        tips.append("布局有偏差：对照参考图调整图案在甲面上的位置和大小。")
    if not tips:
        tips.append("整体还原度很高，保持当前手法即可。")
    return tips
