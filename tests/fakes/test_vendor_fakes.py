"""The DashScope and OpenAI fakes, driven through the real dashscope and openai SDKs."""

from __future__ import annotations

import base64
import json
import time

import dashscope
import openai
import pytest
import requests
from dashscope import ImageSynthesis, MultiModalConversation

from tests.fakes.dashscope import FakeDashScope
from tests.fakes.images import data_uri, make_jpeg, make_png, open_image
from tests.fakes.openai import FakeOpenAI

LOCAL = "http://127.0.0.1:"


def vl_messages(*images: bytes, text: str = "这是什么？") -> list[dict]:
    content = [{"image": data_uri(image)} for image in images] + [{"text": text}]
    return [{"role": "system", "content": [{"text": "只输出JSON"}]}, {"role": "user", "content": content}]


def oa_messages(*images: bytes, text: str = "What is this?") -> list[dict]:
    parts = [
        {"type": "image_url", "image_url": {"url": data_uri(image), "detail": "low"}} for image in images
    ]
    return [
        {"role": "system", "content": "Answer in JSON."},
        {"role": "user", "content": [*parts, {"type": "text", "text": text}]},
    ]


@pytest.fixture(autouse=True)
def _plain_requests(request) -> None:
    """These tests drive the SDKs with plain requests: the fakes' structured-output check is tested apart."""
    for name in ("fake_dashscope", "fake_openai"):
        if name in request.fixturenames:
            request.getfixturevalue(name).require_structured_output = False


@pytest.fixture
def ds(fake_dashscope: FakeDashScope) -> FakeDashScope:
    assert dashscope.base_http_api_url.startswith(LOCAL)
    return fake_dashscope


@pytest.fixture
def client(fake_openai: FakeOpenAI) -> openai.OpenAI:
    client = openai.OpenAI(base_url=fake_openai.base_url, api_key="sk-test", max_retries=0, timeout=5)
    assert str(client.base_url).startswith(LOCAL)
    return client


# ---- DashScope: Qwen-VL chat ----


def test_qwen_vl_returns_configured_answer_usage_and_records_what_was_sent(ds: FakeDashScope) -> None:
    ds.answer = {"category": "pets", "confidence": 0.9, "description": "一只猫"}
    ds.usage = {"input_tokens": 777, "output_tokens": 33, "image_tokens": 700}
    jpeg = make_jpeg((320, 200))

    rsp = MultiModalConversation.call(
        model="qwen-vl-max", messages=vl_messages(jpeg), api_key="sk-ds", request_timeout=5
    )

    assert rsp.status_code == 200
    assert json.loads(rsp.output.choices[0].message.content[0]["text"]) == ds.answer
    assert (rsp.usage.input_tokens, rsp.usage.output_tokens, rsp.usage["image_tokens"]) == (777, 33, 700)
    assert rsp.request_id
    [sent] = ds.received_images()
    assert (sent.format, sent.size) == ("JPEG", (320, 200))
    assert ds.received_texts() == ["只输出JSON", "这是什么？"]
    assert ds.chat_requests()[0]["model"] == "qwen-vl-max"
    assert ds.requests[0].headers["authorization"] == "Bearer sk-ds"


def test_qwen_vl_raw_answers_can_be_scripted_in_sequence(ds: FakeDashScope) -> None:
    ds.script(ds.answer_reply("not json {"), ds.answer_reply({"ok": True}, usage={"input_tokens": 5}))
    texts = []
    for _ in range(3):
        rsp = MultiModalConversation.call(model="qwen-vl-max", messages=vl_messages(make_png()), api_key="k")
        texts.append(rsp.output.choices[0].message.content[0]["text"])
    assert texts == ["not json {", '{"ok": true}', ds.answer]
    assert len(ds.received_images()) == 3


