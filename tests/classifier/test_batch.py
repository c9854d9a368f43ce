import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ai.models import AICall
from classifier.models import ClassifyJob, ImageClassification
from tests.classifier.conftest import photo_bytes, sha

URL = "/api/v1/classify/batch"
PETS = {"category": "pets", "confidence": 0.9, "description": "一只狗"}


def files(*blobs: bytes) -> list:
    return [SimpleUploadedFile(f"p{i}.jpg", blob, content_type="image/jpeg") for i, blob in enumerate(blobs)]


@pytest.mark.django_db
@pytest.mark.parametrize("concurrency", [1, 4])
def test_it_answers_each_image_in_order_with_errors_inline(owner_client, vendors, settings, concurrency):
    dashscope, _ = vendors
    settings.CLASSIFY_BATCH_CONCURRENCY = concurrency
    dashscope.answer = PETS
    a, b = photo_bytes(1), photo_bytes(2)
    truncated = photo_bytes(9)[:5000]
    response = owner_client.post(
        URL, {"images": files(a, b"not an image", b, a, truncated)}, format="multipart"
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r.get("image_hash") for r in results] == [sha(a), None, sha(b), sha(a), None]
    assert results[1]["error"]["code"] == "image_invalid"
    assert results[4]["error"]["code"] == "image_invalid", "broken pixels are found when a miss is decoded"
    assert results[0]["category"] == "pets"
    assert results[0]["inference_method"] == "remote"
    assert len(dashscope.chat_requests()) == 2, "identical images in a batch are classified once"
    assert ImageClassification.objects.count() == 2
    assert AICall.objects.filter(ok=True).count() == 2


@pytest.mark.django_db
def test_it_serves_hits_from_the_cache(owner_client, vendors):
    dashscope, _ = vendors
    dashscope.answer = PETS
    a = photo_bytes(1)
    owner_client.post(URL, {"images": files(a)}, format="multipart")
    again = owner_client.post(URL, {"images": files(a)}, format="multipart").json()["results"]
    assert again[0]["from_cache"] is True
    assert len(dashscope.chat_requests()) == 1


@pytest.mark.django_db
def test_it_limits_the_batch_size(owner_client, settings):
    settings.CLASSIFY_BATCH_MAX = 2
    response = owner_client.post(
        URL, {"images": files(*(photo_bytes(i) for i in range(3)))}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_images"
    assert owner_client.post(URL, {}, format="multipart").json()["error"]["code"] == "image_required"


@pytest.mark.django_db
def test_an_async_batch_reports_progress_and_results_to_its_owner_only(
    owner_client, outsider_client, vendors, django_capture_on_commit_callbacks
):
    dashscope, _ = vendors
    dashscope.answer = PETS
    a = photo_bytes(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, {"images": files(a, b"junk"), "async": "true"}, format="multipart")
    assert response.status_code == 202
    job_id = response.json()["id"]
    body = owner_client.get(f"/api/v1/classify/jobs/{job_id}").json()
    assert body["status"] == "done"
    assert body["progress"] == 1.0
    assert body["results"][0]["category"] == "pets"
    assert body["results"][1]["error"]["code"] == "image_invalid"
    assert outsider_client.get(f"/api/v1/classify/jobs/{job_id}").status_code == 404
    from core.private_media import private_root

    assert not any(p.is_file() for p in private_root().rglob("*")), "the images are gone once classified"


@pytest.mark.django_db(transaction=True)
def test_an_async_batch_runs_on_a_real_worker(owner, worker_vendors):
    from rest_framework.test import APIClient

    dashscope, _ = worker_vendors
    dashscope.answer = PETS
    client = APIClient()
    client.force_authenticate(owner)
    a, b = photo_bytes(4), photo_bytes(5)
    job_id = client.post(URL, {"images": files(a, b), "async": "true"}, format="multipart").json()["id"]
    import time

    deadline = time.monotonic() + 60
    while (job := ClassifyJob.objects.get(pk=job_id)).status != "done":
        assert time.monotonic() < deadline, f"job stuck at {job.done}/{job.total}"
        time.sleep(0.2)
    assert [item["category"] for item in job.items] == ["pets", "pets"]
    assert ImageClassification.objects.filter(image_hash__in=[sha(a), sha(b)]).count() == 2
