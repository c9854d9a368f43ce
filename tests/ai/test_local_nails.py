"""Offline nail engines: renderer, estimator, comparator (pure Python; no Django needed)."""

from __future__ import annotations

import io
import itertools
from collections import deque
from functools import partial

import numpy as np
import pytest
from PIL import Image, ImageFilter

from abilities.dimensions import LOCAL_ASPECTS
from ai.local import nails
from ai.local.nails import (
    NEUTRAL_CREATIVITY,
    DesignSpec,
    estimate_design,
    render_design,
)
from ai.local.nails.colour import delta_e2000, rgb_to_lab
from ai.local.nails.imagemetrics import ssim
from ai.local.nails.render import BACKGROUND
from ai.local.nails.spec import SHAPES, plan_design

SIZE = (400, 300)
# The engine scores the caller's dimensions; these tests score the ability centre's.
compare_designs = partial(nails.compare_designs, dimensions=LOCAL_ASPECTS)


def _pixels(spec: DesignSpec, size: tuple[int, int] = SIZE) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(render_design(spec, size=size).png)).convert("RGB"))


def _nail_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels that are clearly not background (drop shadows stay below the threshold)."""
    return np.abs(pixels.astype(int) - np.array(BACKGROUND)).max(axis=2) > 40


def _blobs(mask: np.ndarray) -> list[int]:
    """Sizes of 4-connected components of a boolean mask."""
    seen = np.zeros_like(mask, dtype=bool)
    sizes = []
    h, w = mask.shape
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        queue, size = deque([start]), 0
        while queue:
            y, x = queue.popleft()
            size += 1
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        sizes.append(size)
    return sizes


def _pixels_near(pixels: np.ndarray, hex_: str, tolerance: int = 6) -> int:
    rgb = np.array([int(hex_[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels.astype(int) - rgb).max(axis=2) <= tolerance).sum())


def _hue_shift(image: Image.Image, amount: float = 0.33) -> Image.Image:
    h, s, v = image.convert("HSV").split()
    h = h.point(lambda x: (x + int(amount * 255)) % 256)
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def _pink_noise(size: tuple[int, int], seed: int) -> Image.Image:
    """A 1/f 'natural-looking' colour image (clouds), standing in for an unrelated photo."""
    rng = np.random.default_rng(seed)
    w, h = size
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :]
    radius = np.hypot(fx, fy)
    radius[0, 0] = 1.0
    channels = []
    for _ in range(3):
        field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(h, w))) / radius))
        channels.append((field - field.min()) / (field.max() - field.min()))
    return Image.fromarray((np.stack(channels, axis=-1) * 255).astype(np.uint8))


# --- renderer ---------------------------------------------------------------------------------


def test_render_is_deterministic_and_seed_varies_it():
    spec = DesignSpec(styles=("dots", "glitter"), colors=("#F4A6B8", "#FAFAF7"))
    first, second = render_design(spec, size=SIZE), render_design(spec, size=SIZE)
    assert first.png == second.png
    assert first.png.startswith(b"\x89PNG")
    reseeded = render_design(
        DesignSpec(styles=("dots", "glitter"), colors=("#F4A6B8", "#FAFAF7"), seed=1), size=SIZE
    )
    assert reseeded.png != first.png


def test_output_size_and_antialiased_edges():
    pixels = _pixels(DesignSpec(colors=("#2F6FD6",), target="single"), size=(300, 200))
    assert pixels.shape == (200, 300, 3)
    # Supersampling leaves intermediate colours along the outline, not just background and polish.
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
    with pytest.raises(ValueError, match="size sides must be within"):
        render_design(DesignSpec(), size=(10_000, 10_000))


def test_each_shape_has_a_distinct_outline():
    masks = {
        shape: _nail_mask(_pixels(DesignSpec(shape=shape, target="single", colors=("#7B1E2B",))))
        for shape in SHAPES
    }
    for a in SHAPES:
        for b in SHAPES:
            if a < b:
                xor = np.logical_xor(masks[a], masks[b]).sum()
                union = np.logical_or(masks[a], masks[b]).sum()
                assert xor / union > 0.02, f"{a} and {b} outlines are nearly identical"

    def width_near_tip(mask: np.ndarray) -> int:
        rows = np.nonzero(mask.any(axis=1))[0]
        row = rows[0] + (rows[-1] - rows[0]) // 20  # 5 % below the free edge
        return int(mask[row].sum())

    widths = {shape: width_near_tip(masks[shape]) for shape in SHAPES}
    assert widths["square"] > widths["squoval"] > widths["almond"] > widths["stiletto"]
    assert widths["round"] > widths["almond"]


@pytest.mark.parametrize(
    ("target", "expected", "styles", "shape"),
    [
        ("single", 1, ("floral",), "oval"),
        ("5nails", 5, ("french", "rhinestone"), "almond"),
        ("5nails", 5, ("stripes",), "square"),
        ("10nails", 10, ("gradient", "glitter"), "coffin"),
        ("10nails", 10, ("dots",), "stiletto"),
    ],
)
def test_target_sets_the_number_of_nails(target, expected, styles, shape):
    spec = DesignSpec(target=target, styles=styles, shape=shape, colors=("#C8102E", "#1F2A5A"))
    assert len(_blobs(_nail_mask(_pixels(spec)))) == expected
    assert render_design(spec, size=(96, 72)).nail_count == expected


@pytest.mark.parametrize("style", ["solid", "gradient", "french", "dots", "stripes", "floral"])
def test_spec_colours_appear_in_the_drawing(style):
    colours = ("#2F6FD6", "#F6D55C")
    rendered = render_design(DesignSpec(styles=(style,), colors=colours), size=SIZE)
    pixels = np.asarray(Image.open(io.BytesIO(rendered.png)).convert("RGB"))
    for hex_ in colours:
        assert hex_ in rendered.palette
        assert _pixels_near(pixels, hex_) > 150, f"{hex_} missing from {style}"


def test_inspiration_palette_is_used_without_colours():
    inspiration = Image.new("RGB", (200, 160), (255, 255, 255))
    inspiration.paste((27, 153, 139), (20, 20, 100, 140))  # teal
    inspiration.paste((244, 96, 54), (100, 20, 180, 140))  # orange
    rendered = render_design(DesignSpec(styles=("stripes",), inspirations=(inspiration,)), size=SIZE)
    palette_lab = rgb_to_lab(
        np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in rendered.palette], np.uint8)
    )
    pixels = np.asarray(Image.open(io.BytesIO(rendered.png)).convert("RGB"))
    for rgb in ((27, 153, 139), (244, 96, 54)):
        assert delta_e2000(palette_lab, rgb_to_lab(np.array(rgb, np.uint8))[None]).min() < 5
    lab = rgb_to_lab(pixels[::2, ::2])
    for rgb in ((27, 153, 139), (244, 96, 54)):
        assert (delta_e2000(lab, rgb_to_lab(np.array(rgb, np.uint8))) < 5).sum() > 100
    # Without the inspiration the same request falls back to a built-in palette.
    assert render_design(DesignSpec(styles=("stripes",)), size=SIZE).palette != rendered.palette


@pytest.mark.parametrize(
    ("style", "prohibition", "element"),
    [
        ("glitter", "亮片", "glitter"),
        ("亮片", "glitter", "glitter"),
        ("rhinestone", "钻", "rhinestone"),
        ("水钻", "rhinestones", "rhinestone"),
        ("珍珠", "pearl", "pearl"),
        ("floral", "花", "flower"),
        ("波点", "dots", "dot"),
        ("stripes", "条纹", "stripe"),
    ],
)
def test_prohibited_element_never_appears(style, prohibition, element):
    base = dict(colors=("#F4A6B8", "#FAFAF7"), shape="coffin", target="10nails")
    banned = render_design(
        DesignSpec(styles=("french", style), prohibitions=(prohibition,), **base), size=SIZE
    )
    assert element not in banned.elements
    assert element not in banned.decoration_counts
    allowed = render_design(DesignSpec(styles=("french", style), **base), size=SIZE)
    assert element in allowed.elements
    # Pixel-level: the banned request draws exactly what a request that never mentioned it draws.
    plain = render_design(DesignSpec(styles=("french",), **base), size=SIZE)
    assert banned.png == plain.png
    assert allowed.png != plain.png


def test_prompt_negation_and_compound_words():
    plan = plan_design(DesignSpec(styles=("glitter",), prompt="蓝色条纹，不要亮片和钻"))
    assert plan.pattern == "stripes"
    assert "glitter" not in plan.decorations
    assert plan.palette[0] == (0x2F, 0x6F, 0xD6)
    # 闪粉 is glitter, not 粉 (pink); 酒红 is burgundy, not 红 (red).
    assert plan_design(DesignSpec(prompt="闪粉")).decorations == ("glitter",)
    assert plan_design(DesignSpec(prompt="酒红法式")).palette[0] == (0x7B, 0x1E, 0x2B)
    assert plan_design(DesignSpec(prompt="no glitter, pink dots", styles=("glitter",))).decorations == ()


def test_plan_resolution_details():
    # Colour words are accepted where a hex value is expected; invalid values are ignored.
    assert plan_design(DesignSpec(colors=("red", "#ABC", "nonsense"))).palette == (
        (200, 16, 46),
        (170, 187, 204),
    )
    # A French set without colours is the classic white tip on a sheer nude bed.
    assert plan_design(DesignSpec(styles=("french",))).palette[:2] == ((250, 250, 247), (243, 220, 212))
    # The prompt (latest instruction) can change the shape and length.
    plan = plan_design(DesignSpec(shape="square", nail_size="small", prompt="改成杏仁形，长一点"))
    assert plan.shape == "almond"
    assert plan.length_ratio > plan_design(DesignSpec(shape="almond", nail_size="medium")).length_ratio
    # Banning the plain fallback picks some other pattern instead of breaking the rule.
    assert plan_design(DesignSpec(prohibitions=("纯色",))).pattern != "solid"


def test_prohibited_colour_is_not_drawn():
    spec = DesignSpec(styles=("stripes",), colors=("#C8102E", "#2F6FD6"), prohibitions=("红色",))
    rendered = render_design(spec, size=SIZE)
    assert "#C8102E" not in rendered.palette
    pixels = np.asarray(Image.open(io.BytesIO(rendered.png)).convert("RGB"))
    assert _pixels_near(pixels, "#C8102E", tolerance=30) == 0
    assert _pixels_near(pixels, "#2F6FD6") > 150


def test_long_nail_prohibition_caps_length():
    def aspect(spec: DesignSpec) -> float:
        mask = _nail_mask(_pixels(spec))
        rows, cols = np.nonzero(mask)
        return (rows.max() - rows.min()) / (cols.max() - cols.min())

    long_spec = DesignSpec(shape="stiletto", nail_size="large", target="single", colors=("#141414",))
    capped = DesignSpec(**{**long_spec.__dict__, "prohibitions": ("长甲",)})
    assert aspect(long_spec) > 1.6
    assert aspect(capped) < 1.3
    assert plan_design(capped).notes


def test_different_inputs_give_visibly_different_designs():
    base = DesignSpec(colors=("#8E5CC2", "#FAFAF7"))
    variants = [
        base,
        DesignSpec(colors=("#8E5CC2", "#FAFAF7"), styles=("dots",)),
        DesignSpec(colors=("#8E5CC2", "#FAFAF7"), styles=("french",)),
        DesignSpec(colors=("#3E9E6A", "#FAFAF7")),
        DesignSpec(colors=("#8E5CC2", "#FAFAF7"), shape="square"),
    ]
    images = [_pixels(v).astype(int) for v in variants]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            changed = (np.abs(images[i] - images[j]).max(axis=2) > 30).mean()
            assert changed > 0.01, (variants[i], variants[j])


# --- estimator --------------------------------------------------------------------------------


def test_estimate_grows_with_nail_count():
    estimates = [
        estimate_design(DesignSpec(styles=("french",), target=t)) for t in ("single", "5nails", "10nails")
    ]
    for smaller, larger in itertools.pairwise(estimates):
        assert larger.minutes_min > smaller.minutes_min
        assert larger.minutes_max > smaller.minutes_max
    for e in estimates:
        assert 0 < e.minutes_min < e.minutes_max


def test_estimate_grows_with_design_complexity():
    plain = estimate_design(DesignSpec(styles=("solid",), colors=("#C8102E",)))
    busy_spec = DesignSpec(
        styles=("floral", "rhinestone", "glitter"), colors=("#F4A6B8", "#FAFAF7", "#D4AF37"), shape="coffin"
    )
    busy = estimate_design(busy_spec, render_design(busy_spec, size=(240, 180)))
    assert plain.complexity == "low"
    assert busy.complexity == "high"
    assert busy.minutes_min > plain.minutes_max
    order = {"low": 0, "medium": 1, "high": 2}
    mid = estimate_design(DesignSpec(styles=("dots",), colors=("#F4A6B8", "#FAFAF7")))
    assert order[plain.complexity] <= order[mid.complexity] <= order[busy.complexity]
    assert plain.minutes_max <= mid.minutes_max <= busy.minutes_max


def test_estimate_materials_follow_the_design():
    spec = DesignSpec(styles=("dots", "rhinestone"), colors=("#F4A6B8", "#FAFAF7"), prohibitions=("glitter",))
    estimate = estimate_design(spec)
    names = " ".join(m["name"] for m in estimate.materials)
    assert {m["type"] for m in estimate.materials} <= {"polish", "decoration", "tool"}
    assert "#F4A6B8" in names
    assert "#FAFAF7" in names
    assert "水钻" in names
    assert "点珠笔" in names
    assert "亮片" not in names
    plain_names = " ".join(m["name"] for m in estimate_design(DesignSpec(colors=("#F4A6B8",))).materials)
    assert "水钻" not in plain_names


# --- colour maths -----------------------------------------------------------------------------


def test_ciede2000_matches_published_test_pairs():
    # Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", Table 1.
    pairs = [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ]
    for lab1, lab2, expected in pairs:
        assert delta_e2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)
        assert delta_e2000(np.array(lab2), np.array(lab1)) == pytest.approx(expected, abs=1e-4)


def test_rgb_to_lab_and_ssim_match_reference_values():
    # Reference numbers from scikit-image 0.26 (rgb2lab, structural_similarity with gaussian weights).
    lab = rgb_to_lab(np.array([[255, 0, 0], [0, 128, 255], [240, 200, 170]], dtype=np.uint8))
    assert lab == pytest.approx(
        np.array(
            [[53.24059, 80.09231, 67.20275], [54.71454, 18.77346, -70.91376], [83.30472, 9.85475, 20.31584]]
        ),
        abs=1e-4,
    )
    y, x = np.mgrid[0:40, 0:48].astype(float)
    a = 0.5 + 0.4 * np.sin(x / 3.0) * np.cos(y / 5.0)
    b = 0.5 + 0.35 * np.sin(x / 3.0 + 0.4) * np.cos(y / 4.5)
    assert ssim(a, b) == pytest.approx(0.7768519692311875, abs=1e-9)
    assert ssim(a, a) == pytest.approx(1.0)


# --- comparator -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> Image.Image:
    spec = DesignSpec(styles=("dots",), colors=("#F4A6B8", "#FAFAF7", "#7B1E2B"), shape="almond")
    return Image.open(io.BytesIO(render_design(spec, size=(400, 300)).png)).convert("RGB")


def test_identical_images_score_near_100(reference):
    result = compare_designs(reference, reference.copy())
    assert result.similarity >= 97
    assert all(v >= 97 for k, v in result.dimension_scores.items() if k != "creativity")
    assert result.dimension_scores["creativity"] == NEUTRAL_CREATIVITY
    assert set(result.differences) == {"colour", "pattern", "detail", "composition"}
    assert result.suggestions
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in tip) for tip in result.suggestions)
    assert result.measurements["delta_e"] == pytest.approx(0.0, abs=0.5)
    assert result.measurements["ssim"] == pytest.approx(1.0, abs=1e-6)


def test_recoloured_copy_loses_colour_score_only(reference):
    same = compare_designs(reference, reference)
    recoloured = compare_designs(reference, _hue_shift(reference))
    scores = recoloured.dimension_scores
    assert scores["color_matching"] <= same.dimension_scores["color_matching"] - 30
    assert scores["pattern_precision"] >= 85
    assert scores["detail_work"] >= 85
    assert scores["composition"] >= 85
    assert recoloured.similarity < same.similarity
    assert "色相" in recoloured.differences["colour"]
    assert any("色" in tip for tip in recoloured.suggestions)


def test_unrelated_images_score_low(reference):
    noise = Image.fromarray(np.random.default_rng(7).integers(0, 256, (300, 400, 3), dtype=np.uint8))
    assert compare_designs(reference, noise).similarity < 40
    assert compare_designs(reference, _pink_noise((400, 300), seed=3)).similarity < 40
    other_design = DesignSpec(
        styles=("stripes",), colors=("#1F2A5A", "#F6D55C"), shape="square", target="10nails"
    )
    other = Image.open(io.BytesIO(render_design(other_design, size=(400, 300)).png))
    assert compare_designs(reference, other).similarity < 40


def test_similarity_falls_with_blur_and_noise(reference):
    blurred = [
        compare_designs(reference, reference.filter(ImageFilter.GaussianBlur(r))).similarity
        for r in (1, 3, 8)
    ]
    rng = np.random.default_rng(1)
    arr = np.asarray(reference, dtype=float)
    noisy = [
        compare_designs(
            reference, Image.fromarray(np.clip(arr + rng.normal(0, s, arr.shape), 0, 255).astype(np.uint8))
        ).similarity
        for s in (5, 25, 60)
    ]
    for series in (blurred, noisy):
        assert all(b <= a + 1 for a, b in itertools.pairwise(series)), series
        assert series[-1] < series[0] - 8, series
    blurry = compare_designs(reference, reference.filter(ImageFilter.GaussianBlur(6)))
    assert "模糊" in blurry.differences["detail"]


def test_small_misalignment_is_tolerated(reference):
    shifted = reference.transform(
        reference.size, Image.Transform.AFFINE, (1, 0, -8, 0, 1, -5), fillcolor=BACKGROUND
    )
    assert compare_designs(reference, shifted).similarity >= 90


def test_creativity_reflects_distance_from_inspirations(reference):
    unrelated = DesignSpec(
        styles=("stripes",), colors=("#1F2A5A", "#F6D55C"), shape="square", target="10nails"
    )
    other = Image.open(io.BytesIO(render_design(unrelated, size=(400, 300)).png))
    copied = compare_designs(reference, reference, inspirations=[reference])
    original = compare_designs(reference, reference, inspirations=[other])
    both = compare_designs(reference, reference, inspirations=[other, reference])
    assert (
        copied.dimension_scores["creativity"] < NEUTRAL_CREATIVITY < original.dimension_scores["creativity"]
    )
    # The closest inspiration decides: copying any one of them is not original.
    assert both.dimension_scores["creativity"] == copied.dimension_scores["creativity"]
