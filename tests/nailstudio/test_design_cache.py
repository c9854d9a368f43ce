"""The design result cache: identical requests of one artist within NAIL_DESIGN_CACHE_DAYS are free copies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ai.models import AICall
from billing.services import balance
from core.private_media import private_root, read_private
from nailstudio import services
from nailstudio.models import DesignPlan
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/designs"


@pytest.fixture
def post(owner_client, django_capture_on_commit_callbacks):
    """POST as the owner (or ``client``) and run the queued task once the request commits."""

    def send(url=URL, client=None, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or owner_client).post(url, body, format="json")

    return send


def test_it_keys_on_every_input_that_changes_the_image():
    from nailstudio.services.design_cache import design_key

    base = {
        "prompt": "p",
        "target": "5nails",
        "reference_hashes": ["a", "b"],
        "chain": ["dashscope:m", "local:"],
    }
    key = design_key(**base)
    changed = [
        {"prompt": "p2"},
        {"target": "single"},
        {"reference_hashes": ["b", "a"]},  # order counts: the first reference leads
        {"reference_hashes": ["a"]},
        {"chain": ["local:"]},
        {"instruction": "add dots"},
        {"version": "other"},
    ]
    assert len({key} | {design_key(**(base | change)) for change in changed}) == len(changed) + 1
    assert design_key(**base, instruction=" Add  DOTS。") == design_key(**base, instruction="add dots")


def _design(response) -> DesignPlan:
    return DesignPlan.objects.get(pk=response.json()["id"])


def test_it_copies_an_identical_offline_design_into_its_own_file(offline, post, owner, customer, inspiration):
    first = post(customer=customer.pk, inspiration_image_ids=[inspiration.pk], custom_prompt="樱花")
    assert first.status_code == 202
    assert first.json()["from_cache"] is False
    second = post(customer=customer.pk, inspiration_image_ids=[inspiration.pk], custom_prompt="樱花")
    assert second.status_code == 200, second.json()
    body = second.json()
    assert (body["status"], body["from_cache"], body["provider"]) == ("ready", True, "local")
    assert body["credits_charged"] == 0
    assert float(body["cost"]) == 0
    original, copy = _design(first), _design(second)
    assert copy.cache_key == original.cache_key
    assert copy.image != original.image
    assert read_private(copy.image) == read_private(original.image)
    services.delete_design(original)
    assert (private_root() / copy.image).exists()  # deleting one never breaks the other


def test_it_answers_a_hit_with_a_remote_model_without_calling_it_or_holding_credits(
    vendors, post, owner, customer, inspiration, credits
):
    dashscope, _ = vendors
    first = post(customer=customer.pk, inspiration_image_ids=[inspiration.pk])
    assert first.json()["credits_charged"] == 2
    assert balance(owner) == credits - 2
    calls = AICall.objects.count()
    second = post(customer=customer.pk, inspiration_image_ids=[inspiration.pk])
    assert second.status_code == 200
    body = second.json()
    assert (body["from_cache"], body["provider"], body["credits_charged"]) == (True, "dashscope", 0)
    assert float(body["cost"]) == 0
    assert balance(owner) == credits - 2  # unchanged by the hit
    assert len(dashscope.received_prompts()) == 1
    assert AICall.objects.count() == calls


def test_it_misses_when_one_reference_or_a_profile_colour_changes(
    offline, post, owner, customer, inspiration
):
    other = services.create_inspiration(
        owner=owner, upload=upload(image_bytes("PNG", (80, 60), (200, 40, 90)))
    )
    first = _design(post(customer=customer.pk, inspiration_image_ids=[inspiration.pk]))
    changed_reference = post(customer=customer.pk, inspiration_image_ids=[other.pk])
    assert changed_reference.status_code == 202
    services.update_profile(customer, color_preferences=["#A8E6CF"])
    changed_colour = post(customer=customer.pk, inspiration_image_ids=[inspiration.pk])
    assert changed_colour.status_code == 202
    keys = {first.cache_key, _design(changed_reference).cache_key, _design(changed_colour).cache_key}
    assert len(keys) == 3


def test_it_draws_again_on_regenerate(vendors, post, owner, customer, credits):
    dashscope, _ = vendors
    post(customer=customer.pk)
    again = post(customer=customer.pk, regenerate=True)
    assert again.status_code == 202
    assert again.json()["credits_charged"] == 2
    assert _design(again).status == "ready"
    assert not _design(again).from_cache
    assert len(dashscope.received_prompts()) == 2
    assert balance(owner) == credits - 4


def test_it_renders_another_variation_offline_on_regenerate(offline, post, customer):
    first = _design(post(customer=customer.pk))
    again = _design(post(customer=customer.pk, regenerate=True))
    assert again.cache_key == first.cache_key
    assert read_private(again.image) != read_private(first.image)
    # Both are entries now; the newest answers the next identical request.
    copy = _design(post(customer=customer.pk))
    assert copy.from_cache
    assert read_private(copy.image) == read_private(again.image)


def test_it_caches_refinements_by_parent_image_and_normalised_instruction(
    vendors, post, owner, customer, credits
):
    dashscope, _ = vendors
    v1 = post(customer=customer.pk).json()
    refine = f"{URL}/{v1['id']}/refine"
    v2 = post(refine, refinement_prompt="Add Blue dots")
    assert v2.status_code == 202
    same = post(refine, refinement_prompt="  add blue   DOTS。")
    assert same.status_code == 200, same.json()
    body = same.json()
    assert (body["from_cache"], body["version"], body["parent_design_id"]) == (True, 3, v1["id"])
    assert post(refine, refinement_prompt="add red dots").status_code == 202
    assert post(refine, refinement_prompt="add blue dots", regenerate=True).status_code == 202
    assert len(dashscope.received_prompts()) == 4  # v1, v2, red dots, regenerated blue dots
    assert balance(owner) == credits - 4 * 2  # the hit held and charged nothing


def test_it_keeps_each_artists_cache_to_themselves(offline, post, owner, outsider, outsider_client):
    profile = {"nail_shape": "oval", "color_preferences": ["#F4A6B8"]}
    mine = services.create_customer(owner=owner, name="A", profile=profile)
    theirs = services.create_customer(owner=outsider, name="A", profile=profile)
    first = _design(post(customer=mine.pk))
    other = post(client=outsider_client, customer=theirs.pk)
    assert other.status_code == 202
    assert not _design(other).from_cache
    assert _design(other).cache_key == first.cache_key  # same inputs, yet not shared


def test_it_misses_after_the_cache_period(offline, post, settings, customer):
    first = _design(post(customer=customer.pk))
    DesignPlan.objects.filter(pk=first.pk).update(
        generated_at=timezone.now() - timedelta(days=settings.NAIL_DESIGN_CACHE_DAYS, minutes=1)
    )
    assert post(customer=customer.pk).status_code == 202


def test_it_does_not_serve_an_offline_fallback_once_a_remote_model_works(
    vendors, post, owner, customer, credits
):
    dashscope, openai = vendors
    dashscope.task_failure = ("InternalError", "boom")
    openai.script(openai.error(400))
    fallback = _design(post(customer=customer.pk))
    assert fallback.provider == "local"
    dashscope.task_failure = None
    again = post(customer=customer.pk)
    assert again.status_code == 202
    assert _design(again).provider == "dashscope"


def test_it_counts_requests_hits_cost_and_credits_for_staff(
    vendors, post, owner, customer, credits, staff_client, owner_client
):
    post(customer=customer.pk)
    post(customer=customer.pk)
    post(customer=customer.pk, regenerate=True)
    assert owner_client.get("/api/v1/stats/designs").status_code == 403
    body = staff_client.get("/api/v1/stats/designs", {"days": 7}).json()
    assert len(body["days"]) == 7
    today = body["days"][-1]
    assert today["date"] == timezone.localdate().isoformat()
    assert (today["requests"], today["cache_hits"], today["generated"], today["failed"]) == (3, 1, 2, 0)
    assert today["hit_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert today["credits"] == 4
    assert float(today["cost"]) > 0
    assert body["totals"]["requests"] == 3
    assert body["totals"]["cost"] == today["cost"]
    assert staff_client.get("/api/v1/stats/designs", {"days": 0}).status_code == 400
    assert staff_client.get("/api/v1/stats/designs", {"days": "x"}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_it_answers_from_the_cache_what_a_worker_drew(worker_vendors, owner_client, owner, credits):
    """With a broker (the MariaDB CI run) a real worker draws the first design; the identical second request
    is answered by the web process at once from the stored image, with no task and no provider call."""
    import time

    dashscope, _ = worker_vendors
    customer = services.create_customer(owner=owner, name="cache", profile={"color_preferences": ["#7B1E2B"]})
    first = owner_client.post(URL, {"customer": customer.pk}, format="json")
    assert first.status_code == 202
    plan = _design(first)
    deadline = time.monotonic() + 30
    while plan.status in ("queued", "generating") and time.monotonic() < deadline:
        time.sleep(0.1)
        plan.refresh_from_db()
    assert (plan.status, plan.provider) == ("ready", "dashscope"), plan.error
    second = owner_client.post(URL, {"customer": customer.pk}, format="json")
    assert second.status_code == 200
    assert second.json()["from_cache"] is True
    copy = _design(second)
    assert read_private(copy.image) == read_private(plan.image)  # the test process copied the worker's file
    assert len(dashscope.received_prompts()) == 1
    assert balance(owner) == credits - 2
