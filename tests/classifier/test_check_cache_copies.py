"""What check-cache answers as entries are stored, replaced and deleted. On the MariaDB run (Redis) these go
through the Redis copies and the one-round-trip script; on the SQLite run through the database alone: the
answers must be the same."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from ai.prompts import PROMPT_VERSION
from classifier.models import ImageClassification, RequestLog
from classifier.services import cache, flush_cache_hits
from classifier.services.checkcache import fastpath
from tests.classifier.conftest import photo_bytes, sha

pytestmark = pytest.mark.django_db
URL = "/api/v1/classify/check-cache"


def store(image_hash: str, method: str = "remote", category: str = "pets") -> None:
    cache.store(
        image_hash=image_hash,
        category=category,
        confidence=0.9,
        description="一只猫",
        method=method,
        provider="dashscope" if method == "remote" else "local",
        model="m",
        image_size=2048,
    )


def copied(image_hash: str) -> bool:
    return bool(fastpath.enabled() and fastpath.client().exists(fastpath.copy_key(image_hash)))


def check(client, *hashes: str) -> list[dict]:
    return client.post(URL, {"image_hashes": list(hashes)}, format="json").json()["results"]


def test_a_stored_result_is_copied_and_answered(owner_client, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        store("a" * 64)
    assert copied("a" * 64) == settings.CLASSIFIER_REDIS
    (result,) = check(owner_client, "a" * 64)
    assert result["hit"]
    assert result["result"]["category"] == "pets"
    assert result["result"]["provider"] == "dashscope"


def test_a_mixed_batch_reads_copies_and_the_database_and_logs_each_hash(owner_client, settings):
    ImageClassification.objects.create(
        image_hash="b" * 64,
        category="foods",
        confidence=0.7,
        description="面",
        inference_method="remote",
        prompt_version=PROMPT_VERSION,
        image_size=500,
    )
    check(owner_client, "b" * 64)  # read from the database, and copied
    assert copied("b" * 64) == settings.CLASSIFIER_REDIS
    results = check(owner_client, "b" * 64, "c" * 64, "b" * 64)
    assert [r["hit"] for r in results] == [True, False, True]
    assert results[0]["result"]["category_label"] == "美食"
    flush_cache_hits()
    logs = RequestLog.objects.order_by("id")
    assert [(log.from_cache, log.category, log.bytes_saved) for log in logs] == [
        (True, "foods", 500),
        (True, "foods", 500),
        (False, "", 0),
        (True, "foods", 500),
    ]
    assert ImageClassification.objects.get().hit_count == 3


def test_a_deleted_entry_is_a_miss_at_once(owner_client, admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        store("d" * 64)
    assert check(owner_client, "d" * 64)[0]["hit"]
    entry = ImageClassification.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/classifier/imageclassification/",
            {"action": "invalidate", "_selected_action": [entry.pk]},
        )
    assert not copied("d" * 64)
    assert check(owner_client, "d" * 64)[0]["hit"] is False


def test_a_local_answer_is_never_copied_and_a_remote_one_replaces_it(
    owner_client, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        store("e" * 64, method="local")
    check(owner_client, "e" * 64)
    assert not copied("e" * 64)
    with django_capture_on_commit_callbacks(execute=True):
        store("e" * 64, method="remote", category="foods")
    assert copied("e" * 64) == settings.CLASSIFIER_REDIS
    assert check(owner_client, "e" * 64)[0]["result"]["category"] == "foods"


def test_an_uploaded_photo_is_answered_by_check_cache(
    owner_client, vendors, django_capture_on_commit_callbacks
):
    dashscope, _ = vendors
    dashscope.answer = {"category": "pets", "confidence": 0.9, "description": "一只狗"}
    data = photo_bytes(5)
    assert check(owner_client, sha(data))[0]["hit"] is False
    with django_capture_on_commit_callbacks(execute=True):
        upload = SimpleUploadedFile("p.jpg", data, content_type="image/jpeg")
        assert owner_client.post("/api/v1/classify", {"image": upload}, format="multipart").status_code == 200
    (result,) = check(owner_client, sha(data))
    assert result["hit"]
    assert result["result"]["description"] == "一只狗"


def test_copy_cache_to_redis_copies_recent_answers_that_may_be_copied(settings):
    for image_hash, method in (("f" * 64, "remote"), ("0" * 64, "local"), ("1" * 64, "remote")):
        ImageClassification.objects.create(
            image_hash=image_hash, category="pets", confidence=0.9, inference_method=method,
            prompt_version=PROMPT_VERSION,
        )  # fmt: skip
    ImageClassification.objects.filter(image_hash="1" * 64).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    if not settings.CLASSIFIER_REDIS:
        with pytest.raises(CommandError, match="CLASSIFIER_REDIS is off"):
            call_command("copy_cache_to_redis")
        return
    out = io.StringIO()
    call_command("copy_cache_to_redis", "--days", "1", stdout=out, stderr=io.StringIO())
    assert "Copied 1 cache entries" in out.getvalue()
    assert [copied(h) for h in ("f" * 64, "0" * 64, "1" * 64)] == [True, False, False]


def test_it_logs_a_request_answered_from_copies_with_its_user_ip_request_id_and_time(
    owner_client, owner, django_capture_on_commit_callbacks
):
    # On Redis every hash has a copy here, so the script itself completes and pushes the record.
    with django_capture_on_commit_callbacks(execute=True):
        store("a" * 64)
        store("b" * 64, category="foods")
    before = timezone.now()
    response = owner_client.post(
        URL, {"image_hashes": ["a" * 64, "b" * 64]}, format="json", HTTP_X_REQUEST_ID="5" * 32
    )
    after = timezone.now()
    assert response.json()["hits"] == 2
    flush_cache_hits()
    logs = list(RequestLog.objects.order_by("id"))
    assert [(log.image_hash, log.category, log.from_cache) for log in logs] == [
        ("a" * 64, "pets", True),
        ("b" * 64, "foods", True),
    ]
    for log in logs:
        assert (log.user, log.ip_address, log.endpoint, log.request_id.hex) == (
            owner,
            "127.0.0.1",
            "check-cache",
            "5" * 32,
        )
        # The record keeps its time to the millisecond (Redis's cjson writes 14 digits).
        assert before - dt.timedelta(milliseconds=1) <= log.created_at <= after + dt.timedelta(milliseconds=1)
    assert list(ImageClassification.objects.values_list("hit_count", flat=True)) == [1, 1]
