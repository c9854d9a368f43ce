"""The offline nail engines (``ai.local.nails``) as ``local=`` callables for ``ai.services``.

The ``local`` provider runs them when no remote provider is configured or all of them fail, so every design,
estimate and comparison has an answer offline. This is the only module that imports the engines.
"""

from __future__ import annotations

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


def comparator(reference: Image.Image, actual: Image.Image, inspirations: tuple[Image.Image, ...] = ()):
    """``local=`` for compare_images: the offline comparison in the JSON shape a vision model is asked for.

    Its measurements map to the ability dimensions as ``compare_designs`` documents: colour distance →
    color_matching, structure → pattern_precision and detail_work, layout → composition, design complexity
    achieved → technique, difference from the inspirations → creativity. The evidence is the matching
    finding in words."""

    def run() -> dict:
        result = compare_designs(reference, actual, inspirations=inspirations)
        ratio = result.measurements["complexity_ratio"]
        evidence = {
            "color_matching": result.differences["colour"],
            "pattern_precision": result.differences["pattern"],
            "detail_work": result.differences["detail"],
            "composition": result.differences["composition"],
            "technique": f"完成的图案复杂度约为设计的 {ratio * 100:.0f}%（边缘与主色数量）。",
            "creativity": (
                f"按与 {len(inspirations)} 张灵感图的差异评分，照搬灵感图得分低。"
                if inspirations
                else "未使用灵感图，按中性分计。"
            ),
        }
        return {
            "similarity": result.similarity,
            # The API spells the aspect the American way; the engine keeps its own word.
            "differences": {("color" if k == "colour" else k): v for k, v in result.differences.items()},
            "suggestions": result.suggestions,
            "dimension_scores": {
                code: {"score": score, "evidence": evidence.get(code, "")}
                for code, score in result.dimension_scores.items()
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
