"""Time, materials and complexity of a design, from its resolved attributes.

Minutes follow a salon gel manicure: preparation and base/top coats scale with the nail count,
colour work with the number of colours, and each pattern or decoration adds per-nail time on
the nails that carry it. The range is −15 % / +20 % around that sum, rounded to 5 minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .colour import colour_family, parse_hex, to_hex
from .decorations import pearl_count, rhinestone_count
from .render import RenderedDesign, nail_layers
from .spec import DesignPlan, DesignSpec, plan_design
from .vocabulary import COLOUR_ZH

# Minutes per nail for each pattern on top of plain colour (practised technician).
PATTERN_MINUTES = {"solid": 0.0, "gradient": 2.5, "french": 3.0, "dots": 2.5, "stripes": 3.0, "floral": 5.0}
DECORATION_MINUTES = {"glitter": 1.5, "rhinestone": 1.2, "pearl": 1.0}  # glitter per nail, gems/pearls each
_COMPLEXITY_POINTS = {"solid": 0, "gradient": 2, "french": 2, "dots": 2, "stripes": 3, "floral": 4}
_PATTERN_TOOLS = {
    "gradient": "晕染笔/海绵",
    "french": "法式笔",
    "dots": "点珠笔",
    "stripes": "拉线笔",
    "floral": "细节彩绘笔",
}


@dataclass(frozen=True)
class Estimate:
    minutes_min: int
    minutes_max: int
    materials: list[dict[str, str]]
    complexity: str  # low | medium | high
    steps: list[dict[str, object]] = field(default_factory=list)  # (name, minutes) breakdown


def estimate_design(spec: DesignSpec, rendered: RenderedDesign | None = None) -> Estimate:
    """Estimate from the spec; a rendered design supplies the exact palette and decoration counts."""
    plan = plan_design(spec)
    palette = rendered.palette if rendered else [to_hex(c) for c in plan.palette]
    counts = dict(rendered.decoration_counts) if rendered else _decoration_counts(plan)
    return _estimate(plan, palette, counts)


def _decoration_counts(plan: DesignPlan) -> dict[str, int]:
    """What the renderer would place: gems and pearls on accent nails, glitter as described there."""
    accents = _accent_nails(plan)
    plain = plan.pattern == "solid" and plan.accent_pattern is None
    per_nail = {
        "glitter": 1,
        "rhinestone": rhinestone_count(plan.length_ratio),
        "pearl": pearl_count(plan.length_ratio),
    }
    counts = {}
    for name in plan.decorations:
        nails = plan.nail_count if (name == "glitter" and plain) else accents
        counts[name] = per_nail[name] * nails
    return counts


def _accent_nails(plan: DesignPlan) -> int:
    return {1: 1, 5: 1, 10: 2}.get(plan.nail_count, 1)


def _estimate(plan: DesignPlan, palette: list[str], counts: dict[str, int]) -> Estimate:
    n = plan.nail_count
    accents = _accent_nails(plan)
    steps: list[tuple[str, float]] = [
        ("清洁、修型与死皮处理", 4.0 + 1.5 * n),
        ("底胶与固化", 2.0 + 0.5 * n),
        ("上色（两层）与固化", 2.0 + n * (1.2 + 0.4 * max(0, len(palette) - 1))),
    ]
    if plan.length_ratio >= 1.5:
        steps.append(("延长甲片与塑形", 1.5 * n))
    # Accent nails carry their own layers (main + accent pattern); the others the main pattern only.
    accent_layers = nail_layers(plan, accent=True)
    pattern_minutes = PATTERN_MINUTES[plan.pattern] * (n - accents)
    pattern_minutes += accents * sum(PATTERN_MINUTES[p] for p in accent_layers)
    if pattern_minutes:
        steps.append(("图案绘制", pattern_minutes))
    for name, count in counts.items():
        label = {"glitter": "亮片/闪粉", "rhinestone": "贴钻", "pearl": "贴珍珠"}[name]
        steps.append((label, DECORATION_MINUTES[name] * count))
    steps.append(("封层与固化", 2.0 + 0.6 * n))
    total = sum(minutes for _, minutes in steps)
    return Estimate(
        minutes_min=max(5, 5 * math.floor(total * 0.85 / 5)),
        minutes_max=5 * math.ceil(total * 1.2 / 5),
        materials=_materials(plan, palette, counts, accent_layers),
        complexity=_complexity(plan, palette, counts, accent_layers),
        steps=[{"name": name, "minutes": round(minutes, 1)} for name, minutes in steps],
    )


def _materials(
    plan: DesignPlan, palette: list[str], counts: dict[str, int], accent_layers: list[str]
) -> list[dict[str, str]]:
    n = plan.nail_count
    items = [{"name": "底胶", "amount": f"约 {0.03 * n:.2f} ml", "type": "polish"}]
    for i, hex_ in enumerate(palette):
        # The main colour covers every nail in two coats; the others are pattern colours.
        ml = 0.05 * n if i == 0 else 0.02 * n
        rgb = parse_hex(hex_)
        name = COLOUR_ZH[colour_family(rgb)] if rgb else "自定义色"
        items.append({"name": f"甲油胶 {hex_}（{name}）", "amount": f"约 {ml:.2f} ml", "type": "polish"})
    items.append({"name": "免洗封层", "amount": f"约 {0.03 * n:.2f} ml", "type": "polish"})
    if counts.get("glitter"):
        items.append(
            {"name": "亮片/闪粉", "amount": f"约 {0.05 * counts['glitter']:.2f} g", "type": "decoration"}
        )
    if counts.get("rhinestone"):
        items.append({"name": "水钻", "amount": f"{counts['rhinestone']} 颗", "type": "decoration"})
        items.append({"name": "钻胶", "amount": "少量", "type": "polish"})
    if counts.get("pearl"):
        items.append({"name": "珍珠饰品", "amount": f"{counts['pearl']} 颗", "type": "decoration"})
    tools = ["UV/LED 美甲灯", "甲锉与抛光条", "死皮推"]
    for pattern in dict.fromkeys([plan.pattern, *accent_layers]):
        if pattern in _PATTERN_TOOLS:
            tools.append(_PATTERN_TOOLS[pattern])
    if counts.get("rhinestone") or counts.get("pearl"):
        tools.append("镊子/点钻笔")
    items += [{"name": tool, "amount": "1 件", "type": "tool"} for tool in tools]
    if plan.length_ratio >= 1.5:
        items.append({"name": "延长甲片", "amount": f"{n} 片", "type": "tool"})
    return items


def _complexity(
    plan: DesignPlan, palette: list[str], counts: dict[str, int], accent_layers: list[str]
) -> str:
    points = _COMPLEXITY_POINTS[plan.pattern] + max(0, len(palette) - 2)
    points += sum(_COMPLEXITY_POINTS[p] for p in accent_layers if p != plan.pattern) // 2
    points += len([c for c in counts.values() if c]) * 2
    points += 1 if plan.nail_count == 10 else 0
    points += 1 if plan.shape in ("stiletto", "coffin") or plan.length_ratio >= 1.5 else 0
    if points <= 2:
        return "low"
    return "medium" if points <= 5 else "high"
