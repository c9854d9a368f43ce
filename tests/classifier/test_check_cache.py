import threading

import pytest
from django.db import connection

from ai.prompts import PROMPT_VERSION
from classifier.models import ImageClassification, RequestLog
from tests.factories import UserFactory

URL = "/api/v1/classify/check-cache"
H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64


def cached(image_hash: str, **extra) -> ImageClassification:
    values = {
        "category": "foods",
        "confidence": 0.8,
        "description": "一碗面",
        "inference_method": "remote",
        "provider": "dashscope",
        "prompt_version": PROMPT_VERSION,
        "image_size": 1000,
        **extra,
    }
    return ImageClassification.objects.create(image_hash=image_hash, **values)


@pytest.mark.django_db
def test_it_reports_a_miss(owner_client):
    body = owner_client.post(URL, {"image_hash": H1}).json()
    assert body == {"image_hash": H1, "hit": False, "result": None}


@pytest.mark.django_db
def test_it_reports_a_hit_counts_it_and_logs_it(owner_client, owner):
    cached(H1)
    body = owner_client.post(URL, {"image_hash": H1.upper()}).json()
    assert body["hit"] is True and body["result"]["category"] == "foods"
    assert body["result"]["category_label"] == "美食"
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
def test_it_limits_batches_to_500(owner_client):
    response = owner_client.post(URL, {"image_hashes": [H1] * 501}, format="json")
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
    assert ImageClassification.objects.get().hit_count == 40
