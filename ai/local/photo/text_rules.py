"""Rules over OCR'd text: ID-document keywords and the status-bar clock. Never returns the text itself."""

from __future__ import annotations

import re

# (pattern, weight): strong cues name the document; weak cues are field labels that also appear on forms.
ID_CUES: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p, re.IGNORECASE), w)
    for p, w in (
        (r"居民身份证", 3),
        (r"公民身份号码|公民身份号|身份号码", 3),
        (r"签发机关", 2),
        (r"有效期限|有效期至", 2),
        (r"护照", 3),
        (r"驾驶证|准驾车型|驾驶执照", 3),
        (r"中华人民共和国", 1),
        (r"P\s*A\s*S\s*S\s*P\s*O\s*R\s*T", 3),
        (r"DRIVING\s*LICEN[CS]E|DRIVER'?S?\s*LICEN[CS]E", 3),
        (r"IDENTITY\s*CARD|NATIONAL\s*ID", 2),
        (r"姓\s*名", 1),
        (r"性\s*别", 1),
        (r"民\s*族", 1),
        (r"出\s*生", 1),
        (r"住\s*址", 1),
        (r"国\s*籍", 1),
        (r"SURNAME|GIVEN\s*NAMES?|NATIONALITY|DATE\s*OF\s*BIRTH|DATE\s*OF\s*EXPIRY", 1),
    )
)
MRZ = re.compile(r"[A-Z0-9<]{20,}<<[A-Z0-9<]*")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：][0-5]\d(?!\d)")


def id_evidence(lines: list[str]) -> tuple[int, list[str]]:
    """Score of ID-document cues and the names of the cues found (never the matched text)."""
    text = "\n".join(lines)
    compact = re.sub(r"\s+", "", text)
    score, found = 0, []
    for pattern, weight in ID_CUES:
        if pattern.search(text) or pattern.search(compact):
            score += weight
            found.append(pattern.pattern.split("|")[0].replace("\\s*", ""))
    if any(MRZ.search(ln.replace(" ", "").upper()) for ln in lines):
        score += 3
        found.append("MRZ")
    if ID_NUMBER.search(compact):
        score += 2
        found.append("18-digit ID number")
    return score, found


def has_clock(lines: list[str]) -> bool:
    return any(CLOCK.search(ln) for ln in lines)
