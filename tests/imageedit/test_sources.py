"""How an edit's source photo is stored: never with its metadata, as uploaded when no pixel work is needed."""

from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from core.private_media import read_private
from imageedit.models import ImageEditTask
from tests.images import upload

from .conftest import photo

pytestmark = pytest.mark.django_db
URL = "/api/v1/image-edits"
GPS = 0x8825


def with_metadata(data: bytes, *, orientation: int = 1) -> bytes:
    image = Image.open(BytesIO(data))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(GPS)[2] = (31.0, 14.0, 0.0)  # a latitude
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif, comment=b"owner: someone")
    return buffer.getvalue()


def stored_source(client, data: bytes, django_capture_on_commit_callbacks) -> bytes:
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run: the source stays
        response = client.post(URL, {"preset": "warm", "image": upload(data)}, format="multipart")
    assert response.status_code == 202, response.content
    return read_private(ImageEditTask.objects.get(pk=response.json()["id"]).source_name)


def test_it_keeps_a_jpeg_source_as_uploaded_without_its_metadata(
    owner_client, django_capture_on_commit_callbacks
):
    data = with_metadata(photo())
    assert Image.open(BytesIO(data)).getexif().get_ifd(GPS)
    source = stored_source(owner_client, data, django_capture_on_commit_callbacks)
    stored = Image.open(BytesIO(source))
    assert not stored.getexif()
    assert "comment" not in stored.info
    # The same compressed pixels: not re-encoded.
    assert np.array_equal(np.asarray(stored), np.asarray(Image.open(BytesIO(data))))
    assert len(source) < len(data)


def test_it_stores_a_rotated_jpeg_upright_and_without_metadata(
    owner_client, django_capture_on_commit_callbacks
):
    data = with_metadata(photo(size=(96, 64)), orientation=6)
    stored = Image.open(BytesIO(stored_source(owner_client, data, django_capture_on_commit_callbacks)))
    assert stored.size == (64, 96)
    assert not stored.getexif()


def test_it_rejects_a_truncated_jpeg_and_stores_nothing(owner_client, django_capture_on_commit_callbacks):
    data = with_metadata(photo(size=(400, 300)))
    with django_capture_on_commit_callbacks(execute=False):
        response = owner_client.post(
            URL, {"preset": "warm", "image": upload(data[: len(data) // 2])}, format="multipart"
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_invalid"
    assert not ImageEditTask.objects.exists()
