"""POST /api/v1/analysis/image and /analysis/compare: remote first, offline always, owner-scoped, nothing stored."""

from io import BytesIO

import pytest
from PIL import Image
from rest_framework.throttling import SimpleRateThrottle

from abilities.models import AbilityRecord
from ai.analysis import INSTRUCTIONS
from ai.models import AICall
from nailstudio import services
from nailstudio.models import ComparisonResult
from tests.images import image_bytes, upload
from tests.nailstudio.test_services import COMPARISON

pytestmark = pytest.mark.django_db
IMAGE_URL = "/api/v1/analysis/image"
COMPARE_URL = "/api/v1/analysis/compare"
REMOTE_ANSWERS = {
    "colors": (
        {"colors": [{"color": "#f4a6b8", "share": 0.7}, {"color": "FAFAF7", "share": 0.5}]},
        {"colors": [{"color": "#F4A6B8", "share": 0.583}, {"color": "#FAFAF7", "share": 0.417}]},
    ),
    "style_tags": (
        {"tags": ["French", "渐变", "亮片", "vaporwave"]},
        {"tags": ["gradient", "french", "glitter"], "evidence": {}},
    ),
    "nail_shape": ({"shape": "杏仁形", "confidence": 0.8}, {"shape": "almond", "confidence": 0.8}),
    "nail_condition": (
        {"condition": "甲面偏薄", "findings": ["甲面有纵纹", " "], "confidence": 0.6},
        {"condition": "甲面偏薄", "findings": ["甲面有纵纹"], "confidence": 0.6, "note": ""},
    ),
}


def _png(colour=(40, 90, 200), size=(96, 72)) -> BytesIO:
    data = BytesIO(image_bytes("PNG", size, colour))
    data.name = "photo.png"
    return data


def _rgb(hex_: str) -> tuple[int, ...]:
    return tuple(int(hex_[i : i + 2], 16) for i in (1, 3, 5))


def _design_png(design) -> BytesIO:
    from core.private_media import read_private

    data = BytesIO(read_private(design.image))
    data.name = "design.png"
    return data


@pytest.fixture
def photo(customer):
    return services.add_profile_photo(customer, upload(image_bytes("PNG", (60, 60), (244, 166, 184))))


@pytest.mark.parametrize("analysis_type", list(REMOTE_ANSWERS))
def test_it_analyses_each_type_with_the_remote_model(vendors, owner, owner_client, analysis_type):
    dashscope, _ = vendors
    answer, expected = REMOTE_ANSWERS[analysis_type]
    dashscope.answer = answer
    response = owner_client.post(
        IMAGE_URL, {"analysis_type": analysis_type, "image": _png()}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["analysis_type"], body["provider"], body["model"]) == (
        analysis_type,
        "dashscope",
        "qwen-vl-max",
    )
    assert body["result"] == expected
    assert INSTRUCTIONS[analysis_type] in dashscope.received_texts()
    assert dashscope.received_images()[0].size == (96, 72)
    call = AICall.objects.get()
    assert (call.capability, call.provider, call.ok, call.user) == ("analyze_image", "dashscope", True, owner)


def test_it_moves_on_to_the_next_provider_for_an_unusable_answer(vendors, owner_client):
    dashscope, openai = vendors
    dashscope.answer = {"shape": "hexagon", "confidence": 0.9}
    openai.answer = {"shape": "coffin", "confidence": 0.7}
    body = owner_client.post(
        IMAGE_URL, {"analysis_type": "nail_shape", "image": _png()}, format="multipart"
    ).json()
    assert (body["provider"], body["result"]) == ("openai", {"shape": "coffin", "confidence": 0.7})
    assert list(AICall.objects.order_by("id").values_list("provider", "ok")) == [
        ("dashscope", False),
        ("openai", True),
    ]


