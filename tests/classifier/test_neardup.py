"""Near-duplicate reuse (classifier/services/neardup.py): the real local engine is the agreement guard."""

from io import BytesIO, StringIO
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from ai.prompts import PROMPT_VERSION
from classifier.models import CorrectionReview, ImageClassification, RequestLog
from classifier.services import corrections, neardup, phash
from tests.classifier.conftest import sha

pytestmark = pytest.mark.django_db
URL = "/api/v1/classify"
PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
DOG = PHOTOS / "pets" / "dog.jpg"
PORTRAIT = PHOTOS / "single_person" / "grace_hopper.jpg"
PASSPORT = PHOTOS / "idcard" / "passport_2.jpg"


def jpeg(image: Image.Image, quality: int, side: int | None = None) -> bytes:
    image = image.convert("RGB")
    if side:
        image = image.resize((side, side * image.height // image.width), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def copies(path: Path) -> tuple[bytes, bytes, bytes]:
    """The original's bytes and two re-shared copies (recompressed; resized and recompressed)."""
    with Image.open(path) as image:
        image.load()
        return path.read_bytes(), jpeg(image, 60), jpeg(image, 70, side=image.width * 9 // 10)


def classify(client, data: bytes):
    response = client.post(
        URL, {"image": SimpleUploadedFile("p.jpg", data, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 200, response.content
    return response.json()


def seed(data: bytes, *, fingerprint_of: bytes | None = None, **fields) -> ImageClassification:
    """A cache entry for ``data`` with its fingerprint (or that of ``fingerprint_of``), as if answered before."""
    with Image.open(BytesIO(fingerprint_of or data)) as image:
        fp = neardup.fingerprint(image)
    values = {"confidence": 0.9, "inference_method": "remote", "prompt_version": PROMPT_VERSION, **fields}
    return ImageClassification.objects.create(image_hash=sha(data), **values, **neardup.columns(fp))


@pytest.fixture
def answers(vendors):
    dashscope, _ = vendors

    def answer(category: str):
        dashscope.answer = {"category": category, "confidence": 0.93, "description": "远程模型的描述"}
        return dashscope

    return answer


def test_it_reuses_a_paid_answer_for_a_recompressed_copy(owner_client, outsider_client, answers):
    dashscope = answers("pets")
    original, copy, resized = copies(DOG)
    first = classify(owner_client, original)
    assert first["inference_method"] == "remote"
    assert "reused" not in first
    source = ImageClassification.objects.get(image_hash=sha(original))
    assert source.phash is not None
    assert source.user is not None

    body = classify(outsider_client, copy)  # another user's copy of a pet photo: reusable
    assert body["reused"] is True
    assert body["from_cache"] is False
    assert body["inference_method"] == "reuse"
    assert body["category"] == "pets"
    assert body["image_hash"] == sha(copy)
    assert len(dashscope.chat_requests()) == 1, "the copy paid no remote call"
    reused = ImageClassification.objects.get(image_hash=sha(copy))
    assert reused.inference_method == "reuse"
    assert reused.reused_from == source
    assert reused.phash is not None
    log = RequestLog.objects.get(image_hash=sha(copy))
    assert log.inference_method == "reuse"
    assert log.cost == 0
    assert not log.from_cache

    assert classify(owner_client, resized)["reused"] is True
    with Image.open(DOG) as image:  # forwarded through a chat app: 3% cropped off each side, 1080 px, q70
        width, height = image.size
        cropped = image.crop((width * 3 // 100, height * 3 // 100, width * 97 // 100, height * 97 // 100))
    assert classify(owner_client, jpeg(cropped, 70, side=1080))["reused"] is True
    again = classify(owner_client, copy)  # the reused entry is an exact-hash entry like any other
    assert again["from_cache"] is True
    assert "reused" not in again
    assert len(dashscope.chat_requests()) == 1


def test_it_does_not_reuse_for_a_low_texture_image(owner_client, answers, settings):
    dashscope = answers("other")
    rng = np.random.default_rng(3)
    flat = np.clip(128 + rng.normal(0, 4, (480, 640, 3)), 0, 255).astype(np.uint8)
    original, copy = jpeg(Image.fromarray(flat), 90), jpeg(Image.fromarray(flat), 60)
    # Near-uniform images' hashes are noise (these two copies are 20 bits apart): seed a neighbour at distance
    # 0 so that texture alone must refuse.
    source = seed(original, fingerprint_of=copy, category="other")
    with Image.open(BytesIO(copy)) as image:
        fp = neardup.fingerprint(image)
    assert fp.texture < settings.CLASSIFIER_NEAR_DUP_MIN_TEXTURE
    assert fp.phash == phash.to_unsigned(source.phash)

    body = classify(owner_client, copy)
    assert body["inference_method"] == "remote"
    assert len(dashscope.chat_requests()) == 1


def test_it_does_not_reuse_when_the_local_engine_disagrees(owner_client, answers):
    dashscope = answers("pets")
    original, copy, _ = copies(DOG)
    seed(original, category="foods")  # a (planted or unlucky) neighbour with another category
    body = classify(owner_client, copy)
    assert body["inference_method"] == "remote"
    assert body["category"] == "pets"
    assert len(dashscope.chat_requests()) == 1
    assert ImageClassification.objects.get(image_hash=sha(copy)).reused_from is None


@pytest.mark.parametrize(("path", "category"), [(PORTRAIT, "single_person"), (PASSPORT, "idcard")])
def test_it_never_reuses_personal_answers_across_users(
    owner_client, outsider_client, answers, path, category
):
    dashscope = answers(category)
    original, copy, resized = copies(path)
    classify(owner_client, original)
    assert classify(outsider_client, copy)["inference_method"] == "remote"
    assert len(dashscope.chat_requests()) == 2
    assert classify(owner_client, resized)["reused"] is True  # the owner's own copy
    assert len(dashscope.chat_requests()) == 2


def test_it_does_not_reuse_an_answer_of_an_old_prompt_version(owner_client, answers):
    dashscope = answers("pets")
    original, copy, _ = copies(DOG)
    seed(original, category="pets", prompt_version="old")
    assert classify(owner_client, copy)["inference_method"] == "remote"
    assert len(dashscope.chat_requests()) == 1


def test_it_reuses_only_paid_or_staff_answers(owner_client, answers):
    dashscope = answers("pets")
    original, copy, resized = copies(DOG)
    seed(original, category="pets", inference_method="local")
    assert classify(owner_client, copy)["inference_method"] == "remote"
    ImageClassification.objects.filter(image_hash=sha(original)).update(inference_method="staff")
    assert classify(owner_client, resized)["reused"] is True
    with Image.open(DOG) as image:  # forwarded through a chat app: 3% cropped off each side, 1080 px, q70
        width, height = image.size
        cropped = image.crop((width * 3 // 100, height * 3 // 100, width * 97 // 100, height * 97 // 100))
    assert classify(owner_client, jpeg(cropped, 70, side=1080))["reused"] is True
    assert len(dashscope.chat_requests()) == 1


def reused_pair(owner_client, answers):
    answers("pets")
    original, copy, _ = copies(DOG)
    classify(owner_client, original)
    classify(owner_client, copy)
    return ImageClassification.objects.get(image_hash=sha(original)), sha(copy)


def test_it_drops_reused_entries_when_the_source_is_invalidated(owner_client, answers):
    source, copy_hash = reused_pair(owner_client, answers)
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    admin.post(
        "/admin/classifier/imageclassification/",
        {"action": "invalidate", "_selected_action": [source.pk]},
    )
    assert not ImageClassification.objects.filter(image_hash__in=[source.image_hash, copy_hash]).exists()


def test_it_propagates_a_corrected_answer_to_reused_entries(owner_client, answers):
    source, copy_hash = reused_pair(owner_client, answers)
    ImageClassification.objects.filter(pk=source.pk).update(category="foods", inference_method="staff")
    assert neardup.propagate_from(source) == 1
    assert ImageClassification.objects.get(image_hash=copy_hash).category == "foods"

    ImageClassification.objects.filter(pk=source.pk).update(category="single_person", user=None)
    neardup.propagate_from(source)  # now personal, and the copy belongs to a user: it goes
    assert not ImageClassification.objects.filter(image_hash=copy_hash).exists()


def test_it_counts_reuses_in_the_stats(owner_client, staff_client, answers):
    reused_pair(owner_client, answers)
    RequestLog.objects.filter(inference_method="remote").update(cost="0.02")
    call_command("rebuild_stats", "--days", "1", stdout=StringIO(), stderr=StringIO())  # the rollups see it
    today = staff_client.get("/api/v1/stats/today").json()
    assert today["reuses"] == 1
    assert today["by_method"]["reuse"] == 1
    assert today["hits"] == 0
    assert today["cost_saved"] == "0.020000"  # one reuse x the average remote cost
    (day,) = staff_client.get("/api/v1/stats/cache-efficiency?days=1").json()["days"]
    assert day["reuses"] == 1
    assert day["cost_saved"] == "0.020000"


def test_it_makes_reused_entries_follow_an_accepted_review(owner_client, staff, answers):
    source, copy_hash = reused_pair(owner_client, answers)
    review = CorrectionReview.objects.create(image_hash=source.image_hash, category="foods", users=3)
    assert corrections.review_decide(review_id=review.pk, accept=True, staff_user=staff)
    assert ImageClassification.objects.get(image_hash=copy_hash).category == "foods"
