"""The offline nail engines (``ai.local.nails``) as ``local=`` callables for ``ai.services``.

The ``local`` provider runs them when no remote provider is configured or all of them fail, so every design,
estimate and comparison has an answer offline. This is the only module that imports the engines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image

from ai.local.nails import (
    DesignSpec,
    RenderedDesign,
    analyse_all,
    compare_designs,
    estimate_design,
    render_design,
)

from .prompts import DesignBrief

RENDER_SIZE = (1024, 768)
_PATTERNS_ZH = {
    "solid": "纯色",
    "gradient": "渐变",
    "french": "法式",
    "dots": "波点",
    "stripes": "条纹",
    "floral": "花卉",
}


def design_spec(
    brief: DesignBrief, inspirations: tuple[Image.Image, ...] = (), *, seed: int = 0
) -> DesignSpec:
    # The engine reads the artist's words itself (negations, later clauses overriding earlier ones).
    prompt = "。".join(text for text in (brief.custom_prompt, *brief.refinements) if text.strip())
    return DesignSpec(
        shape=brief.shape,
        nail_size=brief.nail_size,
        target=brief.target,
        colors=brief.colours,
        styles=brief.styles,
        prohibitions=brief.prohibitions,
        prompt=prompt,
        inspirations=inspirations,
        seed=seed,
    )


@dataclass
class DesignRenderer:
    """``local=`` for generate_image; keeps what it drew so the plan can describe it."""

    spec: DesignSpec
    rendered: RenderedDesign | None = None

    def __call__(self) -> bytes:
        self.rendered = render_design(self.spec, size=RENDER_SIZE)
        return self.rendered.png

    def description(self) -> str:
        if self.rendered is None:
            return ""
        drawn = self.rendered
        parts = [
            f"{_PATTERNS_ZH.get(drawn.pattern, drawn.pattern)}设计",
            f"配色 {' '.join(drawn.palette)}",
        ]
        if drawn.elements:
            parts.append(f"元素 {'、'.join(drawn.elements)}")
        parts += drawn.notes
        return "；".join(parts)


def estimator(spec: DesignSpec):
    """``local=`` for analyze_image: the estimate in the same JSON shape a vision model is asked for."""

    def run() -> dict:
        estimate = estimate_design(spec)
        return {
            "duration_min": estimate.minutes_min,
            "duration_max": estimate.minutes_max,
            "materials": estimate.materials,
            "complexity": estimate.complexity,
            "notes": "；".join(f"{step['name']} 约 {step['minutes']:g} 分钟" for step in estimate.steps),
        }

    return run


def comparator(
    reference: Image.Image,
    actual: Image.Image,
    inspirations: tuple[Image.Image, ...] = (),
    *,
    dimensions: Mapping[str, str],
):
    """``local=`` for compare_images: the offline comparison in the JSON shape a vision model is asked for,
    scored on ``dimensions`` (code → the engine's aspect, as the ability centre defines them), each with the
    engine's finding for its aspect as the evidence."""

    def run() -> dict:
        result = compare_designs(reference, actual, inspirations=inspirations, dimensions=dimensions)
        return {
            "similarity": result.similarity,
            # The API spells the aspect the American way; the engine keeps its own word.
            "differences": {("color" if k == "colour" else k): v for k, v in result.differences.items()},
            "suggestions": result.suggestions,
            "dimension_scores": {
                code: {"score": result.dimension_scores[code], "evidence": result.evidence[aspect]}
                for code, aspect in dimensions.items()
            },
        }

    return run


SUGGESTED_COLOURS = 3
SUGGESTED_COLOUR_SHARE = 0.1


def suggested_tags(image: Image.Image, given=()) -> list[str]:
    """Style tags the offline analysis sees in an inspiration, minus those the artist already gave."""
    tags = analyse_all(image, ["style_tags"])["style_tags"]["tags"]
    return [tag for tag in tags if tag not in set(given)]


def suggested_profile(image: Image.Image) -> dict:
    """Colours and nail shape the offline analysis sees in a customer's photo, for the artist to confirm."""
    found = analyse_all(image, ["colors", "nail_shape"])
    colours = [c["color"] for c in found["colors"]["colors"] if c["share"] >= SUGGESTED_COLOUR_SHARE]
    return {
        "color_preferences": colours[:SUGGESTED_COLOURS],
        "nail_shape": found["nail_shape"]["shape"],
        "shape_confidence": found["nail_shape"]["confidence"],
    }
