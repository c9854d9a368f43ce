"""User corrections: a user's own category on every answer to them for that hash, nobody else's; enough users
agreeing send the hash to staff review, and an accepted review changes the shared entry for everyone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classifier.models import Correction, CorrectionReview, ImageClassification
from classifier.services import cache, corrections
from classifier.services.checkcache import copies, fastpath
from tests.classifier.conftest import cached as shared_entry
from tests.classifier.conftest import photo_bytes, sha
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CORRECTIONS = "/api/v1/classify/corrections"
CHECK = "/api/v1/classify/check-cache"
PETS = {"category": "pets", "confidence": 0.91, "description": "一只橘猫"}


def upload(data: bytes, name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def classify(client, data: bytes) -> dict:
    response = client.post("/api/v1/classify", {"image": upload(data)}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def check(client, image_hash: str) -> dict:
    return client.post(CHECK, {"image_hash": image_hash}, format="json").json()["result"]


def check_batch(client, *hashes: str) -> list[dict]:
    results = client.post(CHECK, {"image_hashes": list(hashes)}, format="json").json()["results"]
    return [item["result"] for item in results]


def correct(client, image_hash: str, category: str):
    return client.post(CORRECTIONS, {"image_hash": image_hash, "category": category}, format="json")


def cached(image_hash: str, **extra) -> ImageClassification:
    """A cat, as qwen-vl-max saw it."""
    fields = {"category": "pets", "confidence": 0.9, "description": "一只猫", "model": "qwen-vl-max", **extra}
    return shared_entry(image_hash, **fields)


def client_of(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def teammate_client(teammate):
    return client_of(teammate)


def test_it_changes_every_answer_to_the_corrector_and_no_one_elses(
    owner_client, teammate_client, vendors, django_capture_on_commit_callbacks
):
    dashscope, _ = vendors
    dashscope.answer = PETS
    data, other = photo_bytes(1), photo_bytes(2)
    image_hash = sha(data)
    assert classify(owner_client, data)["category"] == "pets"  # the owner's own upload
    assert check(teammate_client, image_hash)["category"] == "pets"

    response = correct(owner_client, image_hash, "foods")
    assert response.status_code == 201, response.content
    assert response.json()["category"] == "foods"
    assert response.json()["original_category"] == "pets"

    mine = [
        check(owner_client, image_hash),
        *check_batch(owner_client, sha(other), image_hash)[1:],
        classify(owner_client, data),
    ]
    batch = owner_client.post("/api/v1/classify/batch", {"images": [upload(data)]}, format="multipart")
    mine.append(batch.json()["results"][0])
    with django_capture_on_commit_callbacks(execute=True):
        job = owner_client.post(
            "/api/v1/classify/batch", {"images": [upload(data)], "async": "true"}, format="multipart"
        ).json()
    mine.append(owner_client.get(f"/api/v1/classify/jobs/{job['id']}").json()["results"][0])
    for answer in mine:
        assert (answer["category"], answer["category_label"], answer["corrected"]) == ("foods", "美食", True)

    theirs = [check(teammate_client, image_hash), classify(teammate_client, data)]
    for answer in theirs:
        assert answer["category"] == "pets"
        assert "corrected" not in answer
    assert ImageClassification.objects.get(image_hash=image_hash).category == "pets"
    assert len(dashscope.chat_requests()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"{CORRECTIONS}/{image_hash}").status_code == 204
    withdrawn = check(owner_client, image_hash)
    assert withdrawn["category"] == "pets"
    assert "corrected" not in withdrawn


def test_a_job_shows_corrections_made_after_it_ran(owner_client, vendors, django_capture_on_commit_callbacks):
    vendors[0].answer = PETS
    data = photo_bytes(3)
    with django_capture_on_commit_callbacks(execute=True):
        job = owner_client.post(
            "/api/v1/classify/batch", {"images": [upload(data)], "async": "true"}, format="multipart"
        ).json()
    assert correct(owner_client, sha(data), "other").status_code == 201
    (result,) = owner_client.get(f"/api/v1/classify/jobs/{job['id']}").json()["results"]
    assert result["category"] == "other"
    assert result["corrected"] is True


def test_only_a_hash_this_user_was_answered_for_can_be_corrected(owner_client, outsider_client, owner):
    answered, unknown = "a" * 64, "b" * 64
    cached(answered)
    cached(unknown)
    check(owner_client, answered)
    assert check(owner_client, "c" * 64) is None  # a miss is no answer
    assert correct(owner_client, "c" * 64, "foods").status_code == 404
    assert (
        correct(owner_client, unknown, "foods").status_code == 404
    )  # cached, but never answered to the owner
    response = correct(outsider_client, answered, "foods")  # answered to the owner only
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert correct(owner_client, answered, "foods").status_code == 201
    assert Correction.objects.get().user == owner


@pytest.mark.parametrize("category", ["cars", "宠物", "Pets", ""])
def test_it_refuses_a_category_that_is_not_a_code(owner_client, category):
    cached("a" * 64)
    check(owner_client, "a" * 64)
    response = correct(owner_client, "a" * 64, category)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == ("validation_error" if not category else "invalid_category")


def test_it_refuses_bad_hashes_and_the_shared_category_itself(owner_client, api_client):
    cached("a" * 64)
    check(owner_client, "a" * 64)
    assert correct(owner_client, "xyz", "foods").json()["error"]["code"] == "invalid_hash"
    same = correct(owner_client, "a" * 64, "pets")
    assert same.status_code == 400
    assert same.json()["error"]["code"] == "same_category"
    assert correct(api_client, "a" * 64, "foods").status_code == 401


def test_an_idcard_result_can_be_corrected_and_changing_ones_mind_is_200(owner_client):
    cached("a" * 64, category="idcard", description="证件照片")
    check(owner_client, "a" * 64)
    assert correct(owner_client, "a" * 64, "screenshot").status_code == 201
    again = correct(owner_client, "a" * 64, "other")
    assert again.status_code == 200
    assert again.json()["original_category"] == "idcard"
    answer = check(owner_client, "a" * 64)
    assert (answer["category"], answer["corrected"], answer["description"]) == ("other", True, "")
    assert Correction.objects.count() == 1


def test_it_lists_my_corrections_only_paginated_and_only_i_delete_mine(
    owner_client, teammate_client, outsider_client
):
    for i in range(3):
        image_hash = f"{i}" * 64
        cached(image_hash)
        check(owner_client, image_hash)
        assert correct(owner_client, image_hash, "foods").status_code == 201
    cached("f" * 64)
    check(teammate_client, "f" * 64)
    correct(teammate_client, "f" * 64, "other")
    page = owner_client.get(f"{CORRECTIONS}?page_size=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
    assert {c["image_hash"] for c in page["results"]} <= {f"{i}" * 64 for i in range(3)}
    assert [c["image_hash"] for c in teammate_client.get(CORRECTIONS).json()["results"]] == ["f" * 64]
    assert outsider_client.get(CORRECTIONS).json()["count"] == 0
    for client in (teammate_client, outsider_client):
        response = client.delete(f"{CORRECTIONS}/{'0' * 64}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert Correction.objects.filter(image_hash="0" * 64).exists()
    assert owner_client.delete(f"{CORRECTIONS}/{'0' * 64}").status_code == 204
    assert owner_client.delete(f"{CORRECTIONS}/{'0' * 64}").status_code == 404


def test_users_without_corrections_cost_no_query_once_their_flag_is_known(
    owner, owner_client, django_assert_num_queries
):
    answers = [{"image_hash": "a" * 64, "hit": True, "result": {"category": "pets"}}]
    corrections.overlay(owner.pk, answers)  # reads the flag from the database once, then keeps it
    with django_assert_num_queries(0):
        assert corrections.overlay(str(owner.pk), answers) is answers  # a token's string claim works too
    cached("a" * 64)
    check(owner_client, "a" * 64)
    correct(owner_client, "a" * 64, "foods")
    (answer,) = corrections.overlay(str(owner.pk), answers)  # the flag turned with the correction
    assert answer["result"]["category"] == "foods"
    assert answer["result"]["corrected"] is True
    assert answers[0]["result"] == {"category": "pets"}, "the answers given are not changed in place"


def test_on_redis_check_cache_reads_the_flag_in_its_own_round_trip(
    settings, owner, owner_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    if not settings.CLASSIFIER_REDIS:
        pytest.skip("the one-round-trip script runs with Redis only (the MariaDB + Redis run)")
    with django_capture_on_commit_callbacks(execute=True):
        cache.store(
            image_hash="a" * 64,
            category="pets",
            confidence=0.9,
            description="猫",
            method="remote",
            provider="dashscope",
            model="m",
            image_size=10,
        )
    check(owner_client, "a" * 64)  # the user's flag is unknown: one EXISTS query fills it
    assert fastpath.client().get(corrections.flag_key(owner.pk)) == b"0"
    with django_assert_num_queries(0):
        assert check(owner_client, "a" * 64)["category"] == "pets"
    assert correct(owner_client, "a" * 64, "foods").status_code == 201
    assert fastpath.client().get(corrections.flag_key(owner.pk)) == b"1"
    assert check(owner_client, "a" * 64)["corrected"] is True


def test_threshold_then_review_then_accept_changes_the_shared_entry_for_all(
    settings, admin_client, vendors, django_capture_on_commit_callbacks
):
    vendors[0].answer = PETS
    settings.CLASSIFIER_REVIEW_THRESHOLD = 3
    data = photo_bytes(5)
    image_hash = sha(data)
    users = [client_of(UserFactory()) for _ in range(4)]
    stranger = client_of(UserFactory())
    classify(users[0], data)
    for client in users[1:]:
        check(client, image_hash)
    check(stranger, image_hash)
    correct(users[0], image_hash, "foods")
    correct(users[1], image_hash, "foods")
    correct(users[2], image_hash, "other")  # a different category counts apart
    assert not CorrectionReview.objects.exists()
    correct(users[3], image_hash, "foods")
    review = CorrectionReview.objects.get()
    assert (review.image_hash, review.category, review.users, review.status) == (
        image_hash,
        "foods",
        3,
        "pending",
    )
    assert check(stranger, image_hash)["category"] == "pets"  # nothing changed for others yet

    page = admin_client.get("/admin/classifier/correctionreview/")
    assert page.status_code == 200
    assert "纠错审核" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/classifier/correctionreview/", {"action": "accept", "_selected_action": [review.pk]}
        )
    review.refresh_from_db()
    assert review.status == "accepted"
    assert review.decided_by.is_superuser
    entry = ImageClassification.objects.get(image_hash=image_hash)
    assert (entry.category, entry.inference_method, entry.provider) == ("foods", "staff", "staff")
    assert not (fastpath.enabled() and fastpath.client().exists(fastpath.copy_key(image_hash)))
    for answer in (check(stranger, image_hash), check_batch(stranger, image_hash)[0]):
        assert (answer["category"], answer["inference_method"]) == ("foods", "staff")
        assert "corrected" not in answer
    assert classify(stranger, data)["category"] == "foods"
    assert check(users[2], image_hash)["category"] == "other"  # a personal correction still wins for its user
    assert len(vendors[0].chat_requests()) == 1


def test_a_rejected_review_keeps_the_shared_entry_and_the_corrections_personal(settings, admin_client):
    settings.CLASSIFIER_REVIEW_THRESHOLD = 2
    cached("a" * 64)
    correctors = [client_of(UserFactory()) for _ in range(2)]
    stranger = client_of(UserFactory())
    for client in correctors:
        check(client, "a" * 64)
        correct(client, "a" * 64, "screenshot")
    review = CorrectionReview.objects.get()
    admin_client.post(
        "/admin/classifier/correctionreview/", {"action": "reject", "_selected_action": [review.pk]}
    )
    review.refresh_from_db()
    assert review.status == "rejected"
    assert ImageClassification.objects.get().category == "pets"
    assert check(stranger, "a" * 64)["category"] == "pets"
    assert check(correctors[0], "a" * 64)["category"] == "screenshot"
    assert corrections.review_decide(review_id=review.pk, accept=True, staff_user=None) is False


def test_a_staff_entry_stays_fresh_across_prompt_versions_and_for_mode_remote(owner_client):
    cached("a" * 64, inference_method="staff", provider="staff", prompt_version="older-prompt")
    entry = cache.lookup(["a" * 64])[0]
    assert cache.is_fresh(entry, remote_usable=lambda: True)
    assert cache.usable_for_mode(entry, "remote")
    assert copies.copyable(entry)
    assert copies.copyable_since(entry.created_at) == ["a" * 64]
    assert check(owner_client, "a" * 64)["inference_method"] == "staff"


def test_the_stats_give_corrections_per_category_and_per_provider_as_a_rate_of_its_answers(
    staff_client, owner_client
):
    from ai.models import AICall

    def calls(provider, model, n, ok=True):
        for _ in range(n):
            AICall.objects.create(
                capability="classify_photo", provider=provider, model=model, ok=ok, latency_ms=100
            )

    calls("dashscope", "qwen-vl-max", 4)
    calls("dashscope", "qwen-vl-max", 3, ok=False)  # failed attempts are no answers
    calls("openai", "gpt-4o-mini", 10)
    AICall.objects.create(
        capability="analyze_image", provider="openai", model="gpt-4o-mini", ok=True, latency_ms=1
    )
    made = [
        ("a", "pets", "foods", "dashscope", "qwen-vl-max"),
        ("b", "pets", "other", "dashscope", "qwen-vl-max"),
        ("c", "idcard", "screenshot", "openai", "gpt-4o-mini"),
        ("d", "screenshot", "other", "rule", "screenshot-rule"),
    ]
    for letter, original, category, provider, model in made:
        user = UserFactory()
        Correction.objects.create(
            user=user,
            image_hash=letter * 64,
            category=category,
            original_category=original,
            provider=provider,
            model=model,
        )
    response = staff_client.get("/api/v1/stats/corrections?days=30")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["corrections"] == 4
    by_category = {row["category"]: row for row in body["categories"]}
    assert (by_category["pets"]["corrected_from"], by_category["pets"]["corrected_to"]) == (2, 0)
    assert (by_category["other"]["corrected_from"], by_category["other"]["corrected_to"]) == (0, 2)
    providers = {(row["provider"], row["model"]): row for row in body["providers"]}
    assert providers[("dashscope", "qwen-vl-max")] == {
        "provider": "dashscope",
        "model": "qwen-vl-max",
        "corrections": 2,
        "images": 2,
        "answers": 4,
        "rate": 0.5,
    }
    assert (
        providers[("openai", "gpt-4o-mini")]["answers"],
        providers[("openai", "gpt-4o-mini")]["rate"],
    ) == (
        10,
        0.1,
    )
    assert providers[("rule", "screenshot-rule")]["rate"] is None  # no AICall behind a rule's answers
    assert owner_client.get("/api/v1/stats/corrections").status_code == 403
    bad = staff_client.get("/api/v1/stats/corrections?days=0")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_parameter"
