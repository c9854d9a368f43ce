from decimal import Decimal

import pytest
from PIL import Image

from ai import breaker, services
from ai.errors import AIUnavailable
from ai.models import AICall

pytestmark = pytest.mark.django_db
REMOTE = ["dashscope", "openai"]
PETS = {"category": "pets", "confidence": 0.93, "description": "一只橘猫趴在沙发上"}


def photo(size=(3000, 2000)) -> Image.Image:
    return Image.linear_gradient("L").resize(size).convert("RGB")


def test_it_classifies_through_dashscope_first(vendors, owner):
    dashscope, openai = vendors
    dashscope.answer = PETS
    result = services.classify_photo(photo(), user=owner, chain=REMOTE)
    assert (result.category, result.confidence, result.description) == ("pets", 0.93, "一只橘猫趴在沙发上")
    assert result.call.provider == "dashscope"
    assert result.call.model == "qwen-vl-max"
    assert result.call.usage.input_tokens == dashscope.usage["input_tokens"]
    assert openai.requests == []
    call = AICall.objects.get()
    assert call.ok
    assert call.user == owner
    assert call.capability == "classify_photo"


def test_it_computes_cost_from_the_vendors_usage(vendors, settings):
    dashscope, _ = vendors
    dashscope.answer = PETS
    dashscope.usage = {"input_tokens": 2000, "output_tokens": 100}
    settings.AI_PRICES = {"dashscope:qwen-vl-max": {"input_per_1k": "0.003", "output_per_1k": "0.009"}}
    result = services.classify_photo(photo(), chain=REMOTE)
    assert result.call.cost == Decimal("0.006900")
    assert AICall.objects.get().cost == Decimal("0.006900")


def test_it_downscales_images_before_sending(vendors, settings):
    dashscope, _ = vendors
    dashscope.answer = PETS
    settings.AI_IMAGE_MAX_SIDE = 512
    services.classify_photo(photo((4000, 3000)), chain=REMOTE)
    (sent,) = dashscope.received_images()
    assert sent.size == (512, 384)
    assert sent.format == "JPEG"


def test_it_retries_after_a_timeout(vendors, settings):
    dashscope, _ = vendors
    settings.AI_READ_TIMEOUT = 0.3
    dashscope.answer = PETS
    dashscope.script(dashscope.slow(1.0))
    result = services.classify_photo(photo(), chain=REMOTE)
    assert result.call.provider == "dashscope"
    assert result.call.attempts == 2
    assert list(AICall.objects.order_by("id").values_list("ok", "error_code")) == [
        (False, "timeout"),
        (True, ""),
    ]


def test_it_retries_after_429(vendors):
    _, openai = vendors
    openai.answer = PETS
    openai.script(openai.error(429))
    result = services.classify_photo(photo(), chain=["openai"])
    assert result.call.provider == "openai"
    assert result.call.attempts == 2
    assert AICall.objects.filter(ok=False, error_code="http_429").count() == 1


def test_it_moves_to_the_next_provider_after_repeated_500(vendors, settings):
    dashscope, openai = vendors
    settings.AI_MAX_RETRIES = 1
    dashscope.script(dashscope.error(500), dashscope.error(500))
    openai.answer = {"category": "foods", "confidence": 0.8, "description": "一碗拉面"}
    result = services.classify_photo(photo(), chain=REMOTE)
    assert result.call.provider == "openai"
    assert result.category == "foods"
    assert AICall.objects.filter(provider="dashscope", ok=False).count() == 2


def test_it_does_not_retry_permanent_errors(vendors):
    dashscope, openai = vendors
    dashscope.script(dashscope.error(401))
    openai.answer = PETS
    result = services.classify_photo(photo(), chain=REMOTE)
    assert result.call.provider == "openai"
    assert AICall.objects.filter(provider="dashscope").count() == 1


@pytest.mark.parametrize(
    "answer",
    [
        "抱歉，我无法识别这张图片。",
        {"category": "cars", "confidence": 0.9, "description": "汽车"},
        {"category": "pets", "confidence": 170, "description": "猫"},
        {"confidence": 0.5},
    ],
)
def test_it_falls_through_on_invalid_answers(vendors, answer):
    dashscope, openai = vendors
    dashscope.answer = answer
    openai.answer = PETS
    result = services.classify_photo(photo(), chain=REMOTE)
    assert result.call.provider == "openai"
    assert AICall.objects.get(provider="dashscope").error_code == "invalid_output"


def test_it_strips_number_runs_from_descriptions(vendors):
    dashscope, _ = vendors
    dashscope.answer = {"category": "idcard", "confidence": 0.9, "description": "身份证 110101199003074514"}
    result = services.classify_photo(photo(), chain=REMOTE)
    assert "110101" not in result.description


