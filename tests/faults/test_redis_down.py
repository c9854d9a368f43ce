"""Redis is an accelerator: with it unreachable every endpoint answers, from the database or per process."""

import pytest
from django.core.cache import cache

from ai import breaker
from ai.prompts import PROMPT_VERSION
from billing.services import balance, grant_credits
from classifier.models import ImageClassification, RequestLog, StaleCopy
from classifier.services.checkcache import copies, fastpath, hits
from core import redis as core_redis
from core.throttling import FixedWindowUserThrottle
from tests.imageedit.conftest import photo
from tests.images import upload

pytestmark = pytest.mark.django_db
CHECK = "/api/v1/classify/check-cache"
H1 = "a" * 64


def cached(image_hash: str, **extra) -> ImageClassification:
    values = {"category": "foods", "confidence": 0.8, "description": "一碗面", "inference_method": "remote",
              "provider": "dashscope", "prompt_version": PROMPT_VERSION, "image_size": 1000, **extra}  # fmt: skip
    return ImageClassification.objects.create(image_hash=image_hash, **values)


def test_it_answers_the_common_endpoints_with_redis_down(redis_down, owner_client, api_client, owner):
    assert owner_client.get("/api/v1/classify/categories").status_code == 200
    assert owner_client.get("/api/v1/billing/credits").status_code == 200
    login = api_client.post("/api/v1/auth/token", {"username": "owner", "password": "s3cret-Pass!"})
    assert login.status_code == 200
    assert "access" in login.json()
    assert not core_redis.available()  # the cache tried Redis and fell back


def test_login_throttle_falls_back_to_a_per_process_limiter(redis_down, api_client, owner, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    wrong = {"username": "owner", "password": "wrong"}
    codes = [api_client.post("/api/v1/auth/token", wrong).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_check_cache_answers_from_the_database_and_logs_at_once(redis_down, owner_client, offline):
    cached(H1, inference_method="local", provider="local")  # fresh only while no remote provider is usable
    body = owner_client.post(CHECK, {"image_hash": H1}).json()
    assert body["hit"] is True
    assert body["result"]["inference_method"] == "local"
    assert hits.pending() == 0
    assert hits.flush() == 0
    assert RequestLog.objects.get().from_cache is True
    assert ImageClassification.objects.get().hit_count == 1


def test_check_cache_is_throttled_per_process(redis_down, owner_client, monkeypatch):
    monkeypatch.setattr(FixedWindowUserThrottle, "THROTTLE_RATES", {"user": "2/min"})
    codes = [owner_client.post(CHECK, {"image_hash": H1}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert RequestLog.objects.count() == 2


def test_the_breaker_keeps_per_process_state(redis_down, settings):
    settings.AI_BREAKER_THRESHOLD = 2
    breaker.record_failure("dashscope", "classify_photo")
    breaker.record_failure("dashscope", "classify_photo")
    assert breaker.is_open("dashscope", "classify_photo")
    breaker.record_success("dashscope", "classify_photo")  # bookkeeping never raises
    assert not breaker.is_open("dashscope", "classify_photo")


def test_a_successful_provider_call_is_kept_when_redis_is_down(
    redis_down, vendors, owner_client, owner, settings, django_capture_on_commit_callbacks
):
    grant_credits(user=owner, amount=10)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/api/v1/image-edits",
            {"image": upload(photo()), "instruction": "变成水彩风格"},
            format="multipart",
        )
    assert response.status_code == 202
    task = owner_client.get(f"/api/v1/image-edits/{response.json()['id']}").json()
    assert (task["status"], task["provider"]) == ("succeeded", "dashscope")
    assert balance(owner) == 10 - settings.IMAGE_EDIT_CREDITS


def test_health_is_degraded_with_the_reason_and_ready_stays_200(redis_down, api_client):
    body = api_client.get("/api/v1/health").json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["ok"] is False
    assert any(reason.startswith("cache:") for reason in body["reasons"])
    ready = api_client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert set(ready.json()["checks"]) == {"database"}


def test_redis_is_tried_again_after_the_retry_window(redis_down, settings, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(core_redis.time, "monotonic", lambda: now[0])
    cache.get("anything")
    assert not core_redis.available()
    assert not fastpath.usable()
    now[0] += settings.REDIS_RETRY_SECONDS
    assert core_redis.available()
    assert fastpath.usable()


def test_a_submit_succeeds_with_the_broker_down_and_the_job_waits_queued(
    owner_client, owner, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from imageedit.tasks import run_image_edit

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_image_edit, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/api/v1/image-edits", {"image": upload(photo()), "preset": "warm"}, format="multipart"
        )
    assert response.status_code == 202
    assert owner_client.get(f"/api/v1/image-edits/{response.json()['id']}").json()["status"] == "queued"


def test_a_copy_that_cannot_be_dropped_while_redis_is_down_is_dropped_once_it_is_back(settings, monkeypatch):
    settings.CLASSIFIER_REDIS = True
    redis = {"answers": False, "known_down": False, "tries": 0}
    dropped: list[str] = []

    def drop(hashes):
        redis["tries"] += 1
        if not redis["answers"]:
            raise ConnectionError("Redis is down")
        dropped.extend(hashes)

    monkeypatch.setattr(fastpath, "drop", drop)
    monkeypatch.setattr(core_redis, "available", lambda: not redis["known_down"])
    copies.forget([H1])  # an entry deleted as Redis goes down: tried, failed, noted
    redis["known_down"] = True
    copies.forget([H1, "b" * 64])  # Redis known down: not tried, noted (once per hash)
    assert redis["tries"] == 1
    assert sorted(StaleCopy.objects.values_list("image_hash", flat=True)) == [H1, "b" * 64]
    assert copies.forget_stale() == 0  # beat while it is down: nothing tried, nothing lost
    assert StaleCopy.objects.count() == 2
    redis["answers"], redis["known_down"] = True, False
    assert copies.forget_stale() == 2
    assert sorted(dropped) == [H1, "b" * 64]
    assert not StaleCopy.objects.exists()
