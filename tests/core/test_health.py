import pytest
from django.db import connection

from core import health

pytestmark = pytest.mark.django_db


def test_it_reports_ok_with_every_check(api_client):
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for name in ("database", "cache", "broker", "storage"):
        assert body["checks"][name]["ok"] is True
        assert "latency_ms" in body["checks"][name]


def test_it_is_down_with_503_when_the_database_is_unreachable(api_client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("can't connect to server")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = api_client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["ok"] is False
    assert "connect" in body["checks"]["database"]["error"]


def test_it_is_degraded_when_a_non_critical_check_fails(api_client, monkeypatch):
    monkeypatch.setitem(health._checks, "flaky", health.Check(lambda: {"ok": False}, critical=False))
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"


def test_liveness_answers_without_checking_anything(api_client, monkeypatch):
    monkeypatch.setattr("core.views.run_checks", lambda: (_ for _ in ()).throw(AssertionError("checked")))
    response = api_client.get("/api/v1/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
