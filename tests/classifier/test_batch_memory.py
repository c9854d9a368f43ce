"""A batch's memory is bounded: a pixel budget per request, one full-size decoded image at a time."""

from pathlib import Path

import pytest
from PIL import Image

from ai import services as ai
from classifier.services import budget, pipeline
from core.uploads import validate_image
from tests.classifier.test_batch import URL, files
from tests.core.test_errors import envelope
from tests.images import image_bytes, upload

CLAIMS_7000 = (Path(__file__).resolve().parents[1] / "corpus" / "uploads" / "claims_7000px.jpg").read_bytes()
pytestmark = pytest.mark.django_db


def test_it_refuses_a_batch_whose_headers_claim_more_than_the_pixel_budget(owner_client):
    # 3 × 49 MP claimed by 13 KB each: refused before any pixel is decoded.
    error = envelope(
        owner_client.post(URL, {"images": files(*[CLAIMS_7000] * 3)}, format="multipart"),
        413,
        "batch_too_large",
    )
    assert error["details"] == {"pixels": 3 * 7000 * 7000, "max_pixels": 100_000_000}


def test_it_refuses_an_async_batch_over_the_budget_too(owner_client, settings):
    settings.MAX_BATCH_PIXELS = 10_000
    body = {"images": files(image_bytes("JPEG", (100, 60)), image_bytes("JPEG", (100, 60))), "async": "true"}
    envelope(owner_client.post(URL, body, format="multipart"), 413, "batch_too_large")


def test_it_answers_a_batch_within_the_budget_item_by_item(owner_client, offline):
    response = owner_client.post(URL, {"images": files(CLAIMS_7000, image_bytes())}, format="multipart")
    results = response.json()["results"]
    assert results[0]["error"]["code"] == "image_invalid"  # 49 MP claimed, 13 KB of data
    assert results[1]["inference_method"] == "local"


def test_it_hands_the_models_a_reduced_copy_and_releases_the_full_image(
    owner_client, offline, settings, monkeypatch
):
    settings.CLASSIFY_BATCH_IMAGE_SIDE = 300
    seen = []
    real = ai.classify_photo

    def spy(image, **kwargs):
        seen.append(image.size)
        return real(image, **kwargs)

    monkeypatch.setattr(pipeline.ai, "classify_photo", spy)
    big = image_bytes("JPEG", (1200, 800), (30, 140, 60))
    response = owner_client.post(
        URL, {"images": files(big, image_bytes("JPEG", (200, 100)))}, format="multipart"
    )
    assert response.status_code == 200
    assert sorted(seen) == [(200, 100), (300, 200)]


def test_it_keeps_exact_screen_resolutions_for_the_screenshot_rule(settings):
    settings.CLASSIFY_BATCH_IMAGE_SIDE = 1000
    screen = validate_image(upload(image_bytes("PNG", (1170, 2532)), "s.png", "image/png"))
    assert budget.reduced(screen).image.size == (1170, 2532)
    photo = validate_image(upload(image_bytes("JPEG", (3000, 2000))))
    small = budget.reduced(photo)
    assert small.image.size == (1000, 667)
    with pytest.raises(ValueError, match="closed image"):
        photo.image.load()  # the full-size pixels are released (closed), not kept alongside the copy


def test_it_keeps_the_async_job_timestamps_in_the_server_zone(
    owner_client, offline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            URL, {"images": files(image_bytes()), "async": "true"}, format="multipart"
        )
    assert response.status_code == 202
    assert response.json()["created_at"].endswith("+08:00")
    job = owner_client.get(f"/api/v1/classify/jobs/{response.json()['id']}").json()
    assert job["finished_at"].endswith("+08:00")


def test_it_decodes_the_first_frame_of_an_mpo():
    mpo = (Path(__file__).resolve().parents[1] / "corpus" / "uploads" / "camera.mpo").read_bytes()
    image = validate_image(upload(mpo, "camera.jpg"))
    assert (image.format, image.content_type) == ("JPEG", "image/jpeg")
    assert image.image.convert("RGB").getpixel((10, 10))[0] > 200  # the red first frame, not the blue one
    assert isinstance(image.image, Image.Image)
