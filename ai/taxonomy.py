"""The photo taxonomy shared by every classifier (remote prompts, local rules, the API)."""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    description: str
    # Other words models answer with for this category (besides the code and both names).
    aliases: tuple[str, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category(
        "social_activities",
        "社交活动",
        "Social activities",
        "两人及以上的聚会、合影、活动现场",
        ("social", "social activity", "group photo", "合影", "聚会"),
    ),
    Category("pets", "宠物", "Pets", "猫、狗等宠物或小动物", ("pet", "animal", "animals", "动物")),
    Category(
        "single_person",
        "单人照",
        "Single person",
        "以一个人为主体的照片、自拍",
        ("portrait", "selfie", "单人", "自拍"),
    ),
    Category("foods", "美食", "Food", "菜肴、饮品、甜点等食物", ("food & drink", "食物", "饮品")),
    Category(
        "travel_scenery",
        "旅行风景",
        "Travel & scenery",
        "自然风光、城市景观、名胜古迹",
        ("travel", "scenery", "landscape", "travel and scenery", "风景", "旅行", "风光"),
    ),
    Category(
        "screenshot", "截图", "Screenshot", "手机或电脑屏幕截图", ("screenshots", "screen shot", "屏幕截图")
    ),
    Category(
        "idcard",
        "证件",
        "ID document",
        "身份证、护照、驾驶证等证件",
        ("id card", "id", "identity document", "document", "passport", "证件照", "身份证", "护照"),
    ),
    Category("other", "其他", "Other", "不属于以上类别", ("others", "其它")),
)
CODES: frozenset[str] = frozenset(c.code for c in CATEGORIES)
BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}

_NOT_LETTERS = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """Case, width, spacing and punctuation do not matter: "Travel & Scenery" = "travel_scenery" = "ＰＥＴＳ"."""  # noqa: RUF002 - full-width on purpose
    return _NOT_LETTERS.sub("", unicodedata.normalize("NFKC", text).casefold().replace("&", "and"))


_BY_KEY: dict[str, str] = {
    _key(name): c.code for c in CATEGORIES for name in (c.code, c.name_zh, c.name_en, *c.aliases)
}


def code_for(value: object) -> str | None:
    """The category code a model meant by ``value`` (a code, a Chinese or English name, an alias), or None."""
    return _BY_KEY.get(_key(value)) if isinstance(value, str) else None
