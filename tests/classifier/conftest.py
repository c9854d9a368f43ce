import hashlib
from io import BytesIO

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ai.prompts import PROMPT_VERSION
from classifier.models import ImageClassification


def photo_bytes(seed: int = 0, size=(640, 480)) -> bytes:
    """A camera-like JPEG (noise over a gradient, so never a 'screenshot'); the same seed gives the same bytes."""
    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, size[0], dtype=np.float32)[None, :, None]
    pixels = np.clip(gradient + rng.normal(0, 40, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def screenshot_png() -> bytes:
    """A phone-sized PNG of flat UI bands: the screenshot rule answers it without a model."""
    screen = Image.new("RGB", (1170, 2532), "white")
    draw = ImageDraw.Draw(screen)
    for y in range(200, 2400, 120):
        draw.rectangle((40, y, 1130, y + 80), fill=(240, 240, 245))
    buffer = BytesIO()
    screen.save(buffer, format="PNG")
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cached(image_hash: str, **fields) -> ImageClassification:
    """A current remote (DashScope) entry in the shared cache, a bowl of noodles unless ``fields`` say otherwise."""
    values = {
        "category": "foods",
        "confidence": 0.8,
        "description": "一碗面",
        "inference_method": "remote",
        "provider": "dashscope",
        "prompt_version": PROMPT_VERSION,
        "image_size": 1000,
        **fields,
    }
    return ImageClassification.objects.create(image_hash=image_hash, **values)


@pytest.fixture
def remote_only(settings):
    settings.AI_CHAINS = {**settings.AI_CHAINS, "classify_photo": ["dashscope", "openai", "local"]}
    return settings
