"""Offline image analysis (ai.local.nails.analysis): palette, style tags, nail shape, condition."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from ai.local.nails import DesignSpec, render_design
from ai.local.nails.analysis import STYLE_TAGS, UNKNOWN_CONDITION_CONFIDENCE, analyse
from ai.local.nails.spec import SHAPES

SIZE = (512, 384)


def _design(**fields) -> Image.Image:
    return Image.open(io.BytesIO(render_design(DesignSpec(**fields), size=SIZE).png)).convert("RGB")


def test_it_finds_the_palette_of_the_subject_with_shares():
    image = Image.new("RGB", (300, 200), (246, 241, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 40, 140, 160), fill=(200, 30, 60))
    draw.rectangle((200, 40, 260, 160), fill=(30, 60, 200))
    colors = analyse(image, "colors")["colors"]
    assert [c["color"] for c in colors[:2]] == ["#C81E3C", "#1E3CC8"]
    assert colors[0]["share"] == pytest.approx(2 / 3, abs=0.05)
    assert colors[1]["share"] == pytest.approx(1 / 3, abs=0.05)
    assert sum(c["share"] for c in colors) <= 1.0


def test_it_takes_the_whole_image_when_nothing_stands_out():
    image = Image.new("RGB", (100, 100), (244, 166, 184))
    assert analyse(image, "colors")["colors"] == [{"color": "#F4A6B8", "share": 1.0}]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("target", ["single", "5nails", "10nails"])
def test_it_recognises_every_shape_the_renderer_draws(shape, target):
    found = analyse(_design(shape=shape, target=target, colors=("#F4A6B8",)), "nail_shape")
    assert found["shape"] == shape
    assert 0.5 <= found["confidence"] <= 0.9
    assert found["nails"] >= 1


def test_it_does_not_invent_a_shape_without_nails():
    found = analyse(Image.new("RGB", (200, 200), (240, 240, 240)), "nail_shape")
    assert found == {"shape": None, "confidence": 0.0, "nails": 0}


@pytest.mark.parametrize(
    ("style", "colours", "expected", "absent"),
    [
        ("solid", ("#F4A6B8",), {"solid", "pink", "minimal"}, {"glitter", "stripes", "dots"}),
        ("gradient", ("#2F6FD6", "#FAFAF7"), {"gradient", "blue"}, {"solid", "glitter"}),
        ("stripes", ("#2F6FD6", "#FAFAF7"), {"stripes", "blue"}, {"glitter", "solid", "dots"}),
        ("stripes", ("#F4A6B8",), {"stripes", "pink"}, {"glitter", "solid"}),
        ("dots", ("#2F6FD6", "#FAFAF7"), {"dots", "blue"}, {"glitter", "stripes", "solid"}),
        ("glitter", ("#F4A6B8",), {"glitter", "pink"}, {"stripes", "dots", "solid"}),
        ("glitter", ("#2F6FD6", "#FAFAF7"), {"glitter", "blue"}, {"stripes", "dots", "solid"}),
    ],
)
def test_it_tags_styles_from_measurable_cues(style, colours, expected, absent):
    found = analyse(_design(styles=(style,), colors=colours), "style_tags")
    assert expected <= set(found["tags"]), found
    assert not absent & set(found["tags"]), found
    assert set(found["tags"]) <= set(STYLE_TAGS)
    assert set(found["evidence"]) == set(found["tags"])


def test_it_says_unknown_for_the_condition_instead_of_a_finding():
    found = analyse(_design(), "nail_condition")
    assert found["condition"] == "unknown"
    assert found["findings"] == []
    assert found["confidence"] == UNKNOWN_CONDITION_CONFIDENCE <= 0.2
