"""Image preparation before sending to a remote model: downscale, JPEG, base64 data URI."""

import base64
from io import BytesIO

from django.conf import settings
from PIL import Image


def downscaled_jpeg(image: Image.Image, *, max_side: int | None = None) -> bytes:
    """Longest side at most AI_IMAGE_MAX_SIDE: fewer tokens and a faster upload, same answer."""
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
