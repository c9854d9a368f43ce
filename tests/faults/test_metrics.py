"""GET /metrics: Prometheus text, only from configured networks or with a staff token."""

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from billing.services import grant_credits, spend_credits

pytestmark = pytest.mark.django_db


def test_it_answers_loopback_scrapers_with_the_metrics(
    api_client, owner_client, owner, django_capture_on_commit_callbacks
):
    owner_client.post("/api/v1/classify/check-cache", {"image_hash": "a" * 64})
    with django_capture_on_commit_callbacks(execute=True):
        grant_credits(user=owner, amount=5)
        spend_credits(user=owner, amount=2, reference="metrics-test")
    response = api_client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'xintu_check_cache_hashes_total{result="miss"}' in text
    assert 'xintu_http_requests_total{endpoint="classify-check-cache",method="POST",status="200"}' in text
    assert "xintu_http_request_duration_seconds_bucket" in text
    assert "xintu_ai_breaker_open" in text
    assert 'xintu_credits_total{reason="spend"}' in text


def test_it_counts_remote_calls_by_provider_capability_and_outcome(vendors, api_client):
    from PIL import Image

    from ai import services as ai

    with pytest.raises(ai.AIUnavailable):  # the fakes answer prose, not the JSON asked for
        ai.analyze_image(Image.new("RGB", (32, 32)), "describe")
    text = api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert (
        'xintu_ai_calls_total{capability="analyze_image",outcome="invalid_output",provider="dashscope"}'
        in text
    )
    assert 'xintu_ai_call_duration_seconds_bucket{capability="analyze_image"' in text


def test_it_refuses_other_networks_without_a_staff_token(api_client, owner, staff):
    assert api_client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    as_owner = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(owner)}", "REMOTE_ADDR": "203.0.113.9"}
    assert api_client.get("/metrics", **as_owner).status_code == 403
    as_staff = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(staff)}", "REMOTE_ADDR": "203.0.113.9"}
    assert api_client.get("/metrics", **as_staff).status_code == 200
