import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from classifier import tasks
from classifier.models import ImageClassification, RequestLog
from classifier.services import flush_cache_hits
from classifier.services.checkcache import hits
from core.throttling import FixedWindowUserThrottle
from tests.classifier.conftest import cached
from tests.factories import UserFactory

URL = "/api/v1/classify/check-cache"
H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64


@pytest.mark.django_db
def test_it_reports_a_miss(owner_client):
    body = owner_client.post(URL, {"image_hash": H1}).json()
    assert body == {"image_hash": H1, "hit": False, "result": None}


@pytest.mark.django_db
def test_it_reports_a_hit_counts_it_and_logs_it(owner_client, owner):
    cached(H1)
    body = owner_client.post(URL, {"image_hash": H1.upper()}).json()
    assert body["hit"] is True
    assert body["result"]["category"] == "foods"
    assert body["result"]["category_label"] == "美食"
    flush_cache_hits()
    assert ImageClassification.objects.get().hit_count == 1
    log = RequestLog.objects.get()
    assert (log.user, log.from_cache, log.inference_method, log.bytes_saved) == (owner, True, "cache", 1000)


@pytest.mark.django_db
def test_it_answers_a_batch(owner_client):
    cached(H1)
    cached(H3, category="pets")
    body = owner_client.post(URL, {"image_hashes": [H1, H2, H3]}, format="json").json()
    assert (body["hits"], body["misses"]) == (2, 1)
    assert [r["hit"] for r in body["results"]] == [True, False, True]
    flush_cache_hits()
    assert RequestLog.objects.count() == 3


