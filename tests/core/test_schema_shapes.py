"""The schema tells the runtime's truth: tags per domain and the shapes the views really answer."""

import pytest

from tests.core.schema_ops import SCHEMA

COMPONENTS = SCHEMA["components"]["schemas"]


def _ref(schema) -> dict:
    return COMPONENTS[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def _response(path: str, method: str, status: str) -> dict:
    return _ref(SCHEMA["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"])


def test_it_groups_every_operation_under_one_domain_tag():
    names = [t["name"] for t in SCHEMA["tags"]]
    assert names == [
        "auth",
        "album",
        "geo",
        "image edits",
        "billing",
        "nail studio",
        "abilities",
        "stats",
        "health",
    ]
    used = {
        (path, method): operation["tags"]
        for path, item in SCHEMA["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    assert all(len(tags) == 1 and tags[0] in names for tags in used.values())
    assert set(names) == {tags[0] for tags in used.values()}
    assert used[("/api/v1/auth/wechat", "post")] == ["auth"]
    assert used[("/api/v1/stats/image-edits", "get")] == ["stats"]
    assert used[("/api/v1/designs", "post")] == ["nail studio"]


def test_it_documents_the_batch_answer_as_an_object_of_results():
    body = _response("/api/v1/classify/batch", "post", "200")
    items = _ref(body["properties"]["results"]["items"])
    assert {r["$ref"].rsplit("/", 1)[1] for r in items["oneOf"]} == {"Result", "ItemError"}


def test_it_documents_the_async_flag_by_the_name_the_view_reads():
    content = SCHEMA["paths"]["/api/v1/classify/batch"]["post"]["requestBody"]["content"]
    fields = _ref(content["multipart/form-data"]["schema"])["properties"]
    assert "async" in fields
    assert "is_async" not in fields


def test_it_documents_paginated_image_edits():
    assert set(_response("/api/v1/image-edits", "get", "200")["properties"]) == {
        "count",
        "next",
        "previous",
        "results",
    }


def test_it_lets_job_results_be_null_until_done():
    results = _response("/api/v1/classify/jobs/{job_id}", "get", "200")["properties"]["results"]
    assert results["items"].get("nullable") is True


@pytest.mark.parametrize("component", ["DesignPlan", "Estimate"])
def test_it_has_no_blank_complexity(component):
    complexity = COMPONENTS[component]["properties"]["complexity"]
    enums = [_ref(option).get("enum", []) for option in complexity.get("oneOf", [complexity])]
    assert "" not in [value for enum in enums for value in enum]


@pytest.mark.django_db
def test_it_answers_null_complexity_until_estimated(owner_client, paths):
    assert owner_client.get(paths("/api/v1/designs/{id}")).json()["complexity"] is None
