"""Words artists type (Chinese or English) mapped to canonical design tokens.

A token is (kind, value): kind is one of pattern, decoration, colour, shape, length, negation.
Text is scanned left to right taking the longest vocabulary entry at each position, so compound
words win over their parts (闪粉 is glitter, not 粉 pink; 酒红 is burgundy, not 红 red).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERNS = ("solid", "gradient", "french", "dots", "stripes", "floral")
DECORATIONS = ("glitter", "rhinestone", "pearl")

_PATTERN_WORDS = {
    "solid": ("纯色", "素色", "单色", "solid", "plain"),
    "gradient": ("渐变", "晕染", "腮红", "ombre", "ombré", "gradient", "blush"),
    "french": ("法式", "微笑线", "french", "french tip", "french tips"),
    "dots": ("波点", "圆点", "点点", "dots", "dot", "polka", "polka dots", "polka dot", "dotted"),
    "stripes": ("条纹", "线条", "竖条", "横条", "stripes", "stripe", "striped", "lines"),
    "floral": (
        "花",
        "花朵",
        "小花",
        "碎花",
        "雏菊",
        "樱花",
        "花卉",
        "floral",
        "flower",
        "flowers",
        "daisy",
        "sakura",
    ),
}
_DECORATION_WORDS = {
    "glitter": (
        "亮片",
        "闪粉",
        "亮粉",
        "闪片",
        "闪",
        "glitter",
        "sparkle",
        "sparkles",
        "shimmer",
        "sequin",
        "sequins",
    ),
    "rhinestone": (
        "钻",
        "水钻",
        "钻饰",
        "贴钻",
        "rhinestone",
        "rhinestones",
        "crystal",
        "crystals",
        "diamond",
        "diamonds",
        "gem",
        "gems",
    ),
    "pearl": ("珍珠", "pearl", "pearls"),
}
_SHAPE_WORDS = {
    "almond": ("杏仁", "杏仁形", "almond"),
    "square": ("方形", "方甲", "方头", "square"),
    "oval": ("椭圆", "椭圆形", "oval"),
    "round": ("圆形", "圆头", "圆甲", "round"),
    "squoval": ("方圆", "方圆形", "squoval", "squared oval"),
    "coffin": ("棺材", "芭蕾", "梯形", "coffin", "ballerina"),
    "stiletto": ("尖形", "尖头", "尖甲", "stiletto", "pointed"),
}
_LENGTH_WORDS = {
    "long": ("长甲", "长指甲", "长款", "加长", "延长", "长", "long", "long nails", "long nail", "extensions"),
    "short": ("短甲", "短指甲", "短款", "短", "short", "short nails"),
}
_NEGATION_WORDS = (
    "不要",
    "不想要",
    "别",
    "不用",
    "避免",
    "禁止",
    "去掉",
    "去除",
    "拿掉",
    "不加",
    "不含",
    "不带",
    "无",
    "忌",
    "no",
    "not",
    "without",
    "avoid",
    "remove",
    "don't",
    "dont",
    "never",
)

# Named colours: (canonical name, Chinese name, hex, words). The hex is the polish shade used when
# the word appears in a prompt; the name is also the colour *family* used for prohibitions.
COLOUR_NAMES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("red", "红色", "#C8102E", ("红", "大红", "正红", "red")),
    ("burgundy", "酒红", "#7B1E2B", ("酒红", "枣红", "勃艮第", "burgundy", "wine", "maroon")),
    ("pink", "粉色", "#F4A6B8", ("粉", "粉色", "粉红", "樱花粉", "pink", "rose")),
    ("nude", "裸色", "#E8C4B0", ("裸", "裸色", "肉色", "奶茶", "nude", "beige", "skin")),
    ("orange", "橙色", "#F28C38", ("橙", "橘", "orange", "coral")),
    ("yellow", "黄色", "#F6D55C", ("黄", "柠檬黄", "yellow", "lemon")),
    ("green", "绿色", "#3E9E6A", ("绿", "墨绿", "green", "emerald")),
    ("mint", "薄荷绿", "#A8E6CF", ("薄荷", "薄荷绿", "mint")),
    ("blue", "蓝色", "#2F6FD6", ("蓝", "宝蓝", "blue", "cobalt")),
    ("skyblue", "天蓝", "#8EC9F0", ("天蓝", "浅蓝", "雾霾蓝", "sky blue", "baby blue", "light blue")),
    ("navy", "藏青", "#1F2A5A", ("藏青", "藏蓝", "深蓝", "navy")),
    ("purple", "紫色", "#8E5CC2", ("紫", "紫色", "purple", "violet")),
    ("lavender", "香芋紫", "#C7B3E5", ("香芋", "香芋紫", "浅紫", "lavender", "lilac")),
    ("white", "白色", "#FAFAF7", ("白", "奶白", "white", "milky")),
    ("black", "黑色", "#141414", ("黑", "black")),
    ("gold", "金色", "#D4AF37", ("金", "金色", "gold", "golden")),
    ("silver", "银色", "#C0C0C8", ("银", "银色", "silver", "chrome")),
    ("grey", "灰色", "#9A9A9E", ("灰", "grey", "gray")),
    ("brown", "棕色", "#7A4E2D", ("棕", "咖啡", "焦糖", "brown", "caramel", "coffee brown")),
)
COLOUR_HEX = {name: hex_ for name, _zh, hex_, _words in COLOUR_NAMES}
COLOUR_ZH = {name: zh for name, zh, _hex, _words in COLOUR_NAMES}


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    negated: bool = False


def _build_table() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for kind, groups in (
        ("pattern", _PATTERN_WORDS),
        ("decoration", _DECORATION_WORDS),
        ("shape", _SHAPE_WORDS),
        ("length", _LENGTH_WORDS),
    ):
        for value, words in groups.items():
            for word in words:
                table[word.lower()] = (kind, value)
    for name, _zh, _hex, words in COLOUR_NAMES:
        for word in words:
            table[word.lower()] = ("colour", name)
    for word in _NEGATION_WORDS:
        table[word] = ("negation", "")
    return table


_TABLE = _build_table()
_KEYS_BY_LENGTH = sorted(_TABLE, key=len, reverse=True)
_CLAUSE_SPLIT = re.compile(r"[,，。.;；!！?？\n]|\bbut\b|但是|但|不过|然后|改成|换成|instead")


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "'")


def scan(text: str) -> list[tuple[str, str]]:
    """Vocabulary hits in order; English words must stand alone, Chinese ones match anywhere."""
    text = text.lower()
    hits: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        for key in _KEYS_BY_LENGTH:
            if not text.startswith(key, i):
                continue
            end = i + len(key)
            if key[0].isascii() and (
                (i > 0 and _is_word_char(text[i - 1])) or (end < len(text) and _is_word_char(text[end]))
            ):
                continue
            hits.append(_TABLE[key])
            i = end
            break
        else:
            i += 1
    return hits


def tokens(text: str) -> list[Token]:
    """Tokens of a free-text prompt; words after a negation within the same clause are negated."""
    out: list[Token] = []
    for clause in _CLAUSE_SPLIT.split(text):
        negated = False
        for kind, value in scan(clause):
            if kind == "negation":
                negated = True
                continue
            out.append(Token(kind, value, negated))
    return out


def word_tokens(words: tuple[str, ...]) -> list[Token]:
    """Tokens of a list of free words (styles or prohibitions): negation words carry no meaning here."""
    return [Token(kind, value) for word in words for kind, value in scan(word) if kind != "negation"]
