"""ImageNet-1k class groups used by the photo rules, and short Chinese names for descriptions.

Indices are the standard ILSVRC-2012 order (names in ``ai/local/models/imagenet_classes.json``).
"""

from __future__ import annotations


def _span(first: int, last: int) -> frozenset[int]:
    return frozenset(range(first, last + 1))


DOGS = _span(151, 268)
CATS = _span(281, 285)
# Animals people keep at home besides dogs and cats: goldfish, parrots, turtles, rabbits (ImageNet's hare
# too: a pet rabbit often scores as one), hamster, guinea pig, ferret (ImageNet's black-footed ferret).
SMALL_PETS = frozenset({1, 87, 88, 89, 90, 35, 36, 37, 330, 331, 332, 333, 338, 359})
# ImageNet's dingo: a yellow, short-haired house dog scores as one (0.98 on a pet photo of the tuning part).
PETS = DOGS | CATS | SMALL_PETS | {273}
# ImageNet's animals (0–397) that nobody keeps at home: foxes, big cats, birds, insects, sea life…
WILD_ANIMALS = _span(0, 397) - PETS

# Dishes, produce (also corn, outside the food span), drinks and the tableware/kitchen scenes they are
# photographed in.
FOOD = _span(924, 969) - {958} | frozenset(
    {987, 923, 809, 659, 567, 909, 544, 521, 849, 504, 441, 907, 572, 440, 762, 415, 467, 582, 532, 868, 618, 928}
)  # fmt: skip
# Tableware and drink containers: a photo of them alone (empty cups, glasses, plates) is not food, so they
# count towards ``foods`` only as far as dishes, produce or drinks are seen too (classifier._group_masses).
# A dining table is a room's furniture as often as a meal's setting (tuning part: three rooms, no dish).
TABLEWARE = frozenset({968, 504, 441, 572, 907, 440, 923, 809, 659, 849, 567, 909, 544, 521, 868, 532}) & FOOD
# Natural scenery and landmarks / townscapes typical of travel photos.
SCENERY = _span(970, 980) - {971} | frozenset(
    {
        698, 663, 497, 668, 483, 442, 538, 832, 873, 682, 649, 718, 839, 821, 888, 449, 460, 525,
        500, 562, 727, 437, 576, 900, 672, 703, 472, 693, 984, 484, 628, 913, 914, 724, 780, 871, 536, 858, 825, 912,
    }
)  # fmt: skip
# Someone is in the picture: clothes, uniforms, gowns, ties, a ballplayer, a groom, a stage. They say a
# person is there, not how many: a close-up in a suit scores as high as a choir (classifier._decide uses
# them only to confirm small faces).
PEOPLE = frozenset(
    {399, 400, 411, 439, 445, 452, 457, 459, 474, 501, 515, 568, 578, 601, 608, 610, 614, 617, 638, 639, 652, 655,
     689, 697, 735, 775, 808, 834, 841, 869, 906, 981, 982, 983, 819}
)  # fmt: skip
# ImageNet's "web site": a screen capture of a page or an app (classifier._decide, without camera EXIF).
WEB_PAGE = frozenset({916})
# Screens and paper: classes that suggest text is worth looking for.
TEXTY = frozenset(
    {916, 917, 918, 921, 922, 549, 446, 664, 782, 620, 681, 605, 487, 590, 851, 893, 692, 709, 453}
)

GROUP_ZH = {"dog": "狗", "cat": "猫", "pet": "宠物", "food": "食物", "scenery": "风景"}

