import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ai import taxonomy
from ai.prompts import PROMPT_VERSION
from classifier.models import ImageClassification, RequestLog
from tests.classifier.conftest import photo_bytes, screenshot_png, sha

pytestmark = pytest.mark.django_db
URL = "/api/v1/classify"
PETS = {"category": "pets", "confidence": 0.91, "description": "一只橘猫"}


def classify(client, data: bytes, **fields):
    payload = {"image": SimpleUploadedFile("p.jpg", data, content_type="image/jpeg"), **fields}
    return client.post(URL, payload, format="multipart")


def test_it_classifies_remotely_then_answers_from_the_cache(owner_client, vendors):
    dashscope, _ = vendors
    dashscope.answer = PETS
    data = photo_bytes()
    first = classify(owner_client, data, image_hash=sha(data))
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["category"] == "pets"
    assert body["category_label"] == "宠物"
    assert body["inference_method"] == "remote"
    assert body["provider"] == "dashscope"
    assert body["from_cache"] is False
    assert body["image_hash"] == sha(data)

    second = classify(owner_client, data).json()
    assert second["from_cache"] is True
    assert second["inference_method"] == "cache"
    assert len(dashscope.chat_requests()) == 1, "one paid call per distinct photo"
    entry = ImageClassification.objects.get(image_hash=sha(data))
    assert entry.hit_count == 1
    assert entry.prompt_version == PROMPT_VERSION
    assert list(RequestLog.objects.order_by("id").values_list("inference_method", flat=True)) == [
        "remote",
        "cache",
    ]


def test_it_rejects_a_hash_that_does_not_match_the_upload(owner_client, vendors):
    dashscope, _ = vendors
    victim = photo_bytes(1)
    ImageClassification.objects.create(
        image_hash=sha(victim),
        category="foods",
        confidence=0.9,
        description="面条",
        inference_method="remote",
        prompt_version=PROMPT_VERSION,
    )
    response = classify(owner_client, photo_bytes(2), image_hash=sha(victim))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "hash_mismatch"
    assert ImageClassification.objects.get(image_hash=sha(victim)).category == "foods"
    assert ImageClassification.objects.count() == 1
    assert dashscope.requests == []


@pytest.mark.parametrize(("category", "generic"), [("idcard", "证件照片"), ("single_person", "单人照片")])
def test_it_keeps_no_free_text_for_personal_categories(owner_client, vendors, category, generic):
    dashscope, _ = vendors
    dashscope.answer = {"category": category, "confidence": 0.9, "description": "张三的照片，在公司门口"}
    data = photo_bytes()
    body = classify(owner_client, data).json()
    assert body["description"] == generic
    assert ImageClassification.objects.get().description == generic


def test_it_treats_an_older_prompt_version_as_a_miss(owner_client, vendors):
    dashscope, _ = vendors
    dashscope.answer = PETS
    data = photo_bytes()
    ImageClassification.objects.create(
        image_hash=sha(data),
        category="other",
        confidence=0.5,
        inference_method="remote",
        prompt_version="old",
    )
    body = classify(owner_client, data).json()
    assert body["from_cache"] is False
    assert body["category"] == "pets"
    assert ImageClassification.objects.get().prompt_version == PROMPT_VERSION


def test_a_local_entry_is_a_hit_only_while_no_remote_provider_is_usable(owner_client, vendors, settings):
    dashscope, _ = vendors
    data = photo_bytes()
    ImageClassification.objects.create(
        image_hash=sha(data),
        category="other",
        confidence=0.4,
        inference_method="local",
        provider="local",
        prompt_version=PROMPT_VERSION,
    )
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    assert classify(owner_client, data).json()["from_cache"] is True

    settings.DASHSCOPE_API_KEY = "sk-test"
    dashscope.answer = PETS
    body = classify(owner_client, data).json()
    assert body["inference_method"] == "remote"
    assert body["category"] == "pets"
    entry = ImageClassification.objects.get()
    assert entry.inference_method == "remote", "the remote result replaces the local one"


def test_it_falls_back_to_the_local_model_when_remote_providers_fail(owner_client, vendors, settings):
    dashscope, openai = vendors
    settings.AI_MAX_RETRIES = 0
    dashscope.script(dashscope.error(500))
    openai.script(openai.error(500))
    body = classify(owner_client, photo_bytes()).json()
    assert body["inference_method"] == "local"
    assert body["provider"] == "local"
    assert ImageClassification.objects.get().inference_method == "local"


def test_mode_remote_without_a_usable_provider_is_503(owner_client, settings):
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    response = classify(owner_client, photo_bytes(), mode="remote")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "provider_unavailable"
    assert ImageClassification.objects.count() == 0


def test_mode_local_never_calls_a_vendor(owner_client, vendors):
    dashscope, openai = vendors
    body = classify(owner_client, photo_bytes(), mode="local").json()
    assert body["inference_method"] == "local"
    assert dashscope.requests == []
    assert openai.requests == []


def test_it_answers_screenshots_by_rule_without_a_model_call(owner_client, vendors):
    dashscope, _ = vendors
    response = classify(owner_client, screenshot_png())
    body = response.json()
    assert body["category"] == "screenshot"
    assert body["inference_method"] == "rule"
    assert dashscope.requests == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"mode": "turbo"}, "invalid_mode"),
        ({"image_hash": "xyz"}, "hash_mismatch"),
        ({"image_hash": ""}, "validation_error"),
    ],
)
def test_it_rejects_bad_fields(owner_client, fields, code):
    response = classify(owner_client, photo_bytes(), **fields)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_it_requires_an_image_and_authentication(owner_client, api_client):
    assert owner_client.post(URL, {}, format="multipart").json()["error"]["code"] == "image_required"
    assert api_client.post(URL, {}, format="multipart").status_code == 401


def test_local_classify_returns_the_engines_evidence(owner_client, vendors):
    dashscope, _ = vendors
    data = photo_bytes()
    response = owner_client.post(
        "/api/v1/local-classify", {"image": SimpleUploadedFile("p.jpg", data)}, format="multipart"
    )
    body = response.json()
    assert response.status_code == 200
    assert body["inference_method"] == "local"
    assert "imagenet" in body["labels"]
    assert dashscope.requests == []


def test_categories_lists_the_taxonomy(api_client):
    codes = [c["code"] for c in api_client.get("/api/v1/classify/categories").json()]
    assert codes == [c.code for c in taxonomy.CATEGORIES]


def test_it_adds_the_city_of_a_photo_with_gps_and_logs_only_the_city(owner_client, staff_client, vendors):
    from io import BytesIO

    from PIL import Image

    from tests.geo.test_api import WEST_LAKE_GPS

    dashscope, _ = vendors
    dashscope.answer = PETS
    exif = Image.Exif()
    exif[0x8825] = WEST_LAKE_GPS
    buffer = BytesIO()
    Image.open(BytesIO(photo_bytes(7))).save(buffer, "JPEG", exif=exif.tobytes())
    body = classify(owner_client, buffer.getvalue()).json()
    assert body["location"] == {
        "country_code": "CN",
        "country": "中国",
        "province": "浙江省",
        "city": "杭州市",
    }
    assert "latitude" not in str(body)
    assert RequestLog.objects.get().city == "杭州市"
    cities = staff_client.get("/api/v1/stats/cities?days=1").json()["cities"]
    assert cities == [{"city": "杭州市", "requests": 1, "users": 1}]
    assert "location" not in classify(owner_client, photo_bytes(8)).json()
