"""Strict input on every endpoint with a body: an unknown name is 400 unknown_fields, never silently dropped."""

from __future__ import annotations

import pytest

from nailstudio.models import CustomerProfile
from tests.core.schema_ops import VENDOR, operations, properties
from tests.core.test_errors import envelope

pytestmark = pytest.mark.django_db
BODY_OPS = sorted(
    {
        (p, m, c)
        for c in ("application/json", "multipart/form-data")
        for p, m, s in operations(c)
        if properties(s)
    }
    - {(p, m, c) for p in VENDOR for m in ("post",) for c in ("application/json", "multipart/form-data")}
)


def _send(client, method: str, url: str, body: dict, content_type: str):
    fmt = "json" if content_type == "application/json" else "multipart"
    return getattr(client, method)(url, body, format=fmt)


@pytest.mark.parametrize(("path", "method", "content_type"), BODY_OPS, ids=[" ".join(op) for op in BODY_OPS])
def test_it_refuses_an_unknown_field(client_for, paths, path, method, content_type):
    response = _send(client_for(path), method, paths(path), {"zz_not_a_field": "1"}, content_type)
    error = envelope(response, 400, "unknown_fields")
    assert error["details"]["fields"] == ["zz_not_a_field"]
    assert "zz_not_a_field" not in error["details"]["allowed"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/api/v1/customers/{id}/profile", {"colour_preferences": ["#FFFFFF"]}),
        ("post", "/api/v1/designs", {"customer": 1, "target": "single"}),
        ("post", "/api/v1/services", {"customer": 1, "service_date": "2026-03-02", "design": 1}),
        ("post", "/api/v1/classify/check-cache", {"image_hash": "0" * 64, "hash": "x"}),
        ("post", "/api/v1/auth/register", {"username": "zed", "password": "Xintu-strong-99", "mail": "z@x"}),
    ],
)
def test_it_refuses_the_names_clients_got_wrong(owner_client, paths, method, path, body):
    envelope(getattr(owner_client, method)(paths(path), body, format="json"), 400, "unknown_fields")


def test_it_refuses_unknown_fields_of_nested_objects(owner_client):
    body = {"name": "王", "profile": {"nail_shape": "oval", "colour_preferences": []}}
    error = envelope(owner_client.post("/api/v1/customers", body, format="json"), 400, "unknown_fields")
    assert error["details"]["fields"] == ["profile.colour_preferences"]


def test_it_refuses_a_tag_field_on_an_inspiration_upload(owner_client):
    from tests.images import image_bytes, upload

    body = {"image": upload(image_bytes()), "tag": "pink"}
    envelope(owner_client.post("/api/v1/inspirations", body, format="multipart"), 400, "unknown_fields")


def test_it_refuses_read_only_fields_too(owner_client, paths):
    url = paths("/api/v1/customers/{id}")
    body = owner_client.get(url).json()
    error = envelope(owner_client.put(url, body, format="json"), 400, "unknown_fields")
    assert error["details"]["fields"] == ["created_at", "id", "updated_at"]


def test_it_names_the_fields_a_put_leaves_out_and_changes_nothing(owner_client, paths):
    url = paths("/api/v1/customers/{id}/profile")
    owner_client.patch(url, {"prohibitions": ["glitter"]}, format="json")
    error = envelope(owner_client.put(url, {"nail_shape": "oval"}, format="json"), 400, "validation_error")
    assert set(error["details"]) == {
        "nail_size",
        "nail_condition",
        "color_preferences",
        "style_preferences",
        "prohibitions",
    }
    assert CustomerProfile.objects.get().prohibitions == ["glitter"]


def test_it_changes_only_what_a_patch_names(owner_client, paths):
    url = paths("/api/v1/services/{id}")
    before = owner_client.get(url).json()
    after = owner_client.patch(url, {"notes": "补色"}, format="json").json()
    assert after["notes"] == "补色"
    assert {k: v for k, v in after.items() if k not in ("notes", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("notes", "updated_at")
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("patch", "/api/v1/customers/{id}/profile", {"prohibitions": [0]}, "prohibitions"),
        ("patch", "/api/v1/services/{id}", {"service_duration": "5"}, "service_duration"),
        ("patch", "/api/v1/services/{id}", {"notes": 5}, "notes"),
    ],
)
def test_it_takes_json_types_as_they_are(owner_client, paths, method, path, body, field):
    error = envelope(getattr(owner_client, method)(paths(path), body, format="json"), 400, "validation_error")
    assert field in error["details"]