ZH: dict[int, str] = {
    1: "金鱼", 35: "乌龟", 36: "乌龟", 37: "乌龟", 87: "鹦鹉", 88: "金刚鹦鹉", 89: "凤头鹦鹉", 90: "鹦鹉",
    330: "兔子", 331: "兔子", 332: "安哥拉兔", 333: "仓鼠", 338: "豚鼠", 359: "雪貂", 987: "玉米",
    281: "虎斑猫", 282: "虎斑猫", 283: "波斯猫", 284: "暹罗猫", 285: "埃及猫",
    151: "吉娃娃", 207: "金毛寻回犬", 208: "拉布拉多犬", 231: "柯利牧羊犬", 235: "德国牧羊犬",
    254: "巴哥犬", 259: "博美犬", 263: "柯基犬", 258: "萨摩耶", 250: "哈士奇", 248: "爱斯基摩犬",
    154: "京巴犬", 155: "西施犬", 152: "日本狆", 265: "玩具贵宾犬", 267: "标准贵宾犬",
    923: "餐盘", 924: "牛油果酱", 925: "清汤", 926: "火锅", 927: "甜点", 928: "冰淇淋", 929: "冰棒",
    930: "法棍面包", 931: "百吉饼", 932: "椒盐卷饼", 933: "芝士汉堡", 934: "热狗", 935: "土豆泥",
    936: "卷心菜", 937: "西兰花", 938: "花椰菜", 939: "西葫芦", 940: "南瓜", 941: "南瓜", 942: "南瓜",
    943: "黄瓜", 944: "洋蓟", 945: "甜椒", 946: "刺菜蓟", 947: "蘑菇", 948: "青苹果", 949: "草莓",
    950: "橙子", 951: "柠檬", 952: "无花果", 953: "菠萝", 954: "香蕉", 955: "菠萝蜜", 956: "番荔枝",
    957: "石榴", 959: "意大利面", 960: "巧克力酱", 961: "面团", 962: "肉卷", 963: "披萨", 964: "肉馅饼",
    965: "墨西哥卷饼", 966: "红酒", 967: "浓缩咖啡", 968: "茶杯", 969: "蛋酒",
    809: "汤碗", 659: "碗", 567: "煎锅", 909: "炒锅", 544: "铸铁锅", 521: "慢炖锅", 849: "茶壶",
    504: "咖啡杯", 441: "啤酒杯", 907: "酒瓶", 572: "高脚杯", 440: "啤酒瓶", 762: "餐厅", 415: "面包店",
    467: "肉店", 582: "杂货店", 532: "餐桌", 868: "托盘",
    970: "高山", 972: "悬崖", 973: "珊瑚礁", 974: "间歇泉", 975: "湖畔", 976: "海岬", 977: "沙洲",
    978: "海滩", 979: "山谷", 980: "火山", 698: "宫殿", 663: "修道院", 497: "教堂", 668: "清真寺",
    483: "城堡", 442: "钟楼", 538: "穹顶", 832: "佛塔", 873: "凯旋门", 682: "方尖碑", 649: "巨石",
    718: "码头", 839: "悬索桥", 821: "拱桥", 888: "高架桥", 449: "船屋", 460: "防波堤", 525: "大坝",
    562: "喷泉", 437: "灯塔", 576: "贡多拉", 914: "帆船", 913: "沉船",
    916: "网页", 917: "漫画书", 918: "填字游戏", 921: "书封", 922: "菜单", 549: "信封", 664: "显示器",
    620: "笔记本电脑", 681: "笔记本电脑", 487: "手机", 893: "钱包", 446: "活页夹", 453: "书柜",
    834: "西装", 400: "学位服", 617: "白大褂", 981: "棒球运动员", 982: "新郎", 983: "潜水员",
    985: "雏菊", 984: "油菜花", 321: "蝴蝶", 323: "蝴蝶", 326: "蝴蝶", 22: "白头鹰", 335: "松鼠",
    339: "马", 603: "马车", 670: "摩托车", 665: "轻便摩托车", 817: "跑车", 511: "敞篷车", 436: "旅行车",
    657: "导弹", 812: "航天飞机", 908: "机翼", 404: "客机", 417: "气球", 879: "雨伞", 671: "山地自行车",
    444: "双人自行车", 870: "三轮车", 779: "校车", 874: "无轨电车", 829: "有轨电车", 466: "高速列车",
}  # fmt: skip


def zh_name(index: int) -> str | None:
    """Chinese name of an ImageNet class when known, or its group's name, else None."""
    if index in ZH:
        return ZH[index]
    if index in DOGS:
        return GROUP_ZH["dog"]
    if index in CATS:
        return GROUP_ZH["cat"]
    if index in FOOD:
        return GROUP_ZH["food"]
    if index in SCENERY:
        return GROUP_ZH["scenery"]
    return None
