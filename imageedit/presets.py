"""Offline edit presets: plain Pillow operations that need no model and no network (the embedded mode).

``apply(code, image)`` returns a new image; it never changes its input. Bump ``ENGINE`` whenever an
operation's output changes, so cached results made by the old code stop matching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

ENGINE = "pillow-presets-v1"
AVATAR_MAX_SIDE = 1024


def _rgb(image: Image.Image) -> Image.Image:
    return image.convert("RGB")


def auto_enhance(image: Image.Image) -> Image.Image:
    # One stretch for all channels (preserve_tone) so the colour balance stays; then a little colour and bite.
    stretched = ImageOps.autocontrast(_rgb(image), cutoff=1, preserve_tone=True)
    return ImageEnhance.Sharpness(ImageEnhance.Color(stretched).enhance(1.15)).enhance(1.3)


def black_and_white(image: Image.Image) -> Image.Image:
    return ImageOps.grayscale(_rgb(image))


def _tone(image: Image.Image, red: float, blue: float) -> Image.Image:
    r, g, b = _rgb(image).split()
    r = r.point(lambda v: min(255, round(v * red)))
    b = b.point(lambda v: min(255, round(v * blue)))
    return Image.merge("RGB", (r, g, b))


def warm(image: Image.Image) -> Image.Image:
    return _tone(image, red=1.12, blue=0.85)


def cool(image: Image.Image) -> Image.Image:
    return _tone(image, red=0.85, blue=1.12)


def subject_mask(size: tuple[int, int]) -> Image.Image:
    """Where the subject is assumed to be: a feathered ellipse around the centre (255 = keep sharp)."""
    width, height = size
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse(
        (width * 0.2, height * 0.12, width * 0.8, height * 0.92),
        fill=255,
    )
    return mask.filter(ImageFilter.GaussianBlur(max(1, min(size) // 16)))


def background_blur(image: Image.Image) -> Image.Image:
    sharp = _rgb(image)
    blurred = sharp.filter(ImageFilter.GaussianBlur(max(2, min(sharp.size) // 40)))
    return Image.composite(sharp, blurred, subject_mask(sharp.size))


def cartoon(image: Image.Image) -> Image.Image:
    # Flatten texture, cut the colours to a few levels, then draw dark outlines where any colour jumps
    # (per channel: two colours of equal brightness still get a line between them).
    rgb = _rgb(image)
    # The median filter is the slow part: run it on a copy of at most ~1024 px and scale back up.
    factor = max(1, round(max(rgb.size) / 1024))
    smooth = (
        rgb.reduce(factor).filter(ImageFilter.MedianFilter(5)).resize(rgb.size, Image.Resampling.BILINEAR)
    )
    flat = ImageOps.posterize(smooth, 3)
    red, green, blue = (channel.filter(ImageFilter.FIND_EDGES) for channel in smooth.split())
    edges = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    outline = edges.point(lambda v: 255 if v > 40 else 0).filter(ImageFilter.MaxFilter(3))
    return Image.composite(Image.new("RGB", flat.size, (20, 20, 20)), flat, outline)


def square_avatar(image: Image.Image) -> Image.Image:
    # Faces sit above the middle of most portrait photos, so the crop leans a little upwards.
    side = min(image.size)
    cropped = ImageOps.fit(_rgb(image), (side, side), centering=(0.5, 0.4))
    if side > AVATAR_MAX_SIDE:
        cropped = cropped.resize((AVATAR_MAX_SIDE, AVATAR_MAX_SIDE), Image.Resampling.LANCZOS)
    return cropped


@dataclass(frozen=True)
class Preset:
    code: str
    label: str
    operation: Callable[[Image.Image], Image.Image]


PRESETS: dict[str, Preset] = {
    p.code: p
    for p in (
        Preset("auto_enhance", "自动增强", auto_enhance),
        Preset("black_white", "黑白", black_and_white),
        Preset("warm", "暖色调", warm),
        Preset("cool", "冷色调", cool),
        Preset("background_blur", "背景虚化", background_blur),
        Preset("cartoon", "卡通", cartoon),
        Preset("square_avatar", "方形头像", square_avatar),
    )
}
CHOICES = [(p.code, p.label) for p in PRESETS.values()]


def apply(code: str, image: Image.Image) -> Image.Image:
    return PRESETS[code].operation(image)