def test_qwen_vl_per_call_base_address_overrides_the_global(ds: FakeDashScope, monkeypatch) -> None:
    monkeypatch.setattr(dashscope, "base_http_api_url", "http://127.0.0.1:9/api/v1")  # nothing listens there
    rsp = MultiModalConversation.call(
        model="qwen-vl-max", messages=vl_messages(make_png()), api_key="k", base_address=ds.base_http_api_url
    )
    assert rsp.status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "InvalidParameter"),
        (401, "InvalidApiKey"),
        (429, "Throttling.RateQuota"),
        (500, "InternalError"),
    ],
)
def test_dashscope_errors_come_back_as_responses_in_vendor_format(ds: FakeDashScope, status, code) -> None:
    ds.script(ds.error(status))
    rsp = MultiModalConversation.call(model="qwen-vl-max", messages=vl_messages(make_png()), api_key="k")
    assert (rsp.status_code, rsp.code) == (status, code)
    assert rsp.message
    assert rsp.request_id
    assert rsp.output is None
    assert len(ds.requests) == 1  # the SDK does not retry statuses


def test_dashscope_rejects_other_api_keys_and_broken_images(ds: FakeDashScope) -> None:
    ds.api_key = "sk-right"
    wrong = MultiModalConversation.call(model="qwen-vl-max", messages=vl_messages(make_png()), api_key="sk-x")
    assert (wrong.status_code, wrong.code) == (401, "InvalidApiKey")
    broken = [
        {"role": "user", "content": [{"image": "data:image/png;base64,bm90IGFuIGltYWdl"}, {"text": "?"}]}
    ]
    bad = MultiModalConversation.call(model="qwen-vl-max", messages=broken, api_key="sk-right")
    assert (bad.status_code, bad.code) == (400, "InvalidParameter")


def test_dashscope_slow_reply_trips_request_timeout(ds: FakeDashScope) -> None:
    ds.script(ds.slow(2.0))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        MultiModalConversation.call(
            model="qwen-vl-max", messages=vl_messages(make_png()), api_key="k", request_timeout=0.5
        )
    assert time.monotonic() - started < 1.5


# ---- DashScope: Wanx image tasks ----


def test_text_to_image_task_runs_pending_running_succeeded_and_serves_pngs(ds: FakeDashScope) -> None:
    task = ImageSynthesis.async_call(
        model="wanx2.1-t2i-turbo", prompt="一只橘猫", n=2, size="640*480", api_key="k"
    )
    assert (task.status_code, task.output.task_status) == (200, "PENDING")
    assert ds.requests[0].headers["x-dashscope-async"] == "enable"

    statuses = [ImageSynthesis.fetch(task, api_key="k").output.task_status for _ in range(2)]
    done = ImageSynthesis.fetch(task, api_key="k")

    assert statuses == ["RUNNING", "SUCCEEDED"]
    assert done.output.task_status == "SUCCEEDED"
    assert done.usage.image_count == 2
    urls = [result.url for result in done.output.results]
    assert len(set(urls)) == 2
    assert all(url.startswith(ds.url + "/files/") for url in urls)
    downloaded = [open_image(requests.get(url, timeout=5).content) for url in urls]
    assert [(image.format, image.size) for image in downloaded] == [("PNG", (640, 480))] * 2
    assert ds.received_prompts() == ["一只橘猫"]
    assert requests.get(ds.url + "/files/nope.png", timeout=5).status_code == 404


def test_image_synthesis_wait_polls_until_done(ds: FakeDashScope) -> None:
    task = ImageSynthesis.async_call(model="wan2.2-t2i-flash", prompt="cat", n=1, api_key="k")
    started = time.monotonic()
    result = ImageSynthesis.wait(task, api_key="k")
    assert result.output.task_status == "SUCCEEDED"
    assert [r.method for r in ds.requests] == ["POST", "GET", "GET"]  # PENDING -> RUNNING -> SUCCEEDED
    assert time.monotonic() - started < 3


