"""The photo taxonomy shared by every classifier (remote prompts, local rules, the API)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    description: str


CATEGORIES: tuple[Category, ...] = (
    Category("social_activities", "社交活动", "Social activities", "两人及以上的聚会、合影、活动现场"),
    Category("pets", "宠物", "Pets", "猫、狗等宠物或小动物"),
    Category("single_person", "单人照", "Single person", "以一个人为主体的照片、自拍"),
    Category("foods", "美食", "Food", "菜肴、饮品、甜点等食物"),
    Category("travel_scenery", "旅行风景", "Travel & scenery", "自然风光、城市景观、名胜古迹"),
    Category("screenshot", "截图", "Screenshot", "手机或电脑屏幕截图"),
    Category("idcard", "证件", "ID document", "身份证、护照、驾驶证等证件"),
    Category("other", "其他", "Other", "不属于以上类别"),
)
CODES: frozenset[str] = frozenset(c.code for c in CATEGORIES)
BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
