"""Database faults: an outage is a retryable 503, a dead persistent connection never fails a request."""

import pytest
from django.db import connection
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down(monkeypatch):
    """Every new connection refused, as when the server is down (the current one is closed first)."""

    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError(2003, "Can't connect to server on '127.0.0.1' (111)")

    connection.close()
    monkeypatch.setattr(connection, "get_new_connection", refuse)
    yield
    monkeypatch.undo()
    connection.close()


def assert_database_unavailable(response):
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "database_unavailable"
    assert int(response["Retry-After"]) > 0


def test_an_api_request_is_503_database_unavailable_with_retry_after(database_down, api_client):
    response = api_client.post("/api/v1/auth/token", {"username": "someone", "password": "secret"})
    assert_database_unavailable(response)


def test_a_django_level_page_is_503_too(database_down):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "s" * 32  # the admin reads the session from the database
    assert_database_unavailable(client.get("/admin/"))


def test_readiness_is_503_and_liveness_200(database_down, api_client):
    ready = api_client.get("/api/v1/health/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "down"
    assert ready["Retry-After"]
    assert api_client.get("/api/v1/health/live").status_code == 200


@pytest.mark.skipif(connection.vendor != "mysql", reason="a MariaDB session to kill")
def test_a_killed_persistent_connection_does_not_fail_the_next_request(api_client):
    UserFactory(username="alive")
    api_client.get("/api/v1/classify/categories")  # opens (and keeps) this thread's connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONNECTION_ID()")
        (session,) = cursor.fetchone()
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(f"KILL {int(session)}")
    finally:
        other.close()
    # Used a moment ago, so no ping: the login's first read finds the session gone and is sent again.
    response = api_client.post("/api/v1/auth/token", {"username": "alive", "password": "s3cret-Pass!"})
    assert response.status_code == 200, response.content[:300]
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONNECTION_ID()")
        assert cursor.fetchone()[0] != session