def test_it_skips_providers_without_a_key(vendors, settings):
    dashscope, openai = vendors
    settings.DASHSCOPE_API_KEY = ""
    openai.answer = PETS
    assert services.classify_photo(photo(), chain=REMOTE).call.provider == "openai"
    assert dashscope.requests == []


def test_it_raises_unavailable_when_the_chain_is_exhausted(vendors, settings):
    dashscope, _openai = vendors
    settings.AI_MAX_RETRIES = 0
    settings.OPENAI_API_KEY = ""
    dashscope.script(dashscope.error(500))
    with pytest.raises(AIUnavailable) as info:
        services.classify_photo(photo(), chain=REMOTE)
    assert info.value.attempts == [
        ("dashscope", "http_500:InternalError"),
        ("openai", "skipped:not_configured"),
    ]


def test_it_opens_the_breaker_after_n_failures_and_closes_after_the_cooldown(vendors, settings, monkeypatch):
    dashscope, openai = vendors
    settings.AI_MAX_RETRIES = 0
    settings.AI_BREAKER_THRESHOLD = 3
    settings.AI_BREAKER_COOLDOWN = 30
    openai.answer = PETS
    dashscope.script(*[dashscope.error(500)] * 3)
    for _ in range(3):
        assert services.classify_photo(photo(), chain=REMOTE).call.provider == "openai"
    assert breaker.is_open("dashscope", "classify_photo")
    before = len(dashscope.requests)
    assert services.classify_photo(photo(), chain=REMOTE).call.provider == "openai"
    assert len(dashscope.requests) == before, "an open breaker must skip the provider"

    import time as real_time

    now = real_time.time()
    monkeypatch.setattr("ai.breaker.time.time", lambda: now + 31)
    dashscope.answer = PETS
    assert services.classify_photo(photo(), chain=REMOTE).call.provider == "dashscope"
    assert not breaker.is_open("dashscope", "classify_photo")


def test_it_analyzes_and_compares_with_validated_json(vendors):
    dashscope, openai = vendors
    dashscope.answer = {"minutes_min": 40, "minutes_max": 60, "complexity": "medium"}
    result = services.analyze_image(
        photo((200, 200)),
        "估算时间",
        validate=services.require_fields("minutes_min", "minutes_max"),
        chain=REMOTE,
    )
    assert result.data["minutes_max"] == 60
    assert result.call.provider == "dashscope"

    dashscope.answer = {"similarity": 80}  # missing "suggestions": falls through to OpenAI
    openai.answer = {"similarity": 72, "suggestions": ["注意边缘"]}
    compared = services.compare_images(
        photo((200, 200)),
        photo((300, 200)),
        "比较设计与成品",
        validate=services.require_fields("similarity", "suggestions"),
        chain=REMOTE,
    )
    assert compared.call.provider == "openai"
    assert compared.data["similarity"] == 72
    assert len(openai.received_images()) == 2


def test_it_generates_images_through_dashscope_task_polling(vendors):
    dashscope, _ = vendors
    dashscope.task_steps = ["RUNNING", "RUNNING"]
    result = services.generate_image("粉色渐变美甲", size=(768, 512), chain=REMOTE)
    assert result.call.provider == "dashscope"
    assert result.call.usage.images == 1
    assert result.content_type == "image/png"
    assert Image.open(__import__("io").BytesIO(result.data)).size == (768, 512)
    assert dashscope.received_prompts() == ["粉色渐变美甲"]


def test_it_falls_back_to_openai_when_the_dashscope_task_fails(vendors):
    dashscope, openai = vendors
    dashscope.task_failure = ("DataInspectionFailed", "Input data may contain inappropriate content.")
    result = services.generate_image("法式美甲", chain=REMOTE)
    assert result.call.provider == "openai"
    assert openai.received_prompts() == ["法式美甲"]


def test_it_edits_images_with_each_vendor(vendors):
    _dashscope, openai = vendors
    edited = services.edit_image(photo((600, 400)), "变成水彩风格", chain=["dashscope"])
    assert edited.call.provider == "dashscope"
    assert edited.data
    edited = services.edit_image(photo((600, 400)), "变成水彩风格", chain=["openai"])
    assert edited.call.provider == "openai"
    assert edited.content_type == "image/png"
    assert openai.received_prompts() == ["变成水彩风格"]


def test_it_runs_the_callers_offline_engine_as_the_local_provider(vendors, settings):
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    from ai.images import png_bytes

    result = services.generate_image("x", local=lambda: png_bytes(photo((64, 64))), chain=[*REMOTE, "local"])
    assert result.call.provider == "local"
    assert result.call.cost == 0
    with pytest.raises(AIUnavailable):
        services.generate_image("x", chain=[*REMOTE, "local"])
