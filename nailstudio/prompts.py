"""The text sent to image and vision models for designs, estimates and comparisons.

Prohibitions are hard constraints: every prohibited term is removed from the positive part of a generation
prompt (styles, the artist's own words, inspiration tags) and listed once, after ``NEGATIVE_HEADER``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

NEGATIVE_HEADER = "严格禁止 (must NOT appear):"
# Part of every design cache key: bump it when the prompt builder or the offline renderer changes what is drawn.
DESIGN_PROMPT_VERSION = "nail-design-2026.12-v1"

SHAPES_ZH = {
    "almond": "杏仁形 almond",
    "square": "方形 square",
    "oval": "椭圆形 oval",
    "round": "圆形 round",
    "squoval": "方圆形 squoval",
    "coffin": "芭蕾形 coffin",
    "stiletto": "尖形 stiletto",
}
SIZES_ZH = {
    "small": "小甲床 small nail beds",
    "medium": "中等甲床 medium nail beds",
    "large": "大甲床 large nail beds",
}
TARGETS_ZH = {
    "single": "单个指甲特写 a close-up of a single nail",
    "5nails": "一只手五个指甲 one hand with five nails",
    "10nails": "双手十个指甲 both hands with ten nails",
}


@dataclass(frozen=True)
class DesignBrief:
    """Everything a design prompt is built from, already resolved from the customer's profile."""

    shape: str
    nail_size: str
    target: str
    colours: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    prohibitions: tuple[str, ...] = ()
    custom_prompt: str = ""
    inspiration_tags: tuple[str, ...] = ()
    inspiration_count: int = 0
    refinements: tuple[str, ...] = ()  # refinement instructions of the version chain, oldest first
    nail_condition: str = ""


def _pattern(term: str) -> re.Pattern:
    # English words match whole (plural too), so "red" never eats "bordered"; Chinese terms match anywhere.
    if term.isascii():
        return re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}(?:e?s)?(?![A-Za-z0-9])", re.IGNORECASE)
    return re.compile(re.escape(term), re.IGNORECASE)


def _clean(terms: tuple[str, ...]) -> list[str]:
    return sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)


def without_terms(text: str, terms: tuple[str, ...]) -> str:
    """``text`` with every occurrence of every term removed, separators and whitespace tidied."""
    for term in _clean(terms):
        text = _pattern(term).sub(" ", text)
    text = re.sub(r"\s*([,，;；、])(\s*[,，;；、])+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip(" ,，;；、")


def mentions(text: str, terms: tuple[str, ...]) -> bool:
    return any(_pattern(term).search(text) for term in _clean(terms))


def design_prompt(brief: DesignBrief) -> str:
    banned = tuple(dict.fromkeys(p.strip() for p in brief.prohibitions if p.strip()))
    styles = [s for s in brief.styles if not mentions(s, banned)]
    tags = [t for t in brief.inspiration_tags if not mentions(t, banned)]
    lines = [
        "美甲设计效果图，真实照片质感，干净浅色背景。Photorealistic nail art design, clean light background.",
        f"展示 Show: {TARGETS_ZH.get(brief.target, TARGETS_ZH['5nails'])}.",
        f"甲形 Shape: {SHAPES_ZH.get(brief.shape, brief.shape)}; {SIZES_ZH.get(brief.nail_size, brief.nail_size)}.",
    ]
    if brief.colours:
        lines.append(f"主色 Colours: {', '.join(brief.colours)}.")
    if styles:
        lines.append(f"风格 Styles: {', '.join(styles)}.")
    if brief.inspiration_count:
        tag_text = f" ({', '.join(tags)})" if tags else ""
        lines.append(f"参考图的配色与元素 Follow the reference images{tag_text}.")
    custom = without_terms(brief.custom_prompt, banned)
    if custom:
        lines.append(f"要求 Request: {custom}")
    for step, instruction in enumerate(brief.refinements, start=1):
        cleaned = without_terms(instruction, banned)
        if cleaned:
            lines.append(f"修改 {step} Change: {cleaned}")
    condition = without_terms(brief.nail_condition, banned)
    if condition:
        lines.append(f"指甲状况 Nail condition: {condition}; 设计需适合 keep the design suitable.")
    if banned:
        lines.append(f"{NEGATIVE_HEADER} {'; '.join(banned)}.")
    return "\n".join(lines)


def positive_part(prompt: str) -> str:
    """The prompt without its negative constraints (what must never mention a prohibited element)."""
    return prompt.split(NEGATIVE_HEADER, 1)[0]


ESTIMATE_INSTRUCTION = (
    "这是一张美甲设计图。估计一位熟练美甲师完成它所需的时间、材料和复杂度。"
    "Estimate the time, materials and complexity for a practised nail technician to do this design. "
    'Answer JSON: {"duration_min": <minutes>, "duration_max": <minutes>, '
    '"materials": [{"name": "<中文名称>", "amount": "<用量>", "type": "polish|decoration|tool"}], '
    '"complexity": "low|medium|high", "notes": "<中文说明>"}'
)


def compare_instruction(dimensions: Sequence) -> str:
    """The comparison question, asking for a score and its evidence on each of ``dimensions`` (the active
    ability dimensions: objects with ``code``, ``name`` and ``description``, the scoring rubric)."""
    rubric = "".join(f"\n- {d.code}（{d.name}）：{d.description}" for d in dimensions)
    scores = ", ".join(f'"{d.code}": {{"score": <0-100>, "evidence": "<中文依据>"}}' for d in dimensions)
    return (
        "第一张是美甲设计图，第二张是完成后的实拍照片。比较完成效果与设计的相似程度，"
        "并按下列能力维度为完成效果打分（0-100），每项写出你在照片中看到的依据。"
        "The first image is the nail design, the second a photo of the finished nails: how closely does the "
        "result match the design? Also score the finished work 0-100 on each ability dimension below, with the "
        f"evidence you see for the score.{rubric}\nAnswer JSON: "
        '{"similarity": <0-100>, "differences": {"color": "<中文>", "pattern": "<中文>", "detail": "<中文>", '
        f'"composition": "<中文>"}}, "suggestions": ["<中文建议>"], "dimension_scores": {{{scores}}}}}'
    )
