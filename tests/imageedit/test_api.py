"""The API end to end, tasks run inline (no worker): vendors, cache, credits, presets, ownership."""

from io import BytesIO

import numpy as np
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from PIL import Image

from ai.models import AICall
from billing.models import CreditLedger
from billing.services import balance
from core.private_media import storage
from imageedit.models import ImageEditTask
from tests.images import image_bytes, upload

from .conftest import CREDITS, fetch, photo

pytestmark = pytest.mark.django_db
URL = "/api/v1/image-edits"


def private_files() -> list[str]:
    root = storage().location
    from pathlib import Path

    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def test_an_instruction_is_edited_by_dashscope_and_charged_once(
    vendors, owner_client, owner, credits, submit
):
    dashscope, openai = vendors
    response = submit(owner_client, instruction="变成水彩风格")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert response.json()["position"] == 1
    body = response.final
    assert body["status"] == "succeeded"
    assert body["provider"] == "dashscope"
    assert body["model"] == "wanx2.1-imageedit"
    assert body["credits_charged"] == 5
    assert dashscope.received_prompts() == ["变成水彩风格"]
    assert dashscope.task_requests()[0]["input"]["function"] == "description_edit"
    assert dashscope.received_images()[0].size == (96, 64)  # the uploaded photo went to the model
    assert openai.requests == []
    assert fetch(owner_client, body["result_url"]).size == (96, 64)
    assert balance(owner) == CREDITS - 5
    ledger = list(
        CreditLedger.objects.filter(user=owner).exclude(reason="grant").values_list("delta", flat=True)
    )
    assert ledger == [-5]
    task = ImageEditTask.objects.get(pk=body["id"])
    assert task.source_name == ""
    assert task.cost > 0
    assert task.expires_at > task.finished_at
    assert private_files() == [task.result_name]  # the photo itself is gone once the edit is done


def test_openai_images_edit_answers_when_dashscope_fails(vendors, owner_client, owner, credits, submit):
    dashscope, openai = vendors
    dashscope.task_failure = ("DataInspectionFailed", "Input data may contain inappropriate content.")
    body = submit(owner_client, instruction="去掉背景里的路人").final
    assert body["status"] == "succeeded"
    assert body["provider"] == "openai"
    assert body["model"] == "gpt-image-1"
    (form,) = openai.edit_requests()
    fields = {part.name: part for part in form}
    assert fields["prompt"].text == "去掉背景里的路人"
    assert fields["model"].text == "gpt-image-1"
    assert Image.open(BytesIO(fields["image"].data)).size == (96, 64)
    assert fetch(owner_client, owner_client.get(f"{URL}/{body['id']}").json()["result_url"]).size == (
        1024,
        1024,
    )
    assert balance(owner) == CREDITS - 5


def test_the_same_edit_of_the_same_photo_is_served_from_the_cache_for_free(
    vendors, owner_client, outsider_client, owner, outsider, credits, submit
):
    dashscope, _ = vendors
    first = submit(owner_client, instruction="变成水彩风格").final
    calls = len(dashscope.requests)
    again = submit(owner_client, instruction="  变成水彩风格。 ")  # same edit, written differently
    assert again.status_code == 200
    hit = again.json()
    assert hit == again.final | {"result_url": hit["result_url"]}  # answered at once, nothing queued
    assert hit["status"] == "succeeded"
    assert hit["from_cache"] is True
    assert hit["credits_charged"] == 0
    assert hit["id"] != first["id"]
    assert hit["provider"] == "dashscope"
    assert len(dashscope.requests) == calls  # no provider call
    assert balance(owner) == CREDITS - 5
    original = fetch(owner_client, owner_client.get(f"{URL}/{first['id']}").json()["result_url"])
    copy = fetch(owner_client, owner_client.get(f"{URL}/{hit['id']}").json()["result_url"])
    assert np.array_equal(np.asarray(original), np.asarray(copy))
    # anyone holding the very same bytes gets it free too; another photo or instruction is a new edit
    assert submit(outsider_client, instruction="变成水彩风格").json()["from_cache"] is True
    assert balance(outsider) == 0
    assert submit(owner_client, photo(seed=7), instruction="变成水彩风格").status_code == 202
    assert submit(owner_client, instruction="变成油画风格").status_code == 202
    assert len(dashscope.task_requests()) == 3
    assert AICall.objects.filter(capability="edit_image", ok=True).count() == 3


def test_a_changed_model_is_a_cache_miss(vendors, settings, owner_client, credits, submit):
    submit(owner_client, instruction="变成水彩风格")
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "dashscope": {**settings.AI_MODELS["dashscope"], "edit_image": "wan2.5-i2i"},
    }
    assert submit(owner_client, instruction="变成水彩风格").json()["from_cache"] is False


