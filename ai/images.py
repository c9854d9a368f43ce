"""Image preparation before sending to a remote model: downscale, JPEG, base64 data URI."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from PIL import Image


@dataclass(frozen=True)
class ModelInput:
    """A photo as a remote model gets it (downscaled JPEG bytes), prepared before the call: a request waiting
    on a model holds this, not the decoded full image, and the event loop never resizes."""

    jpeg: bytes

    @classmethod
    def of(cls, image: Image.Image) -> ModelInput:
        return cls(downscaled_jpeg(image))

    def pil(self) -> Image.Image:
        image = Image.open(BytesIO(self.jpeg))
        image.load()
        return image


def as_pil(image: Image.Image | ModelInput) -> Image.Image:
    return image.pil() if isinstance(image, ModelInput) else image


def downscaled_jpeg(image: Image.Image | ModelInput, *, max_side: int | None = None) -> bytes:
    """Longest side at most AI_IMAGE_MAX_SIDE: fewer tokens and a faster upload, same answer."""
    if isinstance(image, ModelInput):
        return image.jpeg
    limit = max_side or settings.AI_IMAGE_MAX_SIDE
    copy = image.convert("RGB")
    if max(copy.size) > limit:
        copy.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    copy.save(buffer, format="JPEG", quality=settings.AI_IMAGE_JPEG_QUALITY)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def data_uri(data: bytes, content_type: str = "image/jpeg") -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def sniff_content_type(data: bytes) -> str:
    with Image.open(BytesIO(data)) as image:
        return Image.MIME.get(image.format or "", "application/octet-stream")
