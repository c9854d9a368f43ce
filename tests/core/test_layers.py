"""The layering rules that code review alone would let slip: what the business layer may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BUSINESS = ("services", "selectors", "tasks", "engines")


def _project_apps():
    return [app for app in apps.get_app_configs() if Path(app.path).is_relative_to(ROOT)]


def _business_modules():
    """Each app's services, selectors, tasks and engines (module or package), and the whole AI layer."""
    paths = list((ROOT / "ai").rglob("*.py"))
    for app in _project_apps():
        base = Path(app.path)
        for name in BUSINESS:
            paths += [p for p in [base / f"{name}.py"] if p.exists()]
            paths += list((base / name).rglob("*.py"))
    return sorted(set(paths))


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_it_finds_the_business_modules_it_checks():
    names = {str(p.relative_to(ROOT)) for p in _business_modules()}
    assert {"billing/selectors.py", "classifier/services/pipeline.py", "accounts/services.py"} <= names
    assert "ai/router.py" in names
    assert "nailstudio/tasks.py" in names


@pytest.mark.parametrize("path", _business_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_it_keeps_django_rest_framework_out_of_services_and_selectors(path):
    """HTTP belongs to views: services raise ``core.exceptions.ApplicationError``. (simplejwt's token classes,
    a separate package, are the token format accounts issues, not the HTTP layer.)"""
    drf = sorted(m for m in _imports(path) if m == "rest_framework" or m.startswith("rest_framework."))
    assert not drf, f"{path.relative_to(ROOT)} imports {drf}"


def _rendered(exc: Exception):
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    class Raising(APIView):
        permission_classes = ()
        authentication_classes = ()

        def get(self, request):
            raise exc

    response = Raising.as_view()(APIRequestFactory().get("/api/v1/x"))
    response.render()
    return response


def test_it_renders_a_service_throttle_exactly_as_drf_renders_its_own():
    from rest_framework import exceptions as drf

    from core import exceptions

    ours, theirs = _rendered(exceptions.Throttled(wait=2.2)), _rendered(drf.Throttled(wait=2.2))
    assert ours.status_code == theirs.status_code == 429
    assert ours.data == theirs.data
    assert ours.data["error"]["details"] == {"wait_seconds": 3}
    assert ours["Retry-After"] == theirs["Retry-After"] == "3"


@pytest.mark.parametrize("kind", ["invalid", "not_found", "conflict", "payment_required", "unavailable"])
def test_it_answers_each_kind_with_its_status_from_the_one_table(kind):
    from core.errors import error_body
    from core.exceptions import STATUS, ApplicationError

    response = _rendered(ApplicationError("some_code", "说明 (message)", {"field": 1}, kind=kind))
    assert response.status_code == STATUS[kind]
    assert response.data == error_body("some_code", "说明 (message)", {"field": 1})
    assert not response.has_header("Retry-After")


def test_it_renders_a_service_error_raised_outside_drf_as_the_same_envelope():
    import json

    from django.test import RequestFactory

    from core.exceptions import Unavailable
    from core.middleware import ApiGuardMiddleware

    error = Unavailable("vendor_down", "暂不可用 (unavailable)", retry_after=7)
    response = ApiGuardMiddleware(lambda r: None).process_exception(RequestFactory().get("/api/v1/x"), error)
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert json.loads(response.content) == {
        "error": {"code": "vendor_down", "message": "暂不可用 (unavailable)", "details": {}}
    }


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route, pattern.callback


def test_it_serves_every_auth_route_from_accounts():
    from django.urls import get_resolver

    auth = {route: view for route, view in _routes(get_resolver().url_patterns) if "v1/auth/" in route}
    assert any(route.endswith("auth/wechat") for route in auth)
    assert {route: view.__module__ for route, view in auth.items()} == dict.fromkeys(auth, "accounts.views")


def test_it_keeps_the_studio_free_of_the_ability_centre():
    """abilities builds on nailstudio (records point at services); the reverse would close a cycle, so the
    studio publishes through ``nailstudio.services.scoring`` instead."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if m.split(".")[0] == "abilities")
        for path in (ROOT / "nailstudio").rglob("*.py")
    }
    assert {path: found for path, found in offenders.items() if found} == {}
    assert "nailstudio.models" in _imports(ROOT / "abilities" / "services.py")  # the allowed direction


def test_it_leaves_the_ability_codes_to_the_ability_centre():
    """The AI layer and the studio's engines take the dimensions from the caller (abilities.dimensions)."""
    from abilities.dimensions import LOCAL_ASPECTS
    from ai.local.nails.compare import ASPECTS

    assert set(LOCAL_ASPECTS.values()) <= set(ASPECTS)
    codes = [code for code in LOCAL_ASPECTS if code not in ASPECTS]  # "composition" is both
    paths = [*(ROOT / "ai").rglob("*.py"), ROOT / "nailstudio" / "engines.py"]
    paths += (ROOT / "nailstudio" / "services").rglob("*.py")
    found = {str(p.relative_to(ROOT)): [c for c in codes if c in p.read_text()] for p in paths}
    assert {path: hit for path, hit in found.items() if hit} == {}
