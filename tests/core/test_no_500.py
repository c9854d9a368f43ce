"""No 500 and no HTML for any input: the cases found by the contract run of issue 14, one by one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from core.errors import api_not_found
from core.private_media import save_private, sign
from core.renderers import JSONRenderer
from tests.core.test_errors import envelope
from tests.images import image_bytes

pytestmark = pytest.mark.django_db
SCHEMA_PATHS = SchemaGenerator().get_schema(request=None, public=True)["paths"]
METHODS = ("get", "post", "put", "patch", "delete")
ROOT = Path(__file__).resolve().parents[2]


def _concrete(path: str) -> str:
    """The path with its parameters filled in so that it matches its route (ids or UUIDs)."""
    for value in ("1", "00000000-0000-0000-0000-000000000000"):
        url = re.sub(r"\{\w+\}", value, path)
        if resolve(url).func is not api_not_found:
            return url
    raise AssertionError(path)


def _json(client, method: str, path: str, body: str):
    return client.generic(method, path, body.encode(), content_type="application/json")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/register", "/api/v1/classify/check-cache", "/api/v1/designs", "/api/v1/geo/locate"],
)
def test_it_answers_400_to_json_nested_10000_deep(owner_client, path):
    envelope(_json(owner_client, "POST", path, "[" * 10_000 + "]" * 10_000), 400, "invalid_json")


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("POST", "/api/v1/classify/check-cache", "image_hash"),
        ("POST", "/api/v1/designs", "design_target"),
        ("PATCH", "/api/v1/customers/{id}/profile", "nail_shape"),
        ("PATCH", "/api/v1/customers/{id}/profile", "nail_size"),
        ("POST", "/api/v1/geo/locate", "latitude"),
    ],
)
def test_it_answers_400_to_a_lone_surrogate(owner_client, owner, method, path, field):
    from nailstudio.services import create_customer

    url = path.format(id=create_customer(owner=owner, name="x").pk)
    envelope(_json(owner_client, method, url, f'{{"{field}": "\\ud800"}}'), 400, "invalid_text")


def test_it_renders_stored_text_with_a_lone_surrogate_as_escaped_json():
    assert JSONRenderer().render({"name": "a\ud800b"}) == b'{"name":"a\\ud800b"}'


@pytest.mark.parametrize("path", ["/api/v1/designs", "/api/v1/services"])
@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "1e3", "x"])
def test_it_refuses_ids_out_of_range_in_filters(owner_client, path, value):
    envelope(owner_client.get(path, {"customer": value}), 400, "validation_error")


@pytest.mark.parametrize(
    "body", ["[]", '"x"', "1", "null", '{"latitude": 1' + "0" * 400 + ', "longitude": 1}']
)
def test_it_answers_400_to_locate_bodies_that_are_no_coordinates(owner_client, body):
    envelope(_json(owner_client, "POST", "/api/v1/geo/locate", body), 400, "invalid_coordinates")


def test_it_answers_400_to_an_integer_too_large_for_a_float(owner_client):
    body = '{"latitude": ' + "9" * 400 + ', "longitude": 1}'
    error = envelope(_json(owner_client, "POST", "/api/v1/geo/locate", body), 400, "invalid_coordinates")
    assert error["details"]["field"] == "latitude"


def _register(client, username: str, email: str = ""):
    return client.post(
        "/api/v1/auth/register", {"username": username, "password": "Xintu-strong-99", "email": email}
    )


@pytest.mark.parametrize("username", ["ａｌｉｃｅ", "ALICE", "Ａlice"])  # noqa: RUF001 - full-width on purpose
def test_it_treats_fullwidth_and_case_variants_as_the_same_username(api_client, username):
    assert _register(api_client, "alice").status_code == 201
    envelope(_register(api_client, username), 400, "username_taken")


def test_it_stores_usernames_nfkc_normalised(api_client):
    assert _register(api_client, "ｂｏｂ").json()["user"]["username"] == "bob"  # noqa: RUF001 - full-width


def test_it_refuses_a_taken_email_whatever_its_case(api_client):
    assert _register(api_client, "carol", "Carol@Example.com").status_code == 201
    envelope(_register(api_client, "dave", "carol@EXAMPLE.com"), 400, "email_taken")
    assert _register(api_client, "erin").status_code == 201  # no e-mail is no conflict
    assert _register(api_client, "frank").status_code == 201


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "things", "things/../.."])
def test_it_answers_404_for_signed_names_outside_the_root_or_naming_a_folder(api_client, name):
    save_private(image_bytes("PNG", (4, 4)), "image/png", "things")
    envelope(api_client.get(f"/api/v1/media/{sign(name)}"), 404, "not_found")


@pytest.mark.parametrize("method", METHODS)
def test_it_answers_json_404_for_unknown_api_paths_with_every_method(method):
    client = Client(enforce_csrf_checks=True)  # as a browser-less client meets the CSRF middleware
    envelope(getattr(client, method)("/api/v1/nothing-here"), 404, "not_found")


@pytest.mark.parametrize(("path", "method"), [(p, m) for p in SCHEMA_PATHS for m in METHODS])
def test_it_names_the_route_for_a_trailing_slash(path, method):
    client = Client(enforce_csrf_checks=True)
    url = _concrete(path)
    error = envelope(getattr(client, method)(url + "/"), 404, "not_found")
    assert error["details"] == {"path": url}


@pytest.mark.parametrize(
    ("path", "method"), [(p, m) for p, ops in SCHEMA_PATHS.items() for m in METHODS if m not in ops]
)
def test_it_answers_json_405_for_methods_a_route_does_not_have(staff_client, path, method):
    envelope(getattr(staff_client, method)(_concrete(path)), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path", ["/api/v1/customers/999", "/api/v1/designs?customer=x", "/api/v1/nothing-here"]
)
def test_it_answers_errors_as_json_even_when_html_is_asked_for(api_client, owner_client, path):
    for client in (api_client, owner_client):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code >= 400
        assert response["Content-Type"].startswith("application/json")


def test_it_renders_json_only_outside_debug():
    """Settings are read once at start: a process with DEBUG off has no browsable API at all."""
    code = "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "['core.renderers.JSONRenderer']"


@pytest.mark.urls("tests.core.urls")
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/probe/recursion", 400, "invalid_json"),
        ("/api/probe/overflow", 400, "value_out_of_range"),
        ("/api/probe/boom", 500, "server_error"),
    ],
)
def test_it_answers_json_for_errors_outside_drf_even_with_debug(settings, path, status, code):
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get(path)
    envelope(response, status, code)
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("value", ["null", "0", "-3", "1.5", "x"])
def test_it_refuses_a_page_size_that_is_no_positive_integer(owner_client, value):
    envelope(owner_client.get("/api/v1/customers", {"page_size": value}), 400, "invalid_parameter")
