from io import BytesIO

import pytest
from PIL import Image

from ai.models import AICall
from billing.services import balance
from core.private_media import delete_private, private_root
from nailstudio import services
from nailstudio.models import DesignPlan
from nailstudio.prompts import NEGATIVE_HEADER, positive_part
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db
ESTIMATE = {
    "duration_min": 50,
    "duration_max": 70,
    "materials": [
        {"name": "甲油胶 粉色", "amount": "0.3 ml", "type": "polish"},
        {"name": "点珠笔", "amount": "1 件", "type": "tool"},
    ],
    "complexity": "Medium",
}


@pytest.fixture
def request_design(owner_client, django_capture_on_commit_callbacks):
    """POST designs/ and run the queued task (Celery is eager in tests) once the request commits."""

    def post(url="/api/v1/designs", **body):
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(url, body, format="json")
        return response

    return post


def _fetch(client, url: str) -> bytes:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_it_generates_a_design_with_the_remote_model(
    vendors, owner_client, owner, customer, inspiration, credits, request_design
):
    dashscope, _ = vendors
    response = request_design(
        customer=customer.pk, inspiration_image_ids=[inspiration.pk], custom_prompt="春天樱花"
    )
    assert response.status_code == 202, response.json()
    queued = response.json()
    assert queued["status"] == "queued"
    assert queued["credits_charged"] == 2

    plan = owner_client.get(f"/api/v1/designs/{queued['id']}").json()
    assert plan["status"] == "ready", plan
    assert plan["provider"] == "dashscope"
    assert float(plan["cost"]) > 0
    assert plan["version"] == 1
    assert plan["parent_design_id"] is None
    image = Image.open(BytesIO(_fetch(owner_client, plan["image_url"])))
    assert image.size == (1024, 1024)

    prompt = plan["ai_prompt"]
    assert dashscope.received_prompts() == [prompt]
    for wanted in ("coffin", "#F4A6B8", "#FAFAF7", "french", "春天樱花", "five nails", "small nail beds"):
        assert wanted in prompt
    sent = dashscope.received_images()
    assert len(sent) == 1  # the inspiration went along as the reference image
    assert sent[0].size == (80, 60)
    assert sent[0].convert("RGB").getpixel((40, 30)) == pytest.approx((40, 90, 200), abs=6)
    assert balance(owner) == credits - 2


