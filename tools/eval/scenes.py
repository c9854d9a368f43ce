"""Synthetic hard cases that are not documents: group photos with many small (some turned) faces, close-up
selfies, tableware without food, typed document pages. Built from packaged photos with Pillow and numpy.
"""

from __future__ import annotations

import random

import numpy as np
from captures import camera_finish, phone_shot
from documents import Fonts
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def stage(size: tuple[int, int], rng: random.Random, scenery: Image.Image | None) -> Image.Image:
    """A festival or stage backdrop: a packaged landscape, or a dark gradient with coloured spotlights."""
    if scenery is not None:
        return ImageOps.fit(scenery.convert("RGB"), size, Image.BICUBIC)
    w, h = size
    grad = np.linspace(20, 70, h, dtype=np.float32)[:, None, None] * np.ones((1, w, 3), dtype=np.float32)
    img = Image.fromarray(grad.astype(np.uint8))
    light = Image.new("RGB", size, (0, 0, 0))
    d = ImageDraw.Draw(light)
    for _ in range(5):
        x = rng.randrange(w)
        d.polygon(
            [(x, 0), (x - w // 8, h), (x + w // 8, h)],
            fill=rng.choice([(120, 40, 140), (40, 90, 160), (160, 120, 30)]),
        )
    return Image.blend(img, light.filter(ImageFilter.GaussianBlur(w // 60)), 0.5)


def group(
    people: list[Image.Image], rng: random.Random, scenery: Image.Image | None, size=(4000, 3000)
) -> Image.Image:
    """5-12 people standing in one or two rows, each a head-and-shoulders crop a few % of the frame wide;
    some mirrored or turned (sheared), as on a stage or at a festival."""
    img = stage(size, rng, scenery)
    count = rng.randint(6, 16)
    rows = 1 if count <= 7 else 2
    per_row = (count + rows - 1) // rows
    slot = size[0] * rng.uniform(0.45, 0.8) / per_row
    left = (size[0] - slot * per_row) / 2
    for r in range(rows):
        for i in range(per_row):
            person = rng.choice(people)
            if rng.random() < 0.5:
                person = ImageOps.mirror(person)
            w = round(slot * rng.uniform(0.85, 1.05) * (0.9 if r == 0 and rows == 2 else 1.0))
            h = round(w * person.height / person.width)
            crop = person.resize((w, h), Image.BICUBIC)
            if rng.random() < 0.3:  # partly turned: foreshorten horizontally
                crop = crop.resize((round(w * rng.uniform(0.6, 0.8)), h), Image.BICUBIC)
            x = round(left + i * slot + rng.uniform(-0.05, 0.05) * slot)
            y = round(size[1] * (0.35 + 0.18 * r) + rng.uniform(-0.03, 0.03) * size[1])
            img.paste(crop, (x, y))
    return camera_finish(img, rng)


def closeup(
    portrait: Image.Image,
    face_box: tuple[float, float, float, float],
    rng: random.Random,
    zoom: tuple[float, float] = (0.85, 1.05),
) -> Image.Image:
    """A close-up selfie: the face fills most of a 3:4 frame, cut at the edges."""
    x0, y0, x1, y1 = face_box
    w, h = portrait.size
    fw, fh = (x1 - x0) * w, (y1 - y0) * h
    cx, cy = (x0 + x1) / 2 * w, (y0 + y1) / 2 * h
    side = max(fw, fh) * rng.uniform(*zoom)
    box = (cx - side * 0.45, cy - side * 0.6, cx + side * 0.45, cy + side * 0.6)
    crop = portrait.convert("RGB").crop(tuple(round(v) for v in box))
    return camera_finish(crop.resize((2250, 3000), Image.BICUBIC), rng)


def _shaded_body(d: ImageDraw.ImageDraw, box, colour, top_w, bottom_w):
    x0, y0, x1, y1 = box
    cx = (x0 + x1) / 2
    for i in range(int(y1 - y0)):
        t = i / max(1, y1 - y0)
        half = (top_w + (bottom_w - top_w) * t) / 2
        for k in range(6):  # cylindrical shading: darker towards both sides
            f = 0.6 + 0.4 * np.cos((k - 2.5) / 3.2)
            xa, xb = cx - half + 2 * half * k / 6, cx - half + 2 * half * (k + 1) / 6
            d.line((xa, y0 + i, xb, y0 + i), fill=tuple(int(c * f) for c in colour))


def tableware(surface: Image.Image, rng: random.Random) -> Image.Image:
    """Empty mugs, glasses, plastic cups and plates on a table: no food, no drink."""
    img = surface.copy()
    w, h = img.size
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["mug", "cup", "plate", "glass"])
        cx, base = rng.uniform(0.2, 0.8) * w, rng.uniform(0.55, 0.9) * h
        size = rng.uniform(0.12, 0.25) * w
        if kind == "plate":
            d.ellipse(
                (cx - size, base - size * 0.35, cx + size, base + size * 0.35),
                fill=(245, 245, 245),
                outline=(200, 200, 205),
                width=6,
            )
            d.ellipse(
                (cx - size * 0.6, base - size * 0.2, cx + size * 0.6, base + size * 0.2),
                outline=(225, 225, 230),
                width=4,
            )
            continue
        colour = rng.choice([(230, 230, 232), (200, 60, 50), (60, 110, 180), (240, 230, 200)])
        if kind == "glass":
            colour = (205, 220, 225)
        top_w = size * (1.0 if kind == "mug" else 1.1)
        bottom_w = size * (1.0 if kind == "mug" else 0.75)
        top = base - size * 1.2
        if kind == "mug":
            d.ellipse(
                (
                    cx + top_w / 2 - size * 0.15,
                    top + size * 0.25,
                    cx + top_w / 2 + size * 0.35,
                    top + size * 0.85,
                ),
                outline=colour,
                width=int(size * 0.09),
            )
        _shaded_body(d, (cx - size / 2, top, cx + size / 2, base), colour, top_w, bottom_w)
        d.ellipse(
            (cx - top_w / 2, top - size * 0.12, cx + top_w / 2, top + size * 0.12),
            fill=tuple(int(c * 0.8) for c in colour),
            outline=colour,
            width=5,
        )
    return camera_finish(img, rng)


PARAGRAPHS_ZH = [
    "根据会议安排，现将本季度工作总结如下：一、项目进展总体顺利，各阶段目标基本完成；二、下一步将继续完善流程。",
    "本合同自双方签字之日起生效，有效期为一年。甲方应按约定支付费用，乙方应按时提供服务并保证质量。",
    "通知：因设备检修，本周六上午九点至十二点停水，请各位住户提前做好准备，给您带来不便敬请谅解。",
]
PARAGRAPHS_EN = [
    "The committee reviewed the quarterly report and agreed that the project is on schedule. The next milestone",
    "is the delivery of the second prototype, planned for the end of the month, followed by field testing.",
    "Please find attached the minutes of the meeting held on Tuesday. Comments are welcome until Friday noon.",
]


def typed_page(fonts: Fonts, rng: random.Random, width: int = 1240) -> Image.Image:
    """An A4 page of typed text (a letter, minutes or a notice): paper, not a screen."""
    page = Image.new("RGB", (width, round(width * 297 / 210)), (250, 250, 246))
    d = ImageDraw.Draw(page)
    margin, y = width // 10, width // 10
    d.text(
        (margin, y),
        rng.choice(["会议纪要", "租赁合同", "通知", "MEETING MINUTES"]),
        font=fonts(width // 24),
        fill=(20, 20, 20),
    )
    y += width // 12
    size = width // 50
    per_line = (width - 2 * margin) // size
    for _ in range(rng.randint(14, 24)):
        text = rng.choice(PARAGRAPHS_ZH)
        if rng.random() < 0.3:
            text, per = rng.choice(PARAGRAPHS_EN), int(per_line * 1.9)
        else:
            per = per_line
        d.text((margin, y), text[:per], font=fonts(size), fill=(30, 30, 30))
        y += int(size * 1.8)
        if y > page.height - margin:
            break
    return page


def page_photo(page: Image.Image, surface: Image.Image, rng: random.Random) -> Image.Image:
    return phone_shot(page, surface, rng, steep=rng.random() < 0.4)


def cutouts(surface: Image.Image, stamps: list[Image.Image], rng: random.Random) -> Image.Image:
    """Photo cut-outs (RGBA) set side by side on a surface, filling about half the frame, with a soft
    shadow under each, then photographed."""
    img = surface.convert("RGB").copy()
    w, h = img.size
    span = w * rng.uniform(0.45, 0.7) / len(stamps)
    x = (w - span * len(stamps)) / 2
    for stamp in stamps:
        scale = min(span / stamp.width, h * 0.6 / stamp.height)
        piece = stamp.resize((round(stamp.width * scale), round(stamp.height * scale)), Image.BICUBIC)
        top = round(h * rng.uniform(0.55, 0.7) - piece.height / 2)
        left = round(x + (span - piece.width) / 2)
        shadow = Image.new("RGB", piece.size, (30, 25, 20))
        mask = (
            piece.getchannel("A").point(lambda a: a // 3).filter(ImageFilter.GaussianBlur(piece.width // 25))
        )
        img.paste(shadow, (left + piece.width // 30, top + piece.height // 25), mask)
        img.paste(piece, (left, top), piece)
        x += span
    return camera_finish(img, rng)


def oval_cutout(photo: Image.Image) -> Image.Image:
    """The middle of a photo with a soft oval edge (RGBA), as a print or a cut-out laid on a table."""
    img = photo.convert("RGB")
    w, h = img.size
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((w * 0.04, h * 0.04, w * 0.96, h * 0.96), fill=255)
    img.putalpha(mask.filter(ImageFilter.GaussianBlur(max(2, w // 40))))
    return img