@pytest.mark.django_db
def test_stale_and_local_entries_are_misses_while_remote_is_usable(owner_client, settings):
    cached(H1, prompt_version="old")
    cached(H2, inference_method="local")
    settings.DASHSCOPE_API_KEY = "sk-test"
    body = owner_client.post(URL, {"image_hashes": [H1, H2]}, format="json").json()
    assert body["hits"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"image_hash": "xyz"},
        {"image_hashes": [H1, "not-a-hash"]},
        {"image_hash": "g" * 64},
        {"image_hashes": [7]},
    ],
)
def test_it_rejects_malformed_hashes(owner_client, payload):
    response = owner_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_hash"


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 501])
def test_it_takes_batches_of_1_to_500(owner_client, count):
    response = owner_client.post(URL, {"image_hashes": [H1] * count}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.django_db
def test_it_needs_exactly_one_field_and_a_user(owner_client, api_client):
    assert owner_client.post(URL, {}, format="json").status_code == 400
    assert owner_client.post(URL, {"image_hash": H1, "image_hashes": [H1]}, format="json").status_code == 400
    assert api_client.post(URL, {"image_hash": H1}, format="json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted():
    from rest_framework.test import APIClient

    cached(H1)
    users = [UserFactory(username=f"hitter{i}") for i in range(8)]
    errors = []

    def hit(user):
        try:
            client = APIClient()
            client.force_authenticate(user)
            for _ in range(5):
                assert client.post(URL, {"image_hash": H1}, format="json").json()["hit"] is True
        except Exception as exc:  # collected: an assertion in a thread would otherwise be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    flush_cache_hits()
    assert ImageClassification.objects.get().hit_count == 40


@pytest.mark.django_db
def test_hits_wait_in_the_buffer_until_flushed_when_there_is_one(owner_client, settings):
    # With Redis (the MariaDB run) a request only pushes a record; without it the record is written at once.
    cached(H1)
    owner_client.post(URL, {"image_hashes": [H1, H2]}, format="json")
    buffered = settings.CLASSIFIER_REDIS
    assert (hits.pending(), RequestLog.objects.count()) == ((1, 0) if buffered else (0, 2))
    assert flush_cache_hits(budget_seconds=0) == 0  # out of time before the first step
    assert flush_cache_hits() == (1 if buffered else 0)
    assert (hits.pending(), RequestLog.objects.count()) == (0, 2)
    assert ImageClassification.objects.get().hit_count == 1


@pytest.mark.django_db
def test_staff_figures_count_buffered_hits_once_flushed_without_draining_the_buffer(
    owner_client, staff_client, settings
):
    cached(H1)
    owner_client.post(URL, {"image_hash": H1}, format="json")
    buffered = settings.CLASSIFIER_REDIS
    assert staff_client.get("/api/v1/stats/today").json()["hits"] == (0 if buffered else 1)
    assert hits.pending() == (1 if buffered else 0), "reading stats leaves the buffer to beat"
    flush_cache_hits()
    assert staff_client.get("/api/v1/stats/today").json()["hits"] == 1


@pytest.mark.django_db
def test_it_throttles_per_user_and_logs_nothing_over_the_limit(owner_client, outsider_client, monkeypatch):
    monkeypatch.setattr(FixedWindowUserThrottle, "THROTTLE_RATES", {"user": "2/min"})
    cached(H1)
    assert [owner_client.post(URL, {"image_hash": H1}).status_code for _ in range(3)] == [200, 200, 429]
    throttled = owner_client.post(URL, {"image_hash": H1})
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) <= 60
    assert outsider_client.post(URL, {"image_hash": H1}).status_code == 200  # a window per user
    flush_cache_hits()
    assert RequestLog.objects.count() == 3
    assert ImageClassification.objects.get().hit_count == 3


@pytest.mark.django_db
def test_it_still_answers_and_logs_when_redis_is_down(owner_client, settings):
    settings.CLASSIFIER_REDIS, settings.REDIS_URL = True, "redis://127.0.0.1:9/0"
    cached(H1)
    assert owner_client.post(URL, {"image_hash": H1}).json()["hit"] is True
    assert flush_cache_hits() == 0
    assert RequestLog.objects.get().from_cache is True
    assert ImageClassification.objects.get().hit_count == 1


@pytest.mark.django_db
def test_it_takes_the_access_token_alone_and_refuses_a_bad_or_expired_one(api_client, owner):
    cached(H1)
    token = AccessToken.for_user(owner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.post(URL, {"image_hash": H1}).json()["hit"] is True
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}x")
    assert api_client.post(URL, {"image_hash": H1}).status_code == 401
    token.set_exp(lifetime=-dt.timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.post(URL, {"image_hash": H1}).status_code == 401
    flush_cache_hits()
    assert RequestLog.objects.get().user == owner


@pytest.mark.django_db
def test_a_flush_keeps_request_times_counts_repeats_and_forgets_deleted_users(owner):
    cached(H1)
    gone = UserFactory(username="gone")
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    entries = [
        {"t": at.timestamp(), "r": "6f0b5d2e-4c4e-4a8e-9a55-0d1f3c2b1a00", "u": owner.pk, "ip": "10.0.0.1",
         "e": "check-cache", "h": [H1, H2, H1], "f": "101"},
        {"t": at.timestamp() + 60, "r": "6f0b5d2e-4c4e-4a8e-9a55-0d1f3c2b1a01", "u": gone.pk, "ip": None,
         "e": "check-cache", "h": [H1], "f": "1"},
    ]  # fmt: skip
    gone.delete()
    hits.apply(entries)
    entry = ImageClassification.objects.get()
    assert (entry.hit_count, entry.last_hit_at) == (3, at + dt.timedelta(seconds=60))
    logs = list(RequestLog.objects.order_by("id"))
    assert [(log.image_hash, log.from_cache, log.user_id) for log in logs] == [
        (H1, True, owner.pk), (H2, False, owner.pk), (H1, True, owner.pk), (H1, True, None)
    ]  # fmt: skip
    assert logs[0].created_at == at
    assert logs[1].bytes_saved == 0
    assert logs[0].bytes_saved == 1000


@pytest.mark.django_db
def test_beat_flushes_the_buffer_through_the_task(owner_client, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["classifier-flush-cache-hits"]
    assert schedule["task"] == tasks.flush_cache_hits.name
    owner_client.post(URL, {"image_hash": H1})
    tasks.flush_cache_hits.apply().get()
    assert (hits.pending(), RequestLog.objects.count()) == (0, 1)
