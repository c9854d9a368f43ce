"""Free daily quota → credits → local model, through the classify endpoint (billing's usage policy)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import services as billing
from tests.classifier.conftest import photo_bytes

pytestmark = pytest.mark.django_db
PETS = {"category": "pets", "confidence": 0.9, "description": "猫"}


def classify(client, seed: int, **fields):
    upload = SimpleUploadedFile("p.jpg", photo_bytes(seed), content_type="image/jpeg")
    return client.post("/api/v1/classify", {"image": upload, **fields}, format="multipart")


def test_quota_then_credits_then_the_local_model(owner_client, owner, vendors, settings):
    dashscope, _ = vendors
    dashscope.answer = PETS
    settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY = 1
    settings.CREDITS_PER_REMOTE_CLASSIFICATION = 1
    billing.grant_credits(user=owner, amount=1)

    free = classify(owner_client, 1).json()
    assert free["inference_method"] == "remote"
    assert "quota" not in free
    paid = classify(owner_client, 2).json()
    assert paid["inference_method"] == "remote"
    assert billing.balance(owner) == 0
    local = classify(owner_client, 3).json()
    assert local["inference_method"] == "local"
    assert local["quota"] == "exceeded"
    assert len(dashscope.chat_requests()) == 2

    cached = classify(owner_client, 1).json()
    assert cached["from_cache"] is True, "cache hits are always free"
    assert "quota" not in cached, "cache hits are always free"
    assert classify(owner_client, 4, mode="remote").status_code == 402


def test_a_failed_remote_call_gives_the_quota_back(owner_client, owner, vendors, settings):
    dashscope, openai = vendors
    settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY = 1
    settings.AI_MAX_RETRIES = 0
    dashscope.script(dashscope.error(500))
    openai.script(openai.error(500))
    assert classify(owner_client, 1).json()["inference_method"] == "local"
    assert billing.free_left(owner) == 1
    dashscope.answer = PETS
    assert classify(owner_client, 2).json()["inference_method"] == "remote"
