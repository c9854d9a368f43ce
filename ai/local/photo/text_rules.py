"""Rules over OCR'd text: ID-document keywords and the status-bar clock. Never returns the text itself."""

from __future__ import annotations

import re

# (pattern, weight): strong cues name the document; weak cues are field labels that also appear on forms.
ID_CUES: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p, re.IGNORECASE), w)
    for p, w in (
        (r"居民身份证", 3),
        # Simplified and traditional forms: HK 身份證, Taiwan 身分證, 居住证 / 居留证, permits, student and
        # social security cards.
        (r"身[份分][证證]", 3),
        (r"公民身份号码|公民身份号|身份号码|统一编号|統一編號", 3),
        (r"签发机关|簽發|签发日期", 2),
        (r"有效期限|有效期至|有效期", 2),
        (r"护照|護照", 3),
        (r"驾驶证|准驾车型|驾驶执照|駕駛執照", 3),
        (r"居留|居住[证證]|通行[证證]", 3),
        (r"学生[证證]|學生[证證]|STUDENT\s*ID", 3),
        (r"社会保障|社會保障|社保卡|SOCIAL\s*SECURITY", 3),
        (r"中华人民共和国|中華民國|特别行政区|特別行政區", 1),
        (r"P\s*A\s*S\s*S\s*P\s*O\s*R\s*T", 3),
        (r"DRIVING\s*LICEN[CS]E|DRIVER'?S?\s*LICEN[CS]E", 3),
        (r"IDENTITY\s*CARD|NATIONAL\s*ID|IDENTIDADE", 2),
        (r"PERMANENT\s*RESIDENT|RESIDENCE\s*PERMIT|TRAVEL\s*PERMIT", 3),
        (r"姓\s*名", 1),
        (r"性\s*[别別]", 1),
        (r"民\s*族", 1),
        (r"出\s*生", 1),
        (r"住\s*址", 1),
        (r"国\s*籍|國\s*籍", 1),
        (r"学\s*号|學\s*號|证\s*号|證\s*號", 1),
        (r"SURNAME|GIVEN\s*NAMES?|NATIONALITY|DATE\s*OF\s*BIRTH|DATE\s*OF\s*EXPIRY|CARD\s*NO", 1),
    )
)
MRZ = re.compile(r"[A-Z0-9<]{20,}<<[A-Z0-9<]*")
# The first MRZ line of a passport (P<CHN…<<…) or an ID-1 card (I<, A<, C<, CS…), even when cut short.
MRZ_HEAD = re.compile(r"^(P[A-Z<]|[IAC][A-Z<])[A-Z<]{3}[A-Z<]*<<")
MRZ_FIELD = re.compile(r"([A-Z0-9<]{9})(\d)([A-Z<]{3})(\d{6})(\d)?")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# Hong Kong (A123456(7)), Macau (1234567(8)) and Taiwan (A123456789) identity card numbers.
REGIONAL_ID = re.compile(
    r"(?<![A-Z0-9])([A-Z]{1,2}\d{6}|\d{7})\s*[(（][\dA][)）]|(?<![A-Z0-9])[A-Z][12]\d{8}(?!\d)"
)
CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：][0-5]\d(?!\d)")


def check_digit(field: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1; digits as themselves, A=10 … Z=35, the filler < as 0."""
    total = 0
    for i, ch in enumerate(field):
        value = int(ch) if ch.isdigit() else (ord(ch) - 55 if "A" <= ch <= "Z" else 0)
        total += value * (7, 3, 1)[i % 3]
    return total % 10


def mrz_checked(line: str) -> bool:
    """A passport MRZ second line (document number, nationality, birth date) whose check digits hold.

    OCR reads long lines cut to their left part, so only the fields present are checked; the document
    number's digit must hold, and the birth date's too when it was read."""
    match = MRZ_FIELD.match(line)
    if not match or not any(c.isdigit() for c in match.group(1)):
        return False
    number, number_cd, _, birth, birth_cd = match.groups()
    if check_digit(number) != int(number_cd):
        return False
    return birth_cd is None or check_digit(birth) == int(birth_cd)


def mrz_evidence(lines: list[str]) -> list[str]:
    """MRZ cues: a first line (P<CHN…<<), a long << line, a second line with valid check digits."""
    found = []
    compact = [re.sub(r"\s+", "", ln).upper().replace("«", "<<") for ln in lines]
    if any(MRZ_HEAD.match(ln) or MRZ.search(ln) for ln in compact):
        found.append("MRZ")
    if any(mrz_checked(ln) for ln in compact):
        found.append("MRZ check digits")
    return found


def id_evidence(lines: list[str]) -> tuple[int, list[str]]:
    """Score of ID-document cues and the names of the cues found (never the matched text)."""
    text = "\n".join(lines)
    compact = re.sub(r"\s+", "", text)
    score, found = 0, []
    for pattern, weight in ID_CUES:
        if pattern.search(text) or pattern.search(compact):
            score += weight
            found.append(pattern.pattern.split("|")[0].replace("\\s*", ""))
    mrz = mrz_evidence(lines)
    score += 3 * ("MRZ" in mrz) + 4 * ("MRZ check digits" in mrz)
    found += mrz
    if ID_NUMBER.search(compact):
        score += 2
        found.append("18-digit ID number")
    if REGIONAL_ID.search(text.upper()):
        score += 2
        found.append("regional ID number")
    return score, found


def has_clock(lines: list[str]) -> bool:
    return any(CLOCK.search(ln) for ln in lines)
