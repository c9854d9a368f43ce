"""HTTP-level checks through the deploy/nginx site in front of gunicorn (CI's MariaDB stage sets
XINTU_NGINX_URL; see .ci/run). Real proxy headers, X-Accel-Redirect and nginx's body limit, over TLS."""

import os
import uuid

import httpx
import pytest

from tests.images import image_bytes

BASE = os.environ.get("XINTU_NGINX_URL", "")
pytestmark = pytest.mark.skipif(not BASE, reason="XINTU_NGINX_URL: nginx in front of gunicorn")


@pytest.fixture(scope="module")
def http():
    with httpx.Client(base_url=BASE, verify=False, timeout=30) as client:  # a self-signed CI certificate
        yield client


@pytest.fixture(scope="module")
def token(http):
    name = f"ci-{uuid.uuid4().hex[:10]}"
    password = "Nginx-check-1234"
    created = http.post("/api/v1/auth/register", json={"username": name, "password": password,
                                                      "email": f"{name}@example.com"})  # fmt: skip
    assert created.status_code == 201, created.text
    login = http.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert login.status_code == 200, login.text
    return login.json()["access"]


def test_it_answers_through_nginx_and_keeps_or_makes_a_request_id(http):
    mine = http.get("/api/v1/health/ready", headers={"X-Request-ID": "ci-check-123"})
    assert mine.status_code == 200
    assert mine.headers["X-Request-ID"] == "ci-check-123"
    made = http.get("/api/v1/health/live")
    assert len(made.headers["X-Request-ID"]) == 32  # nginx's $request_id, kept by the app


def test_private_media_is_sent_by_nginx_through_x_accel_redirect(http, token):
    auth = {"Authorization": f"Bearer {token}"}
    png = image_bytes("PNG", (30, 20), (200, 30, 30))
    created = http.post("/api/v1/inspirations", headers=auth, files={"image": ("i.png", png, "image/png")},
                        data={"tags": ["ci"]})  # fmt: skip
    assert created.status_code == 201, created.text
    url = created.json()["image_url"]
    assert url.startswith("https://")  # X-Forwarded-Proto reached Django
    served = http.get(httpx.URL(url).raw_path.decode())
    assert served.status_code == 200
    assert served.content[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"RIFF")
    assert "X-Accel-Redirect" not in served.headers  # nginx followed it
    name = served.request.url.path.rsplit("/", 1)[-1]
    assert http.get(f"/_private/{name}").status_code == 404  # internal only


def test_a_body_over_nginx_limit_is_a_json_413(http, token):
    too_big = b"\0" * (13 * 1024 * 1024)
    response = http.post("/api/v1/classify", headers={"Authorization": f"Bearer {token}"}, content=too_big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_metrics_add_up_every_gunicorn_worker(http):
    for _ in range(6):
        http.get("/api/v1/health/live")
    text = http.get("/metrics").text  # from 127.0.0.1: allowed by the site and the app
    live = [
        line
        for line in text.splitlines()
        if line.startswith('xintu_http_requests_total{endpoint="health-live"')
    ]
    assert live
    assert float(live[0].rsplit(" ", 1)[1]) >= 6
