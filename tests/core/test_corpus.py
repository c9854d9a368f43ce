"""The regression corpus (tests/corpus/) replayed against every write operation of the schema.

Whatever the body or file, the answer is never a 5xx and always the JSON envelope (or an empty 204)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.core.schema_ops import operations, properties
from tests.corpus.make_corpus import EXPECTED
from tests.images import upload

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# Where an accepted image must give a 2xx (elsewhere other required fields are missing, which is a 4xx).
ACCEPTING = {
    "/api/v1/classify",
    "/api/v1/local-classify",
    "/api/v1/inspirations",
    "/api/v1/geo/locate",
    "/api/v1/customers/{id}/profile/photos",
}


JSON_OPS = sorted({(p, m) for p, m, _ in operations(None)})
MULTIPART_OPS = sorted(
    (p, m, name)
    for p, m, schema in operations("multipart/form-data")
    for name, prop in properties(schema).items()
    if prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"
)
FIELDS = {(p, m): sorted(properties(s)) for p, m, s in operations("application/json")}


@pytest.fixture(autouse=True)
def _no_throttles(monkeypatch):
    rates = {scope: "100000/min" for scope in SimpleRateThrottle.THROTTLE_RATES}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


# WeChat Pay's callback answers in WeChat's own format ({"code": "FAIL", "message"}), as its docs require.
VENDOR_FORMAT = {"/api/v1/billing/wechat/notify"}


def _assert_envelope(response) -> None:
    # 503 is a dependency's answer (e.g. WeChat not configured here), never the input's fault.
    assert response.status_code < 500 or response.status_code == 503, response.content[:300]
    if response.status_code == 204:
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    if response.status_code >= 400 and response.wsgi_request.path not in VENDOR_FORMAT:
        assert set(body["error"]) == {"code", "message", "details"}


def _bodies() -> list[tuple[str, bytes]]:
    return [(f.name, f.read_bytes()) for f in sorted((CORPUS / "bodies").iterdir())]


def _value_bodies(fields: list[str]) -> list[tuple[str, bytes]]:
    names = fields or ["x"]
    return [
        (f.name, ("{" + ",".join(f'"{n}": {f.read_text()}' for n in names) + "}").encode())
        for f in sorted((CORPUS / "values").iterdir())
    ]


@pytest.mark.parametrize(("path", "method"), JSON_OPS, ids=[f"{m} {p}" for p, m in JSON_OPS])
def test_it_answers_every_corpus_body_with_a_json_4xx(owner_client, paths, path, method):
    url = paths(path)
    for name, body in _bodies() + _value_bodies(FIELDS.get((path, method), [])):
        response = owner_client.generic(method.upper(), url, body, content_type="application/json")
        _assert_envelope(response)
        if (path, method) in FIELDS and name.startswith(("deep", "lone_surrogate")):
            assert response.status_code == 400, (name, response.content[:300])


@pytest.mark.parametrize(
    ("path", "method", "field"), MULTIPART_OPS, ids=[f"{m} {p} {f}" for p, m, f in MULTIPART_OPS]
)
def test_it_answers_every_corpus_upload_without_a_5xx(owner_client, paths, path, method, field):
    for file in sorted((CORPUS / "uploads").iterdir()):
        response = getattr(owner_client, method)(
            paths(path),
            {field: upload(file.read_bytes(), file.name, "application/octet-stream")},
            format="multipart",
        )
        _assert_envelope(response)
        body = response.json() if response.status_code != 204 else {}
        if path == "/api/v1/classify/batch" and response.status_code == 200:
            body = body["results"][0]
            failed = "error" in body
        else:
            failed = response.status_code >= 400
        if EXPECTED[file.name] == 4:
            assert failed, (file.name, body)
        elif path in ACCEPTING:
            assert not failed, (file.name, body)
