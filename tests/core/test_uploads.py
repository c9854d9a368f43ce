import hashlib
import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from core.uploads import jpeg_without_metadata
from tests.images import image_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]
URL = "/probe/upload"


def post(client, data: bytes | None, name="photo.jpg", content_type="image/jpeg"):
    payload = {} if data is None else {"image": upload(data, name, content_type)}
    return client.post(URL, payload, format="multipart")


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def png_bomb(width: int, height: int) -> bytes:
    """A small PNG that decodes to width x height grey pixels (highly compressible zeros)."""
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_it_accepts_jpeg_and_returns_hash_of_bytes(api_client):
    data = image_bytes("JPEG")
    response = post(api_client, data)
    assert response.status_code == 200
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_it_accepts_other_whitelisted_formats(api_client, fmt):
    response = post(api_client, image_bytes(fmt), name="x.bin", content_type="application/octet-stream")
    assert response.status_code == 200, response.content
    assert response.json()["format"] == fmt


def test_it_applies_exif_orientation(api_client):
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: a 64x48 sensor image displays as 48x64
    Image.new("RGB", (64, 48), "blue").save(buffer, format="JPEG", exif=exif)
    response = post(api_client, buffer.getvalue())
    assert response.json()["size"] == [48, 64]


def test_it_requires_an_image(api_client):
    assert_error(post(api_client, None), 400, "image_required")


def test_it_rejects_an_empty_file(api_client):
    assert_error(post(api_client, b""), 400, "image_invalid")


def test_it_rejects_a_truncated_jpeg(api_client):
    data = image_bytes("JPEG", size=(400, 300), quality=95)
    assert_error(post(api_client, data[: len(data) // 2]), 400, "image_invalid")


def test_it_rejects_text_renamed_to_jpg(api_client):
    assert_error(post(api_client, b"hello, I am not a photo\n" * 10), 400, "image_invalid")


def test_it_rejects_svg(api_client):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    assert_error(
        post(api_client, svg, name="x.svg", content_type="image/svg+xml"), 415, "image_format_unsupported"
    )


def test_it_rejects_gif_even_named_jpg(api_client):
    assert_error(post(api_client, image_bytes("GIF")), 415, "image_format_unsupported")


def test_it_rejects_a_png_bomb_before_decoding(api_client, settings):
    settings.MAX_IMAGE_PIXELS = 1_000_000
    bomb = png_bomb(4000, 4000)
    assert len(bomb) < 100_000
    assert_error(post(api_client, bomb, name="x.png", content_type="image/png"), 413, "image_too_large")


def test_it_rejects_an_oversize_file(api_client, settings):
    settings.MAX_UPLOAD_MB = 1
    noisy = Image.effect_noise((1200, 1200), 100).convert("RGB")
    buffer = BytesIO()
    noisy.save(buffer, format="PNG")
    assert buffer.tell() > 1024 * 1024
    assert_error(post(api_client, buffer.getvalue(), name="x.png"), 413, "image_too_large")


def test_it_drops_a_jpegs_metadata_and_trailing_frames_without_re_encoding():
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (31.0, 14.0, 0.0)  # GPS latitude
    buffer = BytesIO()
    Image.effect_noise((120, 80), 40).convert("RGB").save(buffer, "JPEG", exif=exif, comment=b"owner")
    photo, trailing = buffer.getvalue(), image_bytes("JPEG")  # an MPO's second frame follows the first
    stripped = jpeg_without_metadata(photo + trailing)
    assert stripped is not None
    assert len(stripped) < len(photo)
    assert trailing not in stripped
    image = Image.open(BytesIO(stripped))
    assert not image.getexif()
    assert "comment" not in image.info
    assert image.tobytes() == Image.open(BytesIO(photo)).tobytes()
    assert jpeg_without_metadata(photo[: len(photo) // 2]) is None  # truncated: not kept as it is
