"""Synthetic identity documents for the evaluation set: every common kind, fake names and numbers.

Each maker draws one document (card or passport page) with Pillow: ``make(kind, rng, fonts, portrait)``.
Kinds: Chinese ID front/back, passport data page (TD3 MRZ with valid check digits), driving licence,
foreign permanent residence card, Hong Kong / Macau / Taiwan identity cards, Home Return Permit (TD1 MRZ),
student card, social security card. The data is invented; numbers follow the real formats.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

CARD = (856, 540)  # ID-1 card, 85.6 x 54 mm at 10 px/mm
PASSPORT_PAGE = (1250, 880)  # ID-3 page, 125 x 88 mm


@dataclass(frozen=True)
class Fonts:
    path: str

    def __call__(self, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(self.path, size)


# -- MRZ (ICAO 9303) ----------------------------------------------------------------------------------------


def check_digit(field: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 over digits, letters A=10.., filler < = 0."""
    total = 0
    for i, ch in enumerate(field):
        value = int(ch) if ch.isdigit() else (ord(ch) - 55 if ch.isalpha() else 0)
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def td3_lines(surname: str, given: str, number: str, birth: str, sex: str, expiry: str) -> tuple[str, str]:
    """The two 44-character lines of a passport data page (type P, China)."""
    names = f"{surname}<<{given.replace(' ', '<')}"
    line1 = f"P<CHN{names}".ljust(44, "<")[:44]
    number = number.ljust(9, "<")
    personal = "<" * 14
    parts = [
        number + check_digit(number),
        "CHN",
        birth + check_digit(birth),
        sex,
        expiry + check_digit(expiry),
        personal + check_digit(personal),
    ]
    composite = parts[0] + parts[2] + parts[4] + parts[5]
    line2 = "".join(parts) + check_digit(composite)
    return line1, line2


def td1_lines(code: str, number: str, birth: str, sex: str, expiry: str, name: str) -> tuple[str, str, str]:
    """The three 30-character lines of an ID-1 travel card (e.g. a Home Return Permit)."""
    number = number.ljust(9, "<")
    line1 = f"{code}CHN{number}{check_digit(number)}".ljust(30, "<")
    line2 = f"{birth}{check_digit(birth)}{sex}{expiry}{check_digit(expiry)}CHN".ljust(29, "<")
    upper = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += check_digit(upper)
    line3 = name.replace(" ", "<").ljust(30, "<")[:30]
    return line1, line2, line3


# -- fake data ----------------------------------------------------------------------------------------------

SURNAMES = [("张", "ZHANG"), ("李", "LI"), ("王", "WANG"), ("陈", "CHEN"), ("刘", "LIU"), ("杨", "YANG")]
GIVEN = [
    ("伟", "WEI"),
    ("芳", "FANG"),
    ("静", "JING"),
    ("磊", "LEI"),
    ("晓明", "XIAO MING"),
    ("丽华", "LI HUA"),
]
PLACES = [
    "北京市东城区示例路 1 号",
    "上海市浦东新区样例大道 88 号",
    "广州市天河区测试街 12 号",
    "成都市武侯区演示巷 6 号",
]


def id_number(rng: random.Random, region: str = "110101") -> str:
    """An 18-digit resident ID number with a valid ISO 7064 MOD 11-2 check character."""
    body = f"{region}{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def person(rng: random.Random) -> dict[str, str]:
    (s_zh, s_en), (g_zh, g_en) = rng.choice(SURNAMES), rng.choice(GIVEN)
    year, month, day = rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28)
    return {
        "zh": s_zh + g_zh,
        "surname": s_en,
        "given": g_en,
        "sex_zh": rng.choice("男女"),
        "birth": f"{year}年{month}月{day}日",
        "birth_iso": f"{year}-{month:02d}-{day:02d}",
        "yymmdd": f"{year % 100:02d}{month:02d}{day:02d}",
        "address": rng.choice(PLACES),
        "id": id_number(rng),
    }


# -- drawing ------------------------------------------------------------------------------------------------


def background(size: tuple[int, int], tint: tuple[int, int, int], rng: random.Random) -> Image.Image:
    """A tinted card with faint guilloche-like arcs and a lighter band, as on printed security paper."""
    card = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(card)
    shade = tuple(max(0, c - rng.randint(12, 24)) for c in tint)
    for _ in range(70):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        rx, ry = rng.randint(80, 260), rng.randint(50, 160)
        draw.arc((x0 - rx, y0 - ry, x0 + rx, y0 + ry), 0, rng.randint(180, 340), fill=shade)
    return card