def test_it_keeps_prohibited_elements_out_of_prompts(
    vendors, owner, customer, credits, request_design, django_capture_on_commit_callbacks
):
    dashscope, _ = vendors
    glittery = services.create_inspiration(
        owner=owner, upload=upload(image_bytes("PNG", (20, 20))), tags=["glitter", "pink"]
    )
    first = request_design(
        customer=customer.pk,
        inspiration_image_ids=[glittery.pk],
        custom_prompt="pink with GLITTER tips and 亮片",
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        services.refine_design(DesignPlan.objects.get(pk=first["id"]), "add lots of glitter")

    prompts = dashscope.received_prompts()
    assert len(prompts) == 2
    for prompt in prompts:
        positive = positive_part(prompt).lower()
        assert "glitter" not in positive
        assert "亮片" not in positive
        assert "pink" in positive  # the rest of the request survives
        negative = prompt.split(NEGATIVE_HEADER, 1)[1]
        assert "glitter" in negative
        assert "亮片" in negative


def test_it_refines_into_a_version_chain_and_estimates(
    vendors, owner_client, owner, customer, inspiration, credits, request_design
):
    dashscope, _ = vendors
    v1 = request_design(customer=customer.pk, inspiration_image_ids=[inspiration.pk]).json()
    v2 = request_design(f"/api/v1/designs/{v1['id']}/refine", refinement_prompt="换成浅蓝色").json()
    assert (v2["parent_design_id"], v2["version"], v2["status"]) == (v1["id"], 2, "queued")
    v2 = owner_client.get(f"/api/v1/designs/{v2['id']}").json()
    assert v2["status"] == "ready"
    assert v2["refinement_prompt"] == "换成浅蓝色"
    assert v2["inspiration_image_ids"] == [inspiration.pk]
    assert "换成浅蓝色" in v2["ai_prompt"]

    # The refinement starts from the previous version's image, then the inspirations.
    v1_image = Image.open(private_root() / DesignPlan.objects.get(pk=v1["id"]).image)
    sent = dashscope.received_images()
    assert sent[-1].size == v1_image.size
    assert sent[-1].convert("RGB").getpixel((5, 5)) == v1_image.convert("RGB").getpixel((5, 5))

    v3 = request_design(f"/api/v1/designs/{v1['id']}/refine", refinement_prompt="加波点").json()
    assert (v3["parent_design_id"], v3["version"]) == (v1["id"], 3)
    for plan in (v1, v2, v3):
        chain = owner_client.get(f"/api/v1/designs/{plan['id']}/versions").json()
        assert [p["version"] for p in chain] == [1, 2, 3]

    dashscope.answer = ESTIMATE
    response = owner_client.post(f"/api/v1/designs/{v2['id']}/estimate")
    assert response.status_code == 200
    estimated = response.json()
    assert set(estimated) == {"duration_min", "duration_max", "materials", "complexity", "notes"}
    assert (estimated["duration_min"], estimated["duration_max"]) == (50, 70)
    assert estimated["complexity"] == "medium"
    assert [m["type"] for m in estimated["materials"]] == ["polish", "tool"]
    stored = owner_client.get(f"/api/v1/designs/{v2['id']}").json()
    assert (stored["estimated_duration_min"], stored["estimated_duration_max"]) == (50, 70)
    assert stored["material_list"] == estimated["materials"]
    assert stored["complexity"] == "medium"
    assert balance(owner) == credits - 3 * 2
    # The async estimate's call row is saved by the AI layer's deferred log, for the requesting user.
    call = AICall.objects.filter(capability="analyze_image").get()
    assert (call.provider, call.ok, call.user_id) == ("dashscope", True, owner.pk)


def test_it_falls_back_to_the_next_provider_for_an_unusable_estimate(
    vendors, owner_client, customer, credits, request_design
):
    dashscope, openai = vendors
    plan = request_design(customer=customer.pk).json()
    dashscope.answer = {**ESTIMATE, "complexity": "extreme"}
    openai.answer = {**ESTIMATE, "duration_min": 30, "duration_max": 45}
    estimated = owner_client.post(f"/api/v1/designs/{plan['id']}/estimate").json()
    assert (estimated["duration_min"], estimated["duration_max"]) == (30, 45)


def test_it_generates_refines_and_estimates_offline(
    offline, owner_client, owner, customer, inspiration, credits, request_design
):
    queued = request_design(
        customer=customer.pk, inspiration_image_ids=[inspiration.pk], design_target="single"
    )
    assert queued.status_code == 202
    assert queued.json()["credits_charged"] == 0  # the offline renderer is free
    plan = owner_client.get(f"/api/v1/designs/{queued.json()['id']}").json()
    assert (plan["status"], plan["provider"]) == ("ready", "local")
    assert "设计" in plan["design_description"]
    assert "#" in plan["design_description"]
    first = _fetch(owner_client, plan["image_url"])
    assert Image.open(BytesIO(first)).format == "PNG"

    refined = request_design(
        f"/api/v1/designs/{plan['id']}/refine", refinement_prompt="加波点，换成蓝色"
    ).json()
    refined = owner_client.get(f"/api/v1/designs/{refined['id']}").json()
    assert (refined["status"], refined["provider"], refined["version"]) == ("ready", "local", 2)
    assert _fetch(owner_client, refined["image_url"]) != first

    estimated = owner_client.post(f"/api/v1/designs/{refined['id']}/estimate").json()
    assert 0 < estimated["duration_min"] <= estimated["duration_max"]
    assert "分钟" in estimated["notes"]
    assert estimated["complexity"] in ("low", "medium", "high")
    assert {m["type"] for m in estimated["materials"]} <= {"polish", "decoration", "tool"}
    assert not any("亮片" in m["name"] or "glitter" in m["name"].lower() for m in estimated["materials"])
    assert balance(owner) == credits


def test_it_draws_offline_for_free_when_remote_providers_fail(
    vendors, owner_client, owner, customer, credits, request_design
):
    dashscope, openai = vendors
    dashscope.task_failure = ("InternalError", "boom")
    openai.script(openai.error(400))
    plan = request_design(customer=customer.pk).json()
    plan = owner_client.get(f"/api/v1/designs/{plan['id']}").json()
    assert (plan["status"], plan["provider"], plan["credits_charged"]) == ("ready", "local", 0)
    assert balance(owner) == credits


def test_it_fails_and_refunds_when_no_provider_answers(
    vendors, settings, owner_client, owner, customer, credits, request_design
):
    dashscope, _ = vendors
    settings.AI_CHAINS = {**settings.AI_CHAINS, "generate_image": ["dashscope"]}
    dashscope.task_failure = ("InternalError", "boom")
    plan = request_design(customer=customer.pk).json()
    assert plan["credits_charged"] == 2
    plan = owner_client.get(f"/api/v1/designs/{plan['id']}").json()
    assert plan["status"] == "failed"
    assert plan["error"]
    assert plan["image_url"] is None
    assert plan["credits_charged"] == 0
    assert balance(owner) == credits
    refine = owner_client.post(
        f"/api/v1/designs/{plan['id']}/refine", {"refinement_prompt": "x"}, format="json"
    )
    assert refine.status_code == 409
    assert owner_client.post(f"/api/v1/designs/{plan['id']}/estimate").status_code == 409


def test_it_answers_409_when_a_designs_image_file_is_gone(offline, owner_client, customer, request_design):
    plan = request_design(customer=customer.pk).json()
    delete_private(DesignPlan.objects.get(pk=plan["id"]).image)
    response = owner_client.post(f"/api/v1/designs/{plan['id']}/estimate")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "image_missing"
    assert DesignPlan.objects.get(pk=plan["id"]).estimated_duration_min is None


def test_it_answers_402_without_enough_credits(vendors, owner_client, customer):
    response = owner_client.post("/api/v1/designs", {"customer": customer.pk}, format="json")
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_credits"
    assert not DesignPlan.objects.exists()


def test_it_refuses_another_users_customer_or_inspiration(owner_client, outsider, customer, inspiration):
    foreign_customer = services.create_customer(owner=outsider, name="别人的顾客")
    foreign_inspiration = services.create_inspiration(owner=outsider, upload=upload(image_bytes()))
    for body in (
        {"customer": foreign_customer.pk},
        {"customer": customer.pk, "inspiration_image_ids": [inspiration.pk, foreign_inspiration.pk]},
        {"customer": customer.pk, "design_target": "3nails"},
    ):
        response = owner_client.post("/api/v1/designs", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"
    assert not DesignPlan.objects.exists()


def test_it_lists_and_filters_designs(offline, owner_client, owner, customer, request_design):
    other = services.create_customer(owner=owner, name="另一位")
    request_design(customer=customer.pk)
    request_design(customer=other.pk, design_target="10nails")
    assert owner_client.get("/api/v1/designs").json()["count"] == 2
    only = owner_client.get("/api/v1/designs", {"customer": other.pk}).json()["results"]
    assert [d["design_target"] for d in only] == ["10nails"]
    assert owner_client.get("/api/v1/designs", {"status": "failed"}).json()["count"] == 0


def test_it_hides_designs_from_other_users(offline, outsider_client, customer, request_design, owner_client):
    plan = request_design(customer=customer.pk).json()
    base = f"/api/v1/designs/{plan['id']}"
    for method, url, body in (
        ("get", base, None),
        ("delete", base, None),
        ("post", f"{base}/refine", {"refinement_prompt": "更亮"}),
        ("get", f"{base}/versions", None),
        ("post", f"{base}/estimate", None),
    ):
        response = getattr(outsider_client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
    assert outsider_client.get("/api/v1/designs").json()["count"] == 0
    assert outsider_client.get("/api/v1/designs", {"customer": customer.pk}).json()["count"] == 0
    assert owner_client.get(base).json()["version"] == 1
    assert DesignPlan.objects.count() == 1


def test_it_gives_credits_back_for_a_design_deleted_before_it_was_drawn(
    vendors, owner_client, owner, customer, credits, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued, never run
        plan = owner_client.post("/api/v1/designs", {"customer": customer.pk}, format="json").json()
    assert balance(owner) == credits - 2
    assert owner_client.delete(f"/api/v1/designs/{plan['id']}").status_code == 204
    assert balance(owner) == credits
    assert services.generate(plan["id"]) is None  # the queued task finds nothing to do


def test_it_does_not_resurrect_a_design_deleted_while_drawing(offline, owner, customer, monkeypatch):
    from nailstudio import engines

    plan = DesignPlan.objects.create(owner=owner, customer=customer)
    real_render = engines.render_design

    def delete_then_render(spec, **kwargs):
        DesignPlan.objects.filter(pk=plan.pk).delete()
        return real_render(spec, **kwargs)

    monkeypatch.setattr(engines, "render_design", delete_then_render)
    assert services.generate(plan.pk) is None
    assert not DesignPlan.objects.exists()


@pytest.mark.parametrize("ids", [{}, {"1": 1}, "1", 1])
def test_it_refuses_inspiration_ids_that_are_not_a_json_array(owner_client, customer, ids):
    body = {"customer": customer.pk, "inspiration_image_ids": ids}
    response = owner_client.post("/api/v1/designs", body, format="json")
    assert response.status_code == 400, response.json()
    assert "inspiration_image_ids" in response.json()["error"]["details"]
