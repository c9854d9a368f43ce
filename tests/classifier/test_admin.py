import pytest
from django.test import Client

from ai.prompts import PROMPT_VERSION
from classifier.models import ImageClassification, RequestLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_the_stats_page_draws_charts_without_a_cdn(admin_client):
    RequestLog.objects.create(endpoint="classify", category="pets", inference_method="remote")
    response = admin_client.get("/admin/classifier/classifierstats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "每日缓存命中率" in html
    assert "pets" in html
    assert "cdn" not in html.lower()


def test_invalidate_action_deletes_cache_entries(admin_client):
    entry = ImageClassification.objects.create(
        image_hash="d" * 64,
        category="foods",
        confidence=0.9,
        inference_method="remote",
        prompt_version=PROMPT_VERSION,
    )
    response = admin_client.post(
        "/admin/classifier/imageclassification/",
        {"action": "invalidate", "_selected_action": [entry.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not ImageClassification.objects.exists()


def test_admin_lists_search_by_hash_prefix(admin_client):
    ImageClassification.objects.create(
        image_hash="e" * 64,
        category="foods",
        confidence=0.9,
        inference_method="remote",
        prompt_version=PROMPT_VERSION,
    )
    assert (
        "eeeeeeeeeeeeeeee"
        in admin_client.get("/admin/classifier/imageclassification/?q=eeee").content.decode()
    )
    assert admin_client.get("/admin/classifier/requestlog/").status_code == 200
