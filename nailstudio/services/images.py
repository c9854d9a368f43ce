"""Customer images in private storage: stored re-encoded (no EXIF, no GPS), loaded back as RGB."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from django.db import transaction
from PIL import Image

from core.exceptions import Conflict
from core.private_media import EXTENSIONS, delete_private, read_private, save_private
from core.uploads import bounded_for_storage, validate_image

JPEG_QUALITY = 90


@dataclass(frozen=True)
class StoredImage:
    name: str
    width: int
    height: int
    image: Image.Image  # the decoded upload, for a cheap offline look at it


def _encode(image: Image.Image) -> tuple[bytes, str]:
    # Re-encoding drops every metadata block (EXIF location, device, owner names) of a customer's photo.
    buffer = BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "image/png"
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue(), "image/jpeg"


def store_upload(upload, folder: str) -> StoredImage:
    """Validate an uploaded image (413/415/400 as the API conventions say) and store it privately."""
    image = bounded_for_storage(validate_image(upload).image)
    data, content_type = _encode(image)
    width, height = image.size
    return StoredImage(save_private(data, content_type, folder), width, height, image)


def store_bytes(data: bytes, content_type: str, folder: str) -> str:
    """Store a generated image as it came, unless its format is not one private media keeps."""
    if content_type not in EXTENSIONS:
        data, content_type = _encode(Image.open(BytesIO(data)))
    return save_private(data, content_type, folder)


def load_image(name: str) -> Image.Image:
    """A stored image as RGB; 409 ``image_missing`` when its file is gone (lost or restored storage): the row
    is there but not its picture, a state to report (the client may upload again), not a server fault."""
    try:
        data = read_private(name)
    except FileNotFoundError as exc:
        raise Conflict("image_missing", "图片文件已丢失，请重新上传 (stored image missing)") from exc
    return Image.open(BytesIO(data)).convert("RGB")


def delete_after_commit(*names: str) -> None:
    """Delete files once the rows that referenced them are gone for good."""
    names = tuple(n for n in names if n)

    def delete() -> None:
        for name in names:
            delete_private(name)

    if names:
        transaction.on_commit(delete)
