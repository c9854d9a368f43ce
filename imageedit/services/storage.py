"""Source and result images in private media (``core.private_media``): never a public URL, deleted with the task."""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.db import transaction
from PIL import Image

from core.private_media import EXTENSIONS, content_type_of, delete_private, read_private, save_private
from core.uploads import ValidatedImage, bounded_for_storage, jpeg_without_metadata

SOURCE_FOLDER = "image-edits/sources"
RESULT_FOLDER = "image-edits/results"
JPEG_QUALITY = 92
ORIENTATION = 0x0112  # the EXIF tag


def encode(image: Image.Image, *, quality: int = JPEG_QUALITY) -> tuple[bytes, str]:
    """PNG when there is transparency, otherwise JPEG (greyscale stays one channel); no metadata is kept."""
    buffer = BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "image/png"
    image.convert("L" if image.mode in ("L", "1") else "RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue(), "image/jpeg"


def source_data(validated: ValidatedImage) -> tuple[bytes, str]:
    """Never with the upload's metadata (EXIF with GPS). A JPEG that needs no resizing and no EXIF rotation
    is kept as uploaded, its metadata segments dropped: no decode beyond the check, no re-encoding (on a
    2-CPU host those were most of an edit's web-tier CPU). Anything else is decoded, bounded and re-encoded
    at a high quality, with the orientation applied."""
    image = validated.image
    if (
        image.format in ("JPEG", "MPO")
        and image.mode in ("RGB", "L")
        and validated.exif.get(ORIENTATION, 1) == 1
        and max(image.size) <= settings.IMAGE_EDIT_MAX_SIDE
    ):
        data = jpeg_without_metadata(validated.raw)
        if data is not None:
            validated.decode(max_side=1)  # the bytes are checked whole (400 if broken), at 1/8 scale
            return data, "image/jpeg"
    # IMAGE_EDIT_MAX_SIDE bounds the edit's work and the result size.
    image = bounded_for_storage(validated.decode().image, max_side=settings.IMAGE_EDIT_MAX_SIDE)
    return encode(image, quality=95)


def store_source(data: bytes, content_type: str) -> str:
    return save_private(data, content_type, SOURCE_FOLDER)


def load_source(name: str) -> Image.Image:
    image = Image.open(BytesIO(read_private(name)))
    image.load()
    return image


def store_result(data: bytes, content_type: str) -> tuple[str, tuple[int, int]]:
    """Store result bytes as they came when private media keeps that format, else re-encoded."""
    image = Image.open(BytesIO(data))
    if content_type not in EXTENSIONS:
        data, content_type = encode(image)
    return save_private(data, content_type, RESULT_FOLDER), image.size


def copy_result(name: str) -> str | None:
    """A private copy of a stored result (a cache hit gets its own file), or None when it is gone."""
    try:
        data = read_private(name)
    except FileNotFoundError:
        return None
    return save_private(data, content_type_of(name), RESULT_FOLDER)


def delete_files(*names: str) -> None:
    for name in names:
        delete_private(name)


def delete_after_commit(*names: str) -> None:
    names = tuple(n for n in names if n)
    if names:
        transaction.on_commit(lambda: delete_files(*names))