def paste_portrait(card: Image.Image, portrait: Image.Image, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    card.paste(portrait.resize((x1 - x0, y1 - y0), Image.LANCZOS), (x0, y0))


def rows(draw: ImageDraw.ImageDraw, fonts: Fonts, start: tuple[int, int], items, step: int, label_w: int):
    x, y = start
    for label, value in items:
        draw.text((x, y), label, font=fonts(24), fill=(70, 100, 150))
        draw.text((x + label_w, y - 3), value, font=fonts(28), fill=(25, 25, 25))
        y += step


def id_front(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (232, 238, 240), rng)
    d = ImageDraw.Draw(card)
    d.text((50, 50), "姓名", font=fonts(26), fill=(60, 110, 160))
    d.text((140, 46), p["zh"], font=fonts(32), fill=(20, 20, 20))
    d.text((50, 120), "性别", font=fonts(26), fill=(60, 110, 160))
    d.text((140, 116), f"{p['sex_zh']}      民族  汉", font=fonts(30), fill=(20, 20, 20))
    d.text((50, 190), "出生", font=fonts(26), fill=(60, 110, 160))
    d.text((140, 186), p["birth"], font=fonts(30), fill=(20, 20, 20))
    d.text((50, 260), "住址", font=fonts(26), fill=(60, 110, 160))
    d.text((140, 256), p["address"][:12], font=fonts(30), fill=(20, 20, 20))
    d.text((140, 300), p["address"][12:], font=fonts(30), fill=(20, 20, 20))
    d.text((50, 440), "公民身份号码", font=fonts(26), fill=(60, 110, 160))
    d.text((240, 436), p["id"], font=fonts(36), fill=(20, 20, 20))
    paste_portrait(card, portrait, (580, 60, 810, 340))
    return card


def id_back(rng, fonts, portrait):
    card = background(CARD, (236, 232, 226), rng)
    d = ImageDraw.Draw(card)
    d.ellipse((60, 50, 200, 190), outline=(200, 40, 40), width=8)
    d.text((260, 80), "中华人民共和国", font=fonts(56), fill=(30, 30, 30))
    d.text((300, 170), "居民身份证", font=fonts(70), fill=(30, 30, 30))
    d.text((120, 360), "签发机关", font=fonts(28), fill=(30, 30, 30))
    d.text((280, 356), "某市公安局示例分局", font=fonts(30), fill=(30, 30, 30))
    start = rng.randint(2012, 2022)
    d.text((120, 430), "有效期限", font=fonts(28), fill=(30, 30, 30))
    d.text((280, 426), f"{start}.03.15-{start + 20}.03.15", font=fonts(30), fill=(30, 30, 30))
    return card


def passport_page(rng, fonts, portrait):
    p = person(rng)
    page = background(PASSPORT_PAGE, (226, 236, 228), rng)
    d = ImageDraw.Draw(page)
    d.text((60, 40), "中华人民共和国  护照", font=fonts(40), fill=(40, 40, 40))
    d.text((60, 95), "PEOPLE'S REPUBLIC OF CHINA   PASSPORT", font=fonts(30), fill=(40, 40, 40))
    paste_portrait(page, portrait, (60, 170, 360, 550))
    number = f"E{rng.randint(10_000_000, 99_999_999)}"
    expiry = f"{rng.randint(27, 35)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    sex = "M" if p["sex_zh"] == "男" else "F"
    fields = [
        ("类型/Type  P", "国家码/Country Code  CHN"),
        ("姓/Surname", p["surname"]),
        ("名/Given names", p["given"]),
        (f"性别/Sex  {sex}", f"出生日期/Date of birth  {p['birth_iso']}"),
        ("签发日期/Date of issue", f"有效期至/Date of expiry  20{expiry[:2]}"),
    ]
    for i, (a, b) in enumerate(fields):
        d.text((400, 180 + i * 75), a, font=fonts(26), fill=(30, 30, 30))
        d.text((760, 180 + i * 75), b, font=fonts(26), fill=(30, 30, 30))
    mrz = ImageFont.truetype("DejaVuSansMono.ttf", 34)
    for i, line in enumerate(td3_lines(p["surname"], p["given"], number, p["yymmdd"], sex, expiry)):
        d.text((40, 700 + i * 70), line, font=mrz, fill=(10, 10, 10))
    return page


def driving_licence(rng, fonts, portrait):
    p = person(rng)
    card = background((880, 600), (238, 240, 236), rng)
    d = ImageDraw.Draw(card)
    d.text((90, 30), "中华人民共和国机动车驾驶证", font=fonts(44), fill=(20, 20, 60))
    d.text((150, 90), "Driving License of the People's Republic of China", font=fonts(22), fill=(20, 20, 60))
    items = [
        ("证号", p["id"]),
        ("姓名 Name", p["zh"]),
        (f"性别 Sex  {p['sex_zh']}", "国籍 Nationality  中国"),
        ("住址 Address", p["address"][:14]),
        ("出生日期 Date of Birth", p["birth_iso"]),
        ("准驾车型 Class", rng.choice(["C1", "C2", "B1", "A2"])),
        ("有效期限 Valid Period", "2020-01-01 至 2030-01-01"),
    ]
    rows(d, fonts, (40, 150), items, 60, 290)
    paste_portrait(card, portrait, (670, 170, 850, 400))
    return card


def residence_permit(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (236, 226, 214), rng)
    d = ImageDraw.Draw(card)
    d.text((40, 28), "中华人民共和国外国人永久居留身份证", font=fonts(34), fill=(120, 60, 20))
    d.text((40, 74), "Foreign Permanent Resident ID Card", font=fonts(24), fill=(120, 60, 20))
    items = [
        ("姓名/Name", f"{p['surname']}, {p['given']}"),
        ("性别/Sex", p["sex_zh"]),
        ("出生日期/Date of Birth", p["birth_iso"]),
        ("国籍/Nationality", "CAN"),
        ("有效期限/Period of Validity", "2023.05.01-2033.05.01"),
    ]
    rows(d, fonts, (40, 140), items, 58, 300)
    d.text((40, 450), "证件号码/Card No.", font=fonts(24), fill=(70, 100, 150))
    d.text((280, 446), f"9{rng.randint(10**16, 10**17 - 1)}", font=fonts(32), fill=(25, 25, 25))
    paste_portrait(card, portrait, (620, 130, 820, 380))
    return card


def hongkong_id(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (214, 228, 236), rng)
    d = ImageDraw.Draw(card)
    d.text((40, 26), "香港永久性居民身份證", font=fonts(40), fill=(40, 40, 90))
    d.text((40, 80), "HONG KONG PERMANENT IDENTITY CARD", font=fonts(28), fill=(40, 40, 90))
    d.text((330, 150), p["zh"], font=fonts(36), fill=(20, 20, 20))
    d.text((330, 200), f"{p['surname']}, {p['given']}", font=fonts(28), fill=(20, 20, 20))
    d.text((330, 260), "出生日期 Date of Birth", font=fonts(22), fill=(70, 100, 150))
    d.text((330, 290), p["birth_iso"].replace("-", "-"), font=fonts(28), fill=(20, 20, 20))
    d.text((330, 340), "性別 Sex   ***AZ", font=fonts(24), fill=(20, 20, 20))
    d.text((330, 380), "簽發日期 Date of Issue  (01-18) 15-06-20", font=fonts(22), fill=(20, 20, 20))
    letter = rng.choice("ACEGKPRZ")
    d.text(
        (500, 460),
        f"{letter}{rng.randint(100000, 999999)}({rng.randint(0, 9)})",
        font=fonts(40),
        fill=(20, 20, 20),
    )
    paste_portrait(card, portrait, (40, 140, 290, 450))
    return card


def macau_id(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (228, 236, 222), rng)
    d = ImageDraw.Draw(card)
    d.text((40, 24), "澳門特別行政區永久性居民身份證", font=fonts(36), fill=(30, 80, 50))
    d.text((40, 72), "BILHETE DE IDENTIDADE DE RESIDENTE PERMANENTE", font=fonts(20), fill=(30, 80, 50))
    items = [
        ("姓名/Nome", p["zh"]),
        ("", f"{p['surname']} {p['given']}"),
        ("出生日期/Data de nascimento", p["birth_iso"]),
        ("性別/Sexo", p["sex_zh"]),
        ("有效期至/Válido até", "2031-08-30"),
    ]
    rows(d, fonts, (40, 130), items, 62, 330)
    d.text(
        (40, 460),
        f"{rng.choice('157')}{rng.randint(100000, 999999)}({rng.randint(0, 9)})",
        font=fonts(38),
        fill=(20, 20, 20),
    )
    paste_portrait(card, portrait, (620, 130, 820, 380))
    return card


def taiwan_id(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (238, 230, 236), rng)
    d = ImageDraw.Draw(card)
    d.text((40, 26), "中華民國國民身分證", font=fonts(46), fill=(70, 30, 60))
    items = [
        ("姓名", p["zh"]),
        ("出生", f"民國{rng.randint(55, 93)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"),
        ("性別", p["sex_zh"]),
        ("發證日期", f"民國{rng.randint(95, 112)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"),
    ]
    rows(d, fonts, (40, 130), items, 70, 140)
    d.text((40, 440), "統一編號", font=fonts(26), fill=(70, 100, 150))
    d.text(
        (200, 434),
        f"{rng.choice('ABFH')}{rng.choice('12')}{rng.randint(10**7, 10**8 - 1)}",
        font=fonts(40),
        fill=(200, 30, 30),
    )
    paste_portrait(card, portrait, (600, 110, 810, 380))
    return card


def home_return_permit(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (222, 232, 242), rng)
    d = ImageDraw.Draw(card)
    d.text((40, 24), "港澳居民来往内地通行证", font=fonts(40), fill=(30, 50, 110))
    d.text(
        (40, 76),
        "MAINLAND TRAVEL PERMIT FOR HONG KONG AND MACAO RESIDENTS",
        font=fonts(16),
        fill=(30, 50, 110),
    )
    d.text((280, 120), p["zh"], font=fonts(34), fill=(20, 20, 20))
    d.text((280, 166), f"{p['surname']}, {p['given']}", font=fonts(26), fill=(20, 20, 20))
    d.text((280, 214), f"出生日期 {p['birth_iso']}   性别 {p['sex_zh']}", font=fonts(24), fill=(20, 20, 20))
    d.text((280, 254), "有效期限 2020.01.01-2030.01.01", font=fonts(24), fill=(20, 20, 20))
    number = f"H{rng.randint(10**7, 10**8 - 1)}"
    d.text((280, 294), number, font=fonts(30), fill=(200, 30, 30))
    paste_portrait(card, portrait, (40, 120, 240, 370))
    sex = "M" if p["sex_zh"] == "男" else "F"
    mrz = ImageFont.truetype("DejaVuSansMono.ttf", 30)
    name = f"{p['surname']}<<{p['given']}"
    for i, line in enumerate(td1_lines("CS", number, p["yymmdd"], sex, "300101", name)):
        d.text((40, 392 + i * 46), line, font=mrz, fill=(10, 10, 10))
    return card


def student_card(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (244, 244, 236), rng)
    d = ImageDraw.Draw(card)
    d.rectangle((0, 0, CARD[0], 110), fill=(20, 70, 140))
    school = rng.choice(["示例大学", "样本理工大学", "测试师范大学"])
    d.text((40, 18), school, font=fonts(44), fill=(255, 255, 255))
    d.text((40, 70), "学生证  STUDENT ID CARD", font=fonts(26), fill=(230, 230, 255))
    items = [
        ("姓名", p["zh"]),
        ("学号", str(rng.randint(2019, 2024)) + f"{rng.randint(0, 99999999):08d}"),
        ("学院", rng.choice(["计算机学院", "外国语学院", "医学院"])),
        ("专业", rng.choice(["软件工程", "英语", "临床医学"])),
        ("有效期至", f"{rng.randint(2026, 2029)}年7月"),
    ]
    rows(d, fonts, (40, 150), items, 68, 120)
    paste_portrait(card, portrait, (610, 150, 810, 400))
    return card


def social_security_card(rng, fonts, portrait):
    p = person(rng)
    card = background(CARD, (214, 232, 244), rng)
    d = ImageDraw.Draw(card)
    d.text((160, 30), "中华人民共和国", font=fonts(30), fill=(20, 60, 140))
    d.text((160, 70), "社会保障卡", font=fonts(48), fill=(20, 60, 140))
    d.rounded_rectangle((60, 170, 170, 250), 12, fill=(210, 180, 90), outline=(150, 120, 50), width=3)
    items = [
        ("姓名", p["zh"]),
        ("社会保障号码", p["id"]),
        ("社会保障卡号", f"A{rng.randint(10**7, 10**8 - 1)}"),
    ]
    rows(d, fonts, (60, 290), items, 62, 190)
    d.text(
        (60, 480),
        f"发卡日期 {rng.randint(2015, 2023)}年{rng.randint(1, 12)}月",
        font=fonts(24),
        fill=(25, 25, 25),
    )
    paste_portrait(card, portrait, (630, 150, 810, 380))
    return card


MAKERS: dict[str, Callable[[random.Random, Fonts, Image.Image], Image.Image]] = {
    "id_front": id_front,
    "id_back": id_back,
    "passport": passport_page,
    "driving_licence": driving_licence,
    "residence_permit": residence_permit,
    "hongkong_id": hongkong_id,
    "macau_id": macau_id,
    "taiwan_id": taiwan_id,
    "home_return_permit": home_return_permit,
    "student_card": student_card,
    "social_security": social_security_card,
}
