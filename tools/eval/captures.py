"""How a document reaches the album: scanned, photocopied on A4, photographed on a table at an angle, with
flash glare, lying on fabric, pinned to a corkboard, or (passports) in an open booklet. Pillow and numpy only.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

CAMERA_EXIF = {271: "Xintu Test Camera", 272: "EVAL-1"}  # Make, Model


def exif() -> Image.Exif:
    data = Image.Exif()
    for k, v in CAMERA_EXIF.items():
        data[k] = v
    return data


# -- surfaces -----------------------------------------------------------------------------------------------


def _noise(size: tuple[int, int], rng: random.Random, scale: int) -> np.ndarray:
    """Smooth value noise in 0..1 (random grid upscaled bicubically)."""
    w, h = size
    grid = np.random.default_rng(rng.randrange(2**32)).random((max(2, h // scale), max(2, w // scale)))
    img = Image.fromarray((grid * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def fabric(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Woven cloth: a colour, a fine warp/weft pattern, soft folds."""
    w, h = size
    base = np.array(rng.choice([(150, 40, 50), (40, 70, 130), (90, 110, 80), (200, 190, 170), (60, 60, 70)]))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(5, 9) * w / 1000
    weave = 0.5 + 0.25 * np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period)
    folds = _noise(size, rng, max(8, w // 6))
    shade = (0.6 + 0.35 * folds + 0.15 * weave)[..., None]
    grain = np.random.default_rng(rng.randrange(2**32)).normal(0, 6, (h, w, 1))
    return Image.fromarray(np.clip(base * shade + grain, 0, 255).astype(np.uint8))


def cork(size: tuple[int, int], rng: random.Random) -> Image.Image:
    w, h = size
    speck = np.random.default_rng(rng.randrange(2**32)).random((h // 3 + 1, w // 3 + 1))
    speck = np.asarray(Image.fromarray((speck * 255).astype(np.uint8)).resize((w, h), Image.NEAREST)) / 255
    blotch = _noise(size, rng, max(8, w // 40))
    base = np.array([170, 120, 75], dtype=np.float32)
    shade = (0.7 + 0.25 * blotch + 0.25 * (speck - 0.5))[..., None]
    img = Image.fromarray(np.clip(base * shade, 0, 255).astype(np.uint8))
    frame = ImageDraw.Draw(img)
    frame.rectangle((0, 0, w - 1, h - 1), outline=(120, 90, 60), width=max(8, w // 60))
    return img


def texture(path: str, size: tuple[int, int]) -> Image.Image:
    """A packaged photo used as a table top, tiled when it is small and greyscale-safe."""
    img = Image.open(path).convert("RGB")
    return ImageOps.fit(img, size, Image.BICUBIC)


# -- geometry -----------------------------------------------------------------------------------------------


def _coeffs(dst: np.ndarray, src: np.ndarray) -> tuple[float, ...]:
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(np.linalg.solve(np.array(rows), np.array(rhs)))


def place(
    card: Image.Image,
    surface: Image.Image,
    rng: random.Random,
    *,
    fill: tuple[float, float] = (0.45, 0.7),
    angle: float = 18,
    tilt: float = 0.06,
) -> Image.Image:
    """The card on the surface, rotated up to ``angle`` degrees and foreshortened by ``tilt`` (a camera held
    at a slant shortens the far edge), with a soft shadow."""
    bw, bh = surface.size
    cw = int(min(bw, bh * card.width / card.height) * rng.uniform(*fill))
    ch = int(cw * card.height / card.width)
    cx, cy = bw / 2 + rng.uniform(-0.08, 0.08) * bw, bh / 2 + rng.uniform(-0.06, 0.06) * bh
    theta = np.deg2rad(rng.uniform(-angle, angle))
    corners = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    shrink = rng.uniform(tilt / 2, tilt) * cw
    corners[0, 0] += shrink
    corners[1, 0] -= shrink
    corners[:2, 1] += rng.uniform(0, tilt) * ch  # far edge also appears lower
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    dst = corners @ rot.T + [cx, cy]
    src = np.array([[0, 0], [card.width, 0], [card.width, card.height], [0, card.height]], dtype=float)
    coeffs = _coeffs(dst, src)
    warped = card.transform((bw, bh), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    mask = Image.new("L", card.size, 255).transform((bw, bh), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    out = surface.copy()
    offset = max(4, bw // 300)
    out.paste(
        (0, 0, 0),
        (offset, offset * 4 // 3),
        mask.filter(ImageFilter.GaussianBlur(offset * 1.2)).point(lambda p: p // 3),
    )
    out.paste(warped, (0, 0), mask)
    return out


def glare(img: Image.Image, rng: random.Random) -> Image.Image:
    """Flash glare: a bright, blown-out ellipse on the card and a brighter centre overall."""
    w, h = img.size
    layer = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(layer)
    cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.3, 0.6)
    rx, ry = w * rng.uniform(0.05, 0.1), h * rng.uniform(0.04, 0.09)
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    layer = layer.filter(ImageFilter.GaussianBlur(min(w, h) * 0.03))
    halo = Image.radial_gradient("L").resize(img.size).point(lambda p: max(0, 90 - p // 2))
    white = Image.new("RGB", img.size, (255, 255, 250))
    return Image.composite(white, Image.composite(white, img, halo), layer)


def pushpin(img: Image.Image, at: tuple[float, float], rng: random.Random) -> Image.Image:
    d = ImageDraw.Draw(img)
    r = img.width // 70
    x, y = at
    colour = rng.choice([(200, 30, 30), (30, 80, 200), (240, 200, 30)])
    d.ellipse((x - r + r // 2, y - r + r // 2, x + r + r // 2, y + r + r // 2), fill=(60, 40, 30))
    d.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(40, 40, 40))
    return img


def camera_finish(img: Image.Image, rng: random.Random) -> Image.Image:
    """Lens blur and sensor noise, as a phone camera leaves them."""
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))
    arr = np.asarray(img, dtype=np.int16)
    arr = arr + np.random.default_rng(rng.randrange(2**32)).integers(-5, 6, arr.shape, dtype=np.int16)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


# -- captures -----------------------------------------------------------------------------------------------


def scan(card: Image.Image, rng: random.Random) -> Image.Image:
    """Flatbed scan: white margin, a slight skew."""
    page = Image.new("RGB", (card.width + 120, card.height + 120), (250, 250, 248))
    page.paste(card, (60, 60))
    return page.rotate(rng.uniform(-2, 2), Image.BICUBIC, expand=False, fillcolor=(250, 250, 248))


def photocopy(sides: list[Image.Image], rng: random.Random, a4_width: int = 1654) -> Image.Image:
    """Both sides of a card photocopied on one A4 page (greyscale, hard contrast, toner specks)."""
    a4 = Image.new("L", (a4_width, round(a4_width * 297 / 210)), 246)
    card_w = round(a4_width * 85.6 / 210)
    for i, side in enumerate(sides):
        grey = ImageOps.autocontrast(side.convert("L"), cutoff=2).point(
            lambda p: 0 if p < 90 else min(255, p + 25)
        )
        grey = grey.resize((card_w, round(card_w * side.height / side.width)), Image.LANCZOS)
        top = round(a4.height * (0.12 + 0.36 * i))
        a4.paste(grey, ((a4.width - card_w) // 2, top))
        ImageDraw.Draw(a4).rectangle(
            ((a4.width - card_w) // 2, top, (a4.width + card_w) // 2, top + grey.height), outline=60, width=3
        )
    specks = np.random.default_rng(rng.randrange(2**32)).random((a4.height, a4.width)) < 0.0015
    arr = np.asarray(a4).copy()
    arr[specks] = 40
    return Image.fromarray(arr).convert("RGB")


def booklet(page: Image.Image, rng: random.Random) -> Image.Image:
    """An open passport: the data page below, the facing (visa) page above, inside the coloured cover."""
    w, h = page.size
    cover = rng.choice([(110, 20, 30), (20, 40, 90), (30, 60, 40)])
    book = Image.new("RGB", (w + 60, 2 * h + 60), cover)
    upper = Image.new("RGB", (w, h), (236, 232, 240))
    d = ImageDraw.Draw(upper)
    for i in range(0, w, 24):
        d.line((i, 0, i + h // 3, h), fill=(222, 214, 230), width=2)
    d.text((w // 2 - 120, h // 2 - 20), "签证  VISAS", fill=(150, 140, 160))
    book.paste(upper, (30, 30))
    book.paste(page, (30, h + 30))
    ImageDraw.Draw(book).line((30, h + 30, w + 30, h + 30), fill=(150, 150, 150), width=4)  # the fold
    return book


def phone_shot(
    doc: Image.Image, surface: Image.Image, rng: random.Random, *, steep: bool = False, flash: bool = False
) -> Image.Image:
    scale = max(1.0, surface.width * 0.7 / doc.width)
    big = doc.resize((round(doc.width * scale), round(doc.height * scale)), Image.BICUBIC)
    shot = place(big, surface, rng, angle=35 if steep else 18, tilt=0.22 if steep else 0.06)
    if flash:
        shot = glare(shot, rng)
    return camera_finish(shot, rng)