def test_a_failed_edit_gives_the_credits_back(vendors, owner_client, owner, credits, submit):
    dashscope, openai = vendors
    dashscope.task_failure = ("InternalError.Algo", "Algorithm failed.")
    openai.script(openai.error(400, "moderation_blocked", "Your request was rejected by the safety system."))
    body = submit(owner_client, instruction="变成水彩风格").final
    assert body["status"] == "failed"
    assert body["error_code"] == "provider_unavailable"
    assert body["credits_charged"] == 0
    assert body["result_url"] is None
    assert balance(owner) == CREDITS
    ledger = CreditLedger.objects.filter(user=owner).exclude(reason="grant").order_by("id")
    assert [(e.delta, e.reason) for e in ledger] == [(-5, "spend"), (5, "refund")]
    # nothing was cached: the same edit later is a new try
    dashscope.task_failure = None
    assert submit(owner_client, instruction="变成水彩风格").final["status"] == "succeeded"
    assert balance(owner) == CREDITS - 5


def test_transient_failures_of_every_provider_are_retried_by_the_task(
    vendors, settings, owner_client, owner, credits, submit
):
    dashscope, openai = vendors
    settings.AI_MAX_RETRIES = 0
    dashscope.script(dashscope.error(503))
    openai.script(openai.error(503))
    body = submit(owner_client, instruction="变成水彩风格").final
    assert body["status"] == "succeeded"
    assert body["provider"] == "dashscope"
    assert ImageEditTask.objects.get(pk=body["id"]).attempts == 2
    assert balance(owner) == CREDITS - 5


def test_transient_failures_give_up_after_the_retries(
    vendors, settings, owner_client, owner, credits, submit
):
    dashscope, openai = vendors
    settings.AI_MAX_RETRIES = 0
    settings.IMAGE_EDIT_RETRIES = 1
    dashscope.script(*[dashscope.error(503)] * 2)
    openai.script(*[openai.error(429)] * 2)
    body = submit(owner_client, instruction="变成水彩风格").final
    assert body["status"] == "failed"
    assert body["error_code"] == "provider_unavailable"
    assert ImageEditTask.objects.get(pk=body["id"]).attempts == 2
    assert balance(owner) == CREDITS


def test_an_edit_over_the_soft_time_limit_fails_and_refunds(
    vendors, owner_client, owner, credits, submit, monkeypatch
):
    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("ai.services.edit_image", too_slow)
    body = submit(owner_client, instruction="变成水彩风格").final
    assert body["status"] == "failed"
    assert body["error_code"] == "timeout"
    assert balance(owner) == CREDITS


def test_an_instruction_without_a_remote_model_is_503_and_charges_nothing(
    offline, owner_client, owner, credits, submit
):
    response = submit(owner_client, instruction="变成水彩风格")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "provider_unavailable"
    assert balance(owner) == CREDITS
    assert not ImageEditTask.objects.exists()
    assert private_files() == []


def test_short_of_credits_is_402_and_nothing_is_queued(vendors, owner_client, owner, submit):
    response = submit(owner_client, instruction="变成水彩风格")
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_credits"
    assert response.json()["error"]["details"] == {"needed": 5, "balance": 0}
    assert not ImageEditTask.objects.exists()
    assert private_files() == []
    assert vendors[0].requests == []


@pytest.mark.parametrize("preset", ["black_white", "warm", "square_avatar"])
def test_a_preset_runs_offline_for_free(offline, owner_client, owner, submit, preset):
    source = photo((96, 64))
    body = submit(owner_client, source, preset=preset).final
    assert body["status"] == "succeeded"
    assert body["provider"] == "local"
    assert body["model"] == "pillow-presets-v1"
    assert body["credits_charged"] == 0
    assert balance(owner) == 0
    result = np.asarray(
        fetch(owner_client, owner_client.get(f"{URL}/{body['id']}").json()["result_url"]).convert("RGB"),
        dtype=float,
    )
    before = np.asarray(Image.open(BytesIO(source)).convert("RGB"), dtype=float)
    if preset == "black_white":
        assert np.abs(result[..., 0] - result[..., 2]).max() <= 2
        assert np.abs(before[..., 0] - before[..., 2]).max() > 40
    elif preset == "warm":
        assert (result[..., 0] - result[..., 2]).mean() > (before[..., 0] - before[..., 2]).mean() + 20
    else:
        assert result.shape[:2] == (64, 64)
    assert AICall.objects.get(capability="edit_image").provider == "local"


