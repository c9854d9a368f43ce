"""Small in-memory test images and the data-URI / multipart decoding the vendor fakes share."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from PIL import Image

from tests.fakes.server import Request

MIME_BY_FORMAT = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def make_image(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 80, 40), fmt: str = "PNG"
) -> bytes:
    """Encoded image bytes; a diagonal stripe keeps it from being a single flat colour."""
    image = Image.new("RGB", size, color)
    stripe = tuple(255 - c for c in color)
    for i in range(min(size)):
        image.putpixel((i, i), stripe)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def make_png(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    return make_image(size, color, "PNG")


def make_jpeg(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    return make_image(size, color, "JPEG")


def data_uri(data: bytes, mime: str | None = None) -> str:
    """``data:<mime>;base64,...``; the MIME type defaults to what the bytes really are."""
    if mime is None:
        mime = MIME_BY_FORMAT[open_image(data).format]
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def decode_data_uri(uri: str) -> tuple[str, bytes]:
    """(mime, bytes) of a base64 data URI; ValueError when it is not one or the base64 is broken."""
    head, sep, payload = uri.partition(",")
    if not (uri.startswith("data:") and sep and head.endswith(";base64")):
        raise ValueError(f"not a base64 data URI: {uri[:60]!r}")
    try:
        return head[5 : -len(";base64")], base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"broken base64 in data URI: {exc}") from exc


def open_image(data: bytes) -> Image.Image:
    """A fully loaded PIL image (so it outlives ``data``); PIL's own errors when the bytes are no image."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_image(data: bytes) -> bool:
    try:
        open_image(data)
    except (OSError, SyntaxError, ValueError):  # what PIL raises for garbage and truncated files
        return False
    return True


def is_image_data_uri(uri: str) -> bool:
    try:
        return is_image(decode_data_uri(uri)[1])
    except ValueError:
        return False


@dataclass
class FormPart:
    """One multipart/form-data part: a plain field (filename None) or an uploaded file."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode()


def parse_form(request: Request) -> list[FormPart]:
    """The parts of a multipart/form-data request body, in the order sent."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ValueError(f"not a multipart/form-data request: {content_type!r}")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    parts = []
    for part in message.iter_parts():
        has_file = part.get_filename() is not None
        parts.append(
            FormPart(
                name=part.get_param("name", header="content-disposition"),
                data=part.get_payload(decode=True) or b"",
                filename=part.get_filename(),
                content_type=part.get_content_type() if has_file else None,
            )
        )
    return parts
