"""The production entry point (config.asgi): sync views run whole in a lane through Django's WSGI handler,
async views (the ones waiting on models) go to Django's ASGI handler."""

import asyncio
import importlib

import pytest

from core import lanes


@pytest.fixture
def entry(monkeypatch):
    monkeypatch.setattr(lanes, "enable", lambda: None)  # keep this test process's lanes as they are
    return importlib.import_module("config.asgi")


def call(app, path: str, method: str = "GET", headers: tuple = ()) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-request-id", b"asgi-test-1"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def run():
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            await asyncio.sleep(3600)

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


def test_it_sends_model_endpoints_to_the_async_handler_and_the_rest_to_lanes(entry):
    assert entry._is_async("/api/v1/classify")
    assert entry._is_async("/api/v1/classify/batch")
    assert not entry._is_async("/api/v1/classify/check-cache")
    assert not entry._is_async("/api/v1/health/live")
    assert not entry._is_async("/no/such/path")


def test_a_sync_view_answers_through_a_lane(entry):
    status, headers, body = call(entry.application, "/api/v1/health/live")
    assert status == 200
    assert body == b'{"status":"ok"}'
    assert headers["x-request-id"] == "asgi-test-1"
    assert headers["content-type"] == "application/json"


def test_an_async_view_answers_through_djangos_asgi_handler(entry):
    status, headers, body = call(entry.application, "/api/v1/classify", method="POST")
    assert status == 401
    assert b"not_authenticated" in body
    assert headers["x-request-id"] == "asgi-test-1"


def test_an_upload_to_a_sync_view_runs_in_an_upload_lane(entry, monkeypatch):
    used = []
    real = lanes.pool
    monkeypatch.setattr(lanes, "pool", lambda lane: used.append(lane) or real(lane))
    call(entry.application, "/api/v1/health/live")
    multipart = (b"content-type", b"multipart/form-data; boundary=x")
    status, _, _ = call(entry.application, "/api/v1/image-edits", method="POST", headers=(multipart,))
    assert status == 401
    assert used == ["web", "upload"]
