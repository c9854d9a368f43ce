import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def test_it_gives_400_with_field_details(api_client):
    error = envelope(api_client.post("/api/v1/auth/register", {"username": "ab"}), 400, "validation_error")
    assert "password" in error["details"]


def test_it_gives_401_without_credentials(api_client):
    envelope(api_client.get("/api/v1/auth/me"), 401, "not_authenticated")


def test_it_gives_401_for_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    envelope(api_client.get("/api/v1/auth/me"), 401, "token_not_valid")


def test_it_gives_403_to_non_staff_in_a_staff_view(owner_client):
    from rest_framework.permissions import IsAdminUser
    from rest_framework.test import APIRequestFactory, force_authenticate
    from rest_framework.views import APIView

    class StaffOnly(APIView):
        permission_classes = [IsAdminUser]  # noqa: RUF012 - DRF reads it on the class; the stubs declare it a plain attribute

        def get(self, request):  # pragma: no cover - never reached
            raise AssertionError

    request = APIRequestFactory().get("/x")
    force_authenticate(request, user=owner_client.handler._force_user)
    response = StaffOnly.as_view()(request)
    response.render()
    assert response.status_code == 403
    assert response.data["error"]["code"] == "permission_denied"


def test_it_gives_404_for_unknown_api_paths(api_client):
    envelope(api_client.get("/api/v1/does-not-exist"), 404, "not_found")


def test_it_gives_405_for_wrong_methods(api_client):
    envelope(api_client.delete("/api/v1/health"), 405, "method_not_allowed")


def test_it_gives_429_with_wait_seconds(api_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "login": "2/min"}
    )
    for _ in range(2):
        api_client.post("/api/v1/auth/token", {"username": "x", "password": "y"})
    error = envelope(
        api_client.post("/api/v1/auth/token", {"username": "x", "password": "y"}), 429, "throttled"
    )
    assert error["details"]["wait_seconds"] > 0


@pytest.mark.urls("tests.core.urls")
def test_it_gives_500_without_leaking_the_traceback():
    client = Client(raise_request_exception=False)
    for path in ("/probe/boom", "/probe/django-boom"):
        response = client.get(path)
        envelope(response, 500, "server_error")
        assert b"secret internal detail" not in response.content
        assert b"Traceback" not in response.content


def test_it_echoes_or_generates_a_request_id(api_client):
    given = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    generated = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="bad id with spaces\n")
    assert len(generated["X-Request-ID"]) == 32


@pytest.mark.urls("tests.core.urls")
def test_it_writes_the_request_id_on_log_lines():
    import logging

    from core.logging import RequestIdFilter

    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("core.errors")
    logger.addHandler(handler)
    try:
        Client(raise_request_exception=False).get("/probe/boom", HTTP_X_REQUEST_ID="trace-42")
    finally:
        logger.removeHandler(handler)
    assert records
    assert all(r.request_id == "trace-42" for r in records)
