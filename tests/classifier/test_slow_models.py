"""Slow and failing remote models (issue 15): deadlines, fallbacks, disconnects, batch item errors, job failures
and the stall sweep. No timings are asserted: the speed targets live in bench/slow_provider.py."""

import asyncio
import datetime as dt
import time

import pytest
from django.core.asgi import get_asgi_application
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from ai.models import AICall
from billing import services as billing
from classifier import services
from classifier.models import ClassifyJob, ImageClassification, RequestLog
from classifier.tasks import run_classify_job
from core.private_media import private_root, save_private
from tests.classifier.conftest import photo_bytes, sha

PETS = {"category": "pets", "confidence": 0.9, "description": "一只狗"}


def upload(data: bytes, name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def classify(client, data: bytes, **fields):
    return client.post("/api/v1/classify", {"image": upload(data), **fields}, format="multipart")


def calls() -> list[tuple[str, bool, str]]:
    return list(AICall.objects.order_by("id").values_list("provider", "ok", "error_code"))


@pytest.mark.django_db
def test_it_classifies_remotely_through_the_async_view(owner_client, vendors):
    dashscope, _ = vendors
    dashscope.answer = PETS
    body = classify(owner_client, photo_bytes(11)).json()
    assert body["inference_method"] == "remote"
    assert body["provider"] == "dashscope"
    assert calls() == [("dashscope", True, "")], "the AI layer saved its own call row"
    (sent,) = dashscope.received_images()
    assert max(sent.size) <= 1024, "the model got the downscaled input"


@pytest.mark.django_db
def test_a_provider_timing_out_falls_back_to_the_local_model(owner_client, owner, vendors, settings):
    dashscope, _openai = vendors
    settings.AI_CHAINS = {**settings.AI_CHAINS, "classify_photo": ["dashscope", "local"]}
    settings.AI_READ_TIMEOUT, settings.AI_MAX_RETRIES = 0.2, 1
    dashscope.script(dashscope.slow(1.0), dashscope.slow(1.0))
    free_before = billing.free_left(owner)
    body = classify(owner_client, photo_bytes(12)).json()
    assert body["inference_method"] == "local"
    assert calls() == [("dashscope", False, "timeout"), ("dashscope", False, "timeout"), ("local", True, "")]
    assert billing.free_left(owner) == free_before, "the remote call did not happen: its quota is back"


@pytest.mark.django_db
def test_a_provider_past_the_deadline_is_left_for_the_next_one(owner_client, vendors, settings):
    dashscope, openai = vendors
    openai.answer = PETS
    settings.AI_READ_TIMEOUT, settings.AI_REQUEST_DEADLINE_SECONDS = 8.0, 1.5
    dashscope.script(dashscope.slow(6.0))
    body = classify(owner_client, photo_bytes(13)).json()
    assert body["inference_method"] == "remote"
    assert body["provider"] == "openai"
    assert calls() == [("dashscope", False, "deadline_exceeded"), ("openai", True, "")]


@pytest.mark.django_db
def test_the_deadline_also_bounds_synchronous_callers(vendors, settings):
    from PIL import Image

    from ai import services as ai

    dashscope, openai = vendors
    settings.AI_READ_TIMEOUT, settings.AI_REQUEST_DEADLINE_SECONDS = 8.0, 1.5
    dashscope.script(dashscope.slow(6.0))
    openai.answer = PETS
    result = ai.classify_photo(Image.new("RGB", (64, 64)), chain=["dashscope", "openai"])
    assert result.call.provider == "openai"
    assert calls()[0] == ("dashscope", False, "deadline_exceeded")


@pytest.mark.django_db(transaction=True)
def test_a_client_that_disconnects_cancels_the_remote_call_and_gets_its_quota_back(owner, vendors, settings):
    dashscope, _ = vendors
    settings.AI_CHAINS = {**settings.AI_CHAINS, "classify_photo": ["dashscope", "local"]}
    settings.AI_READ_TIMEOUT = 30.0
    dashscope.script(dashscope.slow(10.0))
    free_before = billing.free_left(owner)
    data = photo_bytes(14)
    boundary = "xintu-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    token = str(RefreshToken.for_user(owner).access_token)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/classify",
        "raw_path": b"/api/v1/classify",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def run() -> None:
        gone = asyncio.Event()
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        app = asyncio.create_task(get_asgi_application()(scope, receive, send))
        while not dashscope.chat_requests():  # the upload is waiting on the model
            await asyncio.sleep(0.05)
        gone.set()  # the client goes away
        await asyncio.wait_for(app, 5)

    asyncio.run(run())
    assert not [m for m in sent if m["type"] == "http.response.start"], "nobody to answer"
    deadline = time.monotonic() + 10
    while billing.free_left(owner) != free_before:  # the clean-up runs in a thread of its own
        assert time.monotonic() < deadline, "the quota taken for the call was not given back"
        time.sleep(0.05)
    assert calls() == [("dashscope", False, "canceled")]
    assert not ImageClassification.objects.filter(image_hash=sha(data)).exists()


@pytest.mark.django_db
def test_an_error_inside_one_batch_item_is_that_items_error(owner_client, vendors, monkeypatch):
    dashscope, _ = vendors
    dashscope.answer = PETS
    good, bad = photo_bytes(15), photo_bytes(16, size=(320, 240))
    original = services.pipeline.ai.screenshot_rule

    def rule(image, **kwargs):
        if image.size == (320, 240):
            raise RuntimeError("a bug in one image's path")
        return original(image, **kwargs)

    monkeypatch.setattr(services.pipeline.ai, "screenshot_rule", rule)
    response = owner_client.post(
        "/api/v1/classify/batch", {"images": [upload(good), upload(bad)]}, format="multipart"
    )
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["category"] == "pets"
    assert second["error"]["code"] == "classify_failed"
    assert list(RequestLog.objects.order_by("id").values_list("status", "error_code")) == [
        ("ok", ""),
        ("error", "classify_failed"),
    ]


def _job_with_missing_file(owner) -> ClassifyJob:
    """A queued job whose stored image vanished: reading it raises, which is no image's error of its own."""
    return ClassifyJob.objects.create(
        user=owner, total=1, items=[{"file": "classify-tmp/gone-before-the-worker-came.jpg"}]
    )


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_raises_ends_failed(owner, celery_worker, offline):
    """On the real worker in the MariaDB + Redis run, eagerly without a broker: on_failure ends the job."""
    job = _job_with_missing_file(owner)
    with pytest.raises(FileNotFoundError):
        run_classify_job.delay(str(job.id)).get(timeout=60, propagate=True)
    deadline = time.monotonic() + 30
    while (job := ClassifyJob.objects.get(pk=job.pk)).status != ClassifyJob.Status.FAILED:
        assert time.monotonic() < deadline, f"job stuck {job.status}"
        time.sleep(0.2)
    assert job.finished_at is not None
    assert job.items[0]["error"]["code"] == "job_failed"


@pytest.mark.django_db
def test_the_sweep_fails_stalled_jobs_only(owner, settings):
    settings.CLASSIFY_JOB_STALL_SECONDS = 600
    name = save_private(photo_bytes(17), "image/jpeg", "classify-tmp")
    long_ago = timezone.now() - dt.timedelta(seconds=601)
    stalled = ClassifyJob.objects.create(
        user=owner,
        total=2,
        done=1,
        status=ClassifyJob.Status.RUNNING,
        updated_at=long_ago,
        items=[{"category": "pets"}, {"file": name}],
    )
    lost = ClassifyJob.objects.create(user=owner, total=1, updated_at=long_ago, items=[{"file": "x.jpg"}])
    busy = ClassifyJob.objects.create(
        user=owner, total=1, status=ClassifyJob.Status.RUNNING, items=[{"file": "y"}]
    )
    finished = ClassifyJob.objects.create(
        user=owner, total=1, done=1, status=ClassifyJob.Status.DONE, updated_at=long_ago, items=[{}]
    )

    assert services.fail_stalled_jobs() == 2
    for job in (stalled, lost, busy, finished):
        job.refresh_from_db()
    assert stalled.status == lost.status == ClassifyJob.Status.FAILED
    assert stalled.items == [{"category": "pets"}, stalled.items[1]]
    assert stalled.items[1]["error"]["code"] == "job_stalled"
    assert stalled.done == 2
    assert not any(p.is_file() for p in private_root().rglob("*")), "the stalled job's image is deleted"
    assert busy.status == ClassifyJob.Status.RUNNING
    assert finished.status == ClassifyJob.Status.DONE


@pytest.mark.django_db
def test_a_worker_finding_its_job_failed_by_the_sweep_stops(owner, vendors):
    """The sweep may fail a job whose worker was only slow: the worker then writes nothing more."""
    dashscope, _ = vendors
    dashscope.answer = PETS
    job = ClassifyJob.objects.create(
        user=owner, total=1, status=ClassifyJob.Status.FAILED, items=[{"error": {}}]
    )
    services.job_run(job.id)
    job.refresh_from_db()
    assert job.status == ClassifyJob.Status.FAILED
    assert not dashscope.chat_requests()
