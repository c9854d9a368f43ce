import datetime as dt
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ai.models import AICall
from classifier.models import RequestLog
from classifier.services.logs import log_rows

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    today = timezone.localdate(timezone=SHANGHAI)
    return dt.datetime.combine(today + dt.timedelta(days=day_offset), dt.time(hour, minute), tzinfo=SHANGHAI)


def log(when: dt.datetime, **fields) -> None:
    log_rows([RequestLog(endpoint="classify", created_at=when, **fields)])


def ai_call(when: dt.datetime, **fields) -> AICall:
    with mock.patch("django.utils.timezone.now", return_value=when):
        return AICall.objects.create(**fields)


@pytest.fixture
def known(owner, teammate):
    """Today: 2 remote (cost 0.01 and 0.03), 3 hits, 1 local; yesterday 23:30 Shanghai: 1 hit (owner)."""
    log(
        at(0, 9),
        user=owner,
        category="pets",
        inference_method="remote",
        cost=Decimal("0.01"),
        processing_time_ms=900,
    )
    log(
        at(0, 10),
        user=owner,
        category="pets",
        inference_method="remote",
        cost=Decimal("0.03"),
        processing_time_ms=1100,
    )
    for minute in range(3):
        log(
            at(0, 11, minute),
            user=teammate,
            category="foods",
            inference_method="cache",
            from_cache=True,
            processing_time_ms=5,
            bytes_saved=1000,
        )
    log(at(0, 0, 10), user=owner, category="other", inference_method="local", processing_time_ms=80)
    log(
        at(-1, 23, 30),
        user=owner,
        category="pets",
        inference_method="cache",
        from_cache=True,
        bytes_saved=500,
    )
    for _ in range(2):
        ai_call(
            at(0, 9),
            capability="classify_photo",
            provider="dashscope",
            model="qwen-vl-max",
            ok=True,
            latency_ms=900,
            input_tokens=1000,
            output_tokens=50,
            cost=Decimal("0.02"),
        )
    ai_call(
        at(0, 9), capability="classify_photo", provider="openai", model="gpt-4o-mini", ok=False, latency_ms=10
    )


def test_it_gives_todays_figures(staff_client, known):
    body = staff_client.get("/api/v1/stats/today").json()
    assert body["requests"] == 6
    assert body["hits"] == 3
    assert body["hit_rate"] == 0.5
    assert body["by_method"] == {"cache": 3, "rule": 0, "remote": 2, "local": 1, "staff": 0, "reuse": 0}
    assert body["remote_calls"] == 2
    assert body["p95_processing_ms"] == 1100
    assert Decimal(body["cost"]) == Decimal("0.04")
    assert Decimal(body["cost_saved"]) == Decimal("0.06")  # 3 hits x average remote cost 0.02


def test_it_buckets_cache_efficiency_by_shanghai_day(staff_client, known):
    days = staff_client.get("/api/v1/stats/cache-efficiency?days=2").json()["days"]
    yesterday, today = days
    assert (yesterday["requests"], yesterday["hits"], yesterday["upload_bytes_saved"]) == (1, 1, 500)
    assert (today["requests"], today["hits"], today["upload_bytes_saved"]) == (6, 3, 3000)
    assert today["date"] == timezone.localdate(timezone=SHANGHAI).isoformat()


def test_it_gives_the_category_distribution(staff_client, known):
    rows = staff_client.get("/api/v1/stats/category-distribution?days=30").json()["categories"]
    assert [(r["category"], r["count"]) for r in rows] == [("foods", 3), ("pets", 3), ("other", 1)]


def test_it_ranks_top_users(staff_client, known, owner):
    users = staff_client.get("/api/v1/stats/users/top?days=7&limit=1").json()["users"]
    assert users == [{"user_id": owner.pk, "username": "owner", "requests": 4, "hits": 1, "cost": "0.040000"}]


def test_it_sums_costs_by_provider_and_model(staff_client, known):
    rows = staff_client.get("/api/v1/stats/costs?days=30").json()["costs"]
    by_key = {(r["provider"], r["model"]): r for r in rows}
    assert by_key["dashscope", "qwen-vl-max"]["calls"] == 2
    assert Decimal(by_key["dashscope", "qwen-vl-max"]["cost"]) == Decimal("0.04")
    assert by_key["openai", "gpt-4o-mini"]["failures"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stats/today",
        "/api/v1/stats/cache-efficiency",
        "/api/v1/stats/users/top",
        "/api/v1/stats/costs",
    ],
)
def test_it_is_staff_only(owner_client, path):
    response = owner_client.get(path)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("query", ["days=0", "days=abc", "days=366", "limit=1000"])
def test_it_rejects_bad_parameters(staff_client, query):
    response = staff_client.get(f"/api/v1/stats/users/top?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


STATS_WITH_DAYS = [
    "/api/v1/stats/cache-efficiency",
    "/api/v1/stats/category-distribution",
    "/api/v1/stats/users/top",
    "/api/v1/stats/costs",
    "/api/v1/stats/corrections",
    "/api/v1/stats/cities",
    "/api/v1/stats/image-edits",
    "/api/v1/stats/designs",
]


@pytest.mark.parametrize("path", STATS_WITH_DAYS)
@pytest.mark.parametrize("value", ["", "0", "366", "abc", "9" * 30])
def test_it_refuses_the_same_days_values_on_every_staff_stats_endpoint(staff_client, path, value):
    response = staff_client.get(path, {"days": value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["details"] == {"days": ["days 必须是 1 到 365 之间的整数"]}


@pytest.mark.parametrize("path", STATS_WITH_DAYS)
def test_it_takes_days_and_ignores_unknown_parameters_on_every_staff_stats_endpoint(staff_client, path):
    assert staff_client.get(path, {"days": "365", "_": "1764590000"}).status_code == 200
