"""Stored uploads are bounded, empty files are image_invalid everywhere, free text has its documented limit."""

from io import BytesIO

import pytest
from PIL import Image

from core.private_media import read_private
from nailstudio.models import InspirationImage
from tests.core.test_errors import envelope
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db


def test_it_downscales_an_upload_larger_than_the_stored_side(owner_client, settings):
    settings.MAX_STORED_IMAGE_SIDE = 1000
    response = owner_client.post(
        "/api/v1/inspirations", {"image": upload(image_bytes("JPEG", (4000, 1000)))}, format="multipart"
    )
    assert (response.json()["width"], response.json()["height"]) == (1000, 250)
    stored = Image.open(BytesIO(read_private(InspirationImage.objects.get().image)))
    assert stored.size == (1000, 250)


@pytest.mark.parametrize("path", ["/api/v1/inspirations", "/api/v1/customers/{id}/profile/photos"])
def test_it_calls_an_empty_file_an_invalid_image(owner_client, paths, path):
    body = {"image": upload(b"", "empty.jpg")}
    envelope(owner_client.post(paths(path), body, format="multipart"), 400, "image_invalid")


def test_it_calls_an_empty_completion_photo_an_invalid_image(owner_client, paths):
    body = {"actual_image": upload(b"", "empty.jpg")}
    url = paths("/api/v1/services/{id}/complete")
    envelope(owner_client.post(url, body, format="multipart"), 400, "image_invalid")


def test_it_requires_the_image(owner_client, paths):
    envelope(owner_client.post(paths("/api/v1/inspirations"), {}, format="multipart"), 400, "image_required")


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("/api/v1/customers", "notes", 2000),
        ("/api/v1/customers", "name", 64),
        ("/api/v1/designs", "custom_prompt", 1000),
        ("/api/v1/services", "notes", 2000),
    ],
)
def test_it_refuses_free_text_over_its_documented_limit(owner_client, paths, owner, path, field, limit):
    customer = owner.nail_customers.get()
    base = {
        "customers": {"name": "x"},
        "designs": {"customer": customer.pk},
        "services": {"customer": customer.pk, "service_date": "2026-03-02"},
    }
    body = base[path.split("/")[3]] | {field: "长" * (limit + 1)}
    error = envelope(owner_client.post(path, body, format="json"), 400, "validation_error")
    assert field in error["details"]