def test_an_instruction_with_a_preset_applies_the_preset_to_the_models_answer(
    vendors, owner_client, credits, submit
):
    body = submit(owner_client, instruction="变成水彩风格", preset="square_avatar").final
    assert body["status"] == "succeeded"
    assert body["provider"] == "dashscope"
    assert (body["result_width"], body["result_height"]) == (64, 64)


@pytest.mark.parametrize(
    ("fields", "data", "status", "code"),
    [
        ({}, None, 400, "validation_error"),
        ({"instruction": "   "}, None, 400, "validation_error"),
        ({"preset": "sepia"}, None, 400, "validation_error"),
        ({"instruction": "x" * 501}, None, 400, "validation_error"),
        ({"preset": "warm"}, b"GIF89a not really", 415, "image_format_unsupported"),
        ({"preset": "warm"}, b"\xff\xd8\xff\xe0 broken jpeg", 400, "image_invalid"),
    ],
)
def test_bad_submissions(offline, owner_client, submit, fields, data, status, code):
    response = submit(owner_client, data, **fields)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_an_identical_edit_still_queued_is_not_queued_twice(
    vendors, owner_client, owner, credits, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # no worker picks them up
        first = owner_client.post(
            URL, {"image": upload(photo()), "instruction": "变成水彩风格"}, format="multipart"
        )
        again = owner_client.post(
            URL, {"image": upload(photo()), "instruction": "变成水彩风格!"}, format="multipart"
        )
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["position"] == 1
    assert ImageEditTask.objects.count() == 1
    assert balance(owner) == CREDITS - 5
    assert len(private_files()) == 1


def test_list_is_own_paginated_and_filterable(offline, owner_client, outsider_client, submit):
    for seed in range(3):
        submit(owner_client, photo(seed=seed), preset="warm")
    submit(outsider_client, preset="cool")
    page = owner_client.get(URL, {"page_size": 2}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
    assert all(item["preset"] == "warm" for item in page["results"])
    assert owner_client.get(URL, {"status": "failed"}).json()["count"] == 0
    assert owner_client.get(URL, {"status": "nope"}).status_code == 400


def test_delete_removes_the_task_and_its_files(
    offline, owner_client, submit, django_capture_on_commit_callbacks
):
    body = submit(owner_client, preset="cartoon").final
    url = body["result_url"]
    assert private_files()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"{URL}/{body['id']}").status_code == 204
    assert private_files() == []
    assert not ImageEditTask.objects.exists()
    assert owner_client.get(url).status_code == 404
    assert owner_client.get(f"{URL}/{body['id']}").status_code == 404


def test_an_outsider_gets_404_on_every_endpoint(offline, owner_client, outsider_client, submit):
    body = submit(owner_client, preset="warm").final
    task_url = f"{URL}/{body['id']}"
    assert outsider_client.get(task_url).status_code == 404
    assert outsider_client.post(f"{task_url}/cancel").status_code == 404
    assert outsider_client.delete(task_url).status_code == 404
    assert outsider_client.get(URL).json()["count"] == 0
    assert ImageEditTask.objects.filter(pk=body["id"]).exists()
    assert owner_client.get(task_url).status_code == 200


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_presets_are_listed(owner_client):
    codes = [p["code"] for p in owner_client.get(f"{URL}/presets").json()]
    assert codes == [
        "auto_enhance",
        "black_white",
        "warm",
        "cool",
        "background_blur",
        "cartoon",
        "square_avatar",
    ]


def test_stats_count_edits_and_cost_per_day_for_staff_only(
    vendors, owner_client, staff_client, credits, submit
):
    dashscope, _ = vendors
    submit(owner_client, instruction="变成水彩风格")
    submit(owner_client, instruction="变成水彩风格")  # cache hit
    submit(owner_client, image_bytes("PNG", (40, 40)), preset="warm")
    dashscope.task_failure = ("InternalError.Algo", "Algorithm failed.")
    vendors[1].script(vendors[1].error(400))
    submit(owner_client, photo(seed=3), instruction="变成水彩风格")
    assert owner_client.get("/api/v1/stats/image-edits").status_code == 403
    body = staff_client.get("/api/v1/stats/image-edits", {"days": 7}).json()
    assert len(body["days"]) == 7
    today = body["days"][-1]
    assert today["edits"] == 4
    assert today["succeeded"] == 3
    assert today["failed"] == 1
    assert today["cache_hits"] == 1
    assert today["credits"] == 5
    assert today["cost"] == "0.140000" == body["totals"]["cost"]  # the wanx price table: one image
    assert all(day["edits"] == 0 for day in body["days"][:-1])
    assert staff_client.get("/api/v1/stats/image-edits", {"days": 0}).status_code == 400
