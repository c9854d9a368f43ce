import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-Pass!"


def register(client, username="alice", password="Xintu-strong-99", email="a@example.com"):
    return client.post("/api/v1/auth/register", {"username": username, "password": password, "email": email})


def test_it_registers_and_returns_tokens(api_client):
    response = register(api_client)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert body["tokens"]["access"]
    assert body["tokens"]["refresh"]
    assert get_user_model().objects.get(username="alice").check_password("Xintu-strong-99")


def test_it_rejects_weak_passwords_and_taken_names(api_client, owner):
    assert register(api_client, password="123").json()["error"]["code"] == "password_invalid"
    assert register(api_client, username="OWNER").json()["error"]["code"] == "username_taken"


def test_it_logs_in_and_reads_me(api_client, owner):
    tokens = api_client.post("/api/v1/auth/token", {"username": "owner", "password": PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/v1/auth/me").json()["username"] == "owner"


def test_it_rejects_a_wrong_password(api_client, owner):
    response = api_client.post("/api/v1/auth/token", {"username": "owner", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "no_active_account"


def test_it_rotates_refresh_tokens_and_blacklists_the_old_one(api_client, owner):
    tokens = api_client.post("/api/v1/auth/token", {"username": "owner", "password": PASSWORD}).json()
    rotated = api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    reused = api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"


def test_it_logs_out_by_blacklisting_the_refresh_token(api_client, owner):
    tokens = api_client.post("/api/v1/auth/token", {"username": "owner", "password": PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}).status_code == 204
    api_client.credentials()
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_it_refuses_to_log_out_someone_elses_token(api_client, owner, outsider_client):
    tokens = api_client.post("/api/v1/auth/token", {"username": "owner", "password": PASSWORD}).json()
    response = outsider_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]})
    assert response.status_code == 400
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 200


def test_it_throttles_login_attempts(api_client, owner):
    statuses = [
        api_client.post("/api/v1/auth/token", {"username": "owner", "password": "wrong"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429
