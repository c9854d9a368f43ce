"""Memory bounds of a batch: a decoded-pixel budget per request, and one full-size image in memory at a time.

A 13 KB JPEG can claim 7000 × 7000 (147 MB decoded). ``check_pixel_budget`` adds up what the headers claim
before anything is decoded (``MAX_BATCH_PIXELS``, 413 ``batch_too_large``), and ``reduced`` shrinks each decoded
image to what the models need (``CLASSIFY_BATCH_IMAGE_SIDE``) before the next one is decoded, releasing the
full-size pixels at once.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from PIL import Image

from ai.local.photo.screenshot import SCREEN_SIZES
from core.exceptions import TooLarge
from core.uploads import ValidatedImage


def check_pixel_budget(uploads) -> None:
    total = 0
    for upload in uploads:
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                width, height = image.size
        except Exception:  # unreadable headers are each item's own error later
            continue
        finally:
            upload.seek(0)
        total += width * height
    budget = settings.MAX_BATCH_PIXELS
    if total > budget:
        raise TooLarge(
            "batch_too_large",
            "这批图片像素总量过大，请分批上传 (too many pixels in one batch, split it)",
            {"pixels": total, "max_pixels": budget},
        )


def reduced(image: ValidatedImage) -> ValidatedImage:
    """The decoded image no larger than CLASSIFY_BATCH_IMAGE_SIDE. An exact screen resolution is kept as it is:
    it is the screenshot rule's strongest signal (and at most a few MP)."""
    full = image.image
    width, height = full.size
    side = settings.CLASSIFY_BATCH_IMAGE_SIDE
    if max(width, height) <= side or (min(width, height), max(width, height)) in SCREEN_SIZES:
        return image
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    source = full if full.mode in ("RGB", "RGBA", "L") else full.convert("RGB")
    small = source.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    full.close()  # the header-checked item shares this object: release its pixels now
    return replace(image, image=small)