def test_it_analyses_each_type_offline(offline, owner, owner_client, inspiration, photo):
    answers = {}
    for analysis_type, source in (
        ("colors", {"inspiration_id": inspiration.pk}),
        ("style_tags", {"photo_id": photo.pk}),
        ("nail_shape", {"inspiration_id": inspiration.pk}),
        ("nail_condition", {"photo_id": photo.pk}),
    ):
        response = owner_client.post(IMAGE_URL, {"analysis_type": analysis_type, **source}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["provider"] == "local"
        answers[analysis_type] = response.json()["result"]
    (blue,) = answers["colors"]["colors"]  # the blue inspiration, stored re-encoded as JPEG
    assert blue["share"] == 1.0
    assert _rgb(blue["color"]) == pytest.approx((40, 90, 200), abs=4)
    assert "pink" in answers["style_tags"]["tags"]  # the pink profile photo
    assert answers["nail_shape"]["shape"] is None  # a flat colour holds no nail: no made-up shape
    assert answers["nail_condition"]["condition"] == "unknown"
    assert answers["nail_condition"]["findings"] == []
    assert answers["nail_condition"]["confidence"] <= 0.2
    assert not AICall.objects.filter(provider__in=["dashscope", "openai"]).exists()


def test_it_recognises_the_shape_of_a_design_offline(offline, customer, design, owner_client):
    body = owner_client.post(
        IMAGE_URL, {"analysis_type": "nail_shape", "image": _design_png(design)}, format="multipart"
    ).json()
    assert body["result"]["shape"] == customer.profile.nail_shape == "coffin"


@pytest.mark.parametrize("analysis_type", ["", "colours", "COLORS", "estimate"])
def test_it_refuses_an_invalid_analysis_type(offline, owner_client, analysis_type):
    response = owner_client.post(
        IMAGE_URL, {"analysis_type": analysis_type, "image": _png()}, format="multipart"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_analysis_type"
    assert error["details"]["allowed"] == ["colors", "style_tags", "nail_shape", "nail_condition"]


def test_it_answers_404_for_another_artists_images(offline, outsider_client, inspiration, photo):
    for source in ({"inspiration_id": inspiration.pk}, {"photo_id": photo.pk}):
        response = outsider_client.post(IMAGE_URL, {"analysis_type": "colors", **source}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_it_needs_exactly_one_image_source(offline, owner_client, inspiration, photo):
    none = owner_client.post(IMAGE_URL, {"analysis_type": "colors"}, format="json")
    both = owner_client.post(
        IMAGE_URL,
        {"analysis_type": "colors", "inspiration_id": inspiration.pk, "photo_id": photo.pk},
        format="json",
    )
    assert none.status_code == both.status_code == 400
    assert none.json()["error"]["code"] == "validation_error"


def test_it_applies_the_upload_rules(offline, owner_client):
    fake = BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.png"
    response = owner_client.post(IMAGE_URL, {"analysis_type": "colors", "image": fake}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "image_format_unsupported"


def test_it_throttles_analysis(offline, owner_client, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "nail_analysis": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    codes = [
        owner_client.post(
            IMAGE_URL, {"analysis_type": "colors", "image": _png()}, format="multipart"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_it_compares_two_uploads_offline_without_storing_anything(offline, owner_client):
    same = owner_client.post(COMPARE_URL, {"reference": _png(), "actual_image": _png()}, format="multipart")
    other = owner_client.post(
        COMPARE_URL, {"reference": _png(), "actual_image": _png((230, 200, 40))}, format="multipart"
    )
    assert same.status_code == other.status_code == 200, same.json()
    body = same.json()
    assert body["status"] == "ready"
    assert body["provider"] == "local"
    assert set(body["differences"]) == {"color", "pattern", "detail", "composition"}
    assert {"color_matching", "composition"} <= set(body["dimension_scores"])
    assert other.json()["similarity_score"] < body["similarity_score"]
    assert not ComparisonResult.objects.exists()
    assert not AbilityRecord.objects.exists()


def test_it_compares_a_photo_with_a_design_remotely(vendors, owner, owner_client, design):
    dashscope, _ = vendors
    dashscope.answer = COMPARISON
    response = owner_client.post(
        COMPARE_URL, {"design_id": design.pk, "actual_image": _png()}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["provider"], body["similarity_score"]) == ("dashscope", 82)
    assert body["dimension_scores"]["pattern_precision"] == {"score": 90, "evidence": "花瓣位置准确"}
    sent = dashscope.received_images()
    assert [image.size for image in sent] == [Image.open(_design_png(design)).size, (96, 72)]
    assert not ComparisonResult.objects.exists()
    assert not AbilityRecord.objects.exists()
    assert AICall.objects.filter(capability="compare_images", user=owner, ok=True).count() == 1


def test_it_answers_404_for_another_artists_design(offline, design, outsider_client):
    response = outsider_client.post(
        COMPARE_URL, {"design_id": design.pk, "actual_image": _png()}, format="multipart"
    )
    assert response.status_code == 404


def test_it_needs_one_reference_to_compare(offline, owner_client):
    response = owner_client.post(COMPARE_URL, {"actual_image": _png()}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_refuses_an_unknown_type_in_the_ai_layer_too():
    from ai import services as ai

    with pytest.raises(ValueError, match="unknown analysis type"):
        ai.analyze_image(Image.new("RGB", (8, 8)), analysis_type="palette")


def _render(**fields) -> BytesIO:
    from ai.local.nails import DesignSpec, render_design

    data = BytesIO(render_design(DesignSpec(**fields), size=(512, 384)).png)
    data.name = "nails.png"
    return data


def test_it_suggests_tags_for_an_uploaded_inspiration_without_applying_them(offline, owner_client):
    image = _render(styles=("stripes",), colors=("#2F6FD6", "#FAFAF7"))
    response = owner_client.post(
        "/api/v1/inspirations", {"image": image, "tags": ["blue"]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "stripes" in body["suggested_tags"]
    assert "blue" not in body["suggested_tags"]
    assert body["tags"] == ["blue"]
    stored = owner_client.get(f"/api/v1/inspirations/{body['id']}").json()
    assert stored["tags"] == ["blue"]
    assert "suggested_tags" not in stored


def test_it_suggests_colours_and_shape_for_a_profile_photo_without_applying_them(
    offline, owner_client, customer
):
    image = _render(shape="stiletto", colors=("#7B1E2B",))
    before = owner_client.get(f"/api/v1/customers/{customer.pk}/profile").json()
    response = owner_client.post(
        f"/api/v1/customers/{customer.pk}/profile/photos", {"image": image}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    suggested = response.json()["suggested_profile"]
    assert suggested["nail_shape"] == "stiletto"
    assert suggested["shape_confidence"] >= 0.5
    assert suggested["color_preferences"]
    assert all(c.startswith("#") for c in suggested["color_preferences"])
    assert _rgb(suggested["color_preferences"][0]) == pytest.approx((0x7B, 0x1E, 0x2B), abs=25)
    after = owner_client.get(f"/api/v1/customers/{customer.pk}/profile").json()
    assert {k: v for k, v in after.items() if k not in ("photos", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("photos", "updated_at")
    }
    assert "suggested_profile" not in after["photos"][0]


def test_it_analyses_every_type_through_openai_answering_by_prompt(
    vendors, settings, owner_client, inspiration
):
    _, openai = vendors
    settings.DASHSCOPE_API_KEY = ""
    openai.answers_by_text = {INSTRUCTIONS[kind]: answer for kind, (answer, _) in REMOTE_ANSWERS.items()}
    for kind, (_, expected) in REMOTE_ANSWERS.items():
        body = owner_client.post(
            IMAGE_URL, {"analysis_type": kind, "inspiration_id": inspiration.pk}, format="json"
        ).json()
        assert (body["provider"], body["model"], body["result"]) == ("openai", "gpt-4o-mini", expected)
    assert len(openai.chat_requests()) == 4


def test_it_refuses_unknown_fields(offline, owner_client, inspiration):
    response = owner_client.post(
        IMAGE_URL, {"analysis_type": "colors", "inspiration": inspiration.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"] == ["inspiration"]