def test_image_edit_task_with_data_uri_base_image(ds: FakeDashScope) -> None:
    ds.task_steps = []
    base = make_jpeg((300, 180))
    task = ImageSynthesis.async_call(
        model="wanx2.1-imageedit",
        function="description_edit",
        prompt="把猫变成蓝色",
        base_image_url=data_uri(base),
        api_key="k",
    )
    result = ImageSynthesis.wait(task, api_key="k")

    assert ds.requests[0].path.endswith("/services/aigc/image2image/image-synthesis")
    assert ds.task_requests()[0]["input"]["function"] == "description_edit"
    assert [image.size for image in ds.received_images()] == [(300, 180)]
    [output] = result.output.results
    assert open_image(requests.get(output.url, timeout=5).content).size == (300, 180)
    assert result.usage.image_count == 1


def test_failed_task_and_unknown_task(ds: FakeDashScope) -> None:
    ds.task_steps = []
    ds.task_failure = ("DataInspectionFailed", "Output data may contain inappropriate content.")
    task = ImageSynthesis.async_call(model="wanx2.1-t2i-turbo", prompt="x", api_key="k")
    result = ImageSynthesis.wait(task, api_key="k")
    assert result.status_code == 200
    assert (result.output.task_status, result.output.code) == ("FAILED", "DataInspectionFailed")
    assert result.output.results == []
    assert ImageSynthesis.fetch("no-such-task", api_key="k").output.task_status == "UNKNOWN"


def test_image_synthesis_without_async_header_is_refused(ds: FakeDashScope) -> None:
    rsp = ImageSynthesis.sync_call(model="wanx2.1-t2i-turbo", prompt="cat", api_key="k")
    assert (rsp.status_code, rsp.code) == (403, "AccessDenied")


def test_task_creation_error_is_scripted(ds: FakeDashScope) -> None:
    ds.script(ds.error(429, code="Throttling.AllocationQuota"))
    task = ImageSynthesis.async_call(model="wanx2.1-t2i-turbo", prompt="cat", api_key="k")
    assert (task.status_code, task.code) == (429, "Throttling.AllocationQuota")


# ---- OpenAI: chat completions ----


def test_chat_vision_returns_answer_usage_and_records_images(fake_openai: FakeOpenAI, client) -> None:
    fake_openai.answer = {"category": "pets", "confidence": 0.9}
    fake_openai.usage = {"prompt_tokens": 321, "completion_tokens": 12}
    big, small = make_jpeg((800, 600)), make_png((100, 50))

    completion = client.chat.completions.create(model="gpt-4o-mini", messages=oa_messages(big, small))

    assert json.loads(completion.choices[0].message.content) == fake_openai.answer
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (321, 12)
    assert completion.usage.total_tokens == 333
    assert completion.model == "gpt-4o-mini"
    assert completion._request_id.startswith("req_")
    assert [(i.format, i.size) for i in fake_openai.received_images()] == [
        ("JPEG", (800, 600)),
        ("PNG", (100, 50)),
    ]
    assert fake_openai.received_texts() == ["Answer in JSON.", "What is this?"]
    assert fake_openai.requests[0].headers["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(
    ("status", "exc", "code"),
    [
        (400, openai.BadRequestError, None),
        (401, openai.AuthenticationError, "invalid_api_key"),
        (429, openai.RateLimitError, "rate_limit_exceeded"),
        (500, openai.InternalServerError, None),
    ],
)
def test_openai_errors_raise_sdk_exceptions(fake_openai: FakeOpenAI, client, status, exc, code) -> None:
    fake_openai.script(fake_openai.error(status))
    with pytest.raises(exc) as caught:
        client.chat.completions.create(model="gpt-4o", messages=oa_messages(make_png()))
    assert caught.value.status_code == status
    assert caught.value.code == code
    assert caught.value.body["message"]
    assert caught.value.request_id.startswith("req_")
    assert len(fake_openai.requests) == 1


def test_openai_default_retries_recover_from_a_scripted_500(fake_openai: FakeOpenAI) -> None:
    error = fake_openai.error(500)
    error.headers["retry-after-ms"] = "10"  # keeps the SDK's backoff short
    fake_openai.script(error)
    retrying = openai.OpenAI(base_url=fake_openai.base_url, api_key="k", max_retries=1, timeout=5)
    completion = retrying.chat.completions.create(model="gpt-4o", messages=oa_messages(make_png()))
    assert completion.choices[0].message.content == fake_openai.answer
    assert [r.headers["x-stainless-retry-count"] for r in fake_openai.requests] == ["0", "1"]


def test_openai_slow_reply_raises_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(fake_openai.slow(2.0))
    impatient = openai.OpenAI(base_url=fake_openai.base_url, api_key="k", max_retries=0, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="gpt-4o", messages=oa_messages(make_png()))
    assert time.monotonic() - started < 1.5


def test_openai_rejects_other_keys_and_broken_images(fake_openai: FakeOpenAI, client) -> None:
    broken = [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
        }
    ]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=broken)
    assert caught.value.code == "invalid_image_format"
    fake_openai.api_key = "sk-other"
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="gpt-4o", messages=oa_messages(make_png()))


def test_fixture_points_default_clients_at_the_fake(fake_openai: FakeOpenAI, ds: FakeDashScope) -> None:
    completion = openai.OpenAI(max_retries=0).chat.completions.create(model="gpt-4o", messages=oa_messages())
    assert completion.choices[0].message.content == fake_openai.answer
    rsp = MultiModalConversation.call(model="qwen-vl-max", messages=vl_messages(make_png()))
    assert rsp.status_code == 200
    assert ds.requests[0].headers["authorization"] == f"Bearer {dashscope.api_key}"


# ---- OpenAI: images ----


def test_images_generate_returns_b64_png_and_usage(fake_openai: FakeOpenAI, client) -> None:
    fake_openai.image_usage = {"input_tokens": 17, "output_tokens": 272}
    result = client.images.generate(
        model="gpt-image-1", prompt="一只猫", size="1024x1536", n=2, quality="low"
    )
    images = [open_image(base64.b64decode(item.b64_json)) for item in result.data]
    assert [(image.format, image.size) for image in images] == [("PNG", (1024, 1536))] * 2
    assert images[0].tobytes() != images[1].tobytes()
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.total_tokens) == (
        17,
        272,
        289,
    )
    assert (result.quality, result.size) == ("low", "1024x1536")
    assert fake_openai.received_prompts() == ["一只猫"]


def test_images_edit_parses_multipart_uploads(fake_openai: FakeOpenAI, client) -> None:
    photo = make_jpeg((640, 480))
    result = client.images.edit(
        model="gpt-image-1",
        prompt="make it blue",
        image=("photo.jpg", photo, "image/jpeg"),
        output_format="jpeg",
    )
    assert open_image(base64.b64decode(result.data[0].b64_json)).format == "JPEG"
    [form] = fake_openai.edit_requests()
    fields = {part.name: part.text for part in form if part.filename is None}
    assert fields["model"] == "gpt-image-1"
    assert fields["output_format"] == "jpeg"
    [upload] = [part for part in form if part.filename]
    assert (upload.name, upload.filename, upload.content_type, upload.data) == (
        "image",
        "photo.jpg",
        "image/jpeg",
        photo,
    )
    assert [image.size for image in fake_openai.received_images()] == [(640, 480)]
    assert fake_openai.received_prompts() == ["make it blue"]


def test_images_edit_with_several_images_and_a_bad_one(fake_openai: FakeOpenAI, client) -> None:
    images = [("a.png", make_png((10, 10)), "image/png"), ("b.png", make_png((20, 30)), "image/png")]
    client.images.edit(model="gpt-image-1", prompt="merge", image=images)
    assert {part.name for part in fake_openai.edit_requests()[0] if part.filename} == {"image[]"}
    assert [image.size for image in fake_openai.received_images()] == [(10, 10), (20, 30)]
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(model="gpt-image-1", prompt="x", image=("c.png", b"garbage", "image/png"))
    assert caught.value.code == "invalid_image_file"
