"""Remote answers: structured output is asked for, names and percentages are mapped to the taxonomy, and
refusals, moderation and truncated answers move on to the next provider without counting against the breaker."""

import json
from pathlib import Path

import openai as openai_sdk
import pytest
from dashscope import MultiModalConversation
from PIL import Image

from ai import breaker, services
from ai.errors import AIUnavailable
from ai.models import AICall
from ai.taxonomy import CATEGORIES, CODES, code_for
from ai.validation import confidence_of
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent / "corpus"
PETS = {"category": "pets", "confidence": 0.93, "description": "一只橘猫"}


def photo() -> Image.Image:
    return Image.linear_gradient("L").resize((640, 480)).convert("RGB")


def corpus(provider: str) -> list:
    cases = json.loads((CORPUS / f"{provider}.json").read_text())
    return [pytest.param(case, id=case["name"]) for case in cases]


def _run_case(fake, provider: str, case: dict) -> None:
    fake.script(Reply(case["status"], case["body"]))
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(AIUnavailable) as info:
            services.classify_photo(photo(), chain=[provider])
        assert info.value.attempts == [(provider, expect["error"])]
        return
    result = services.classify_photo(photo(), chain=[provider])
    assert (result.category, result.confidence) == (expect["category"], expect["confidence"])


@pytest.mark.parametrize("case", corpus("dashscope"))
def test_it_reads_each_dashscope_answer_of_the_corpus(vendors, case):
    _run_case(vendors[0], "dashscope", case)


@pytest.mark.parametrize("case", corpus("openai"))
def test_it_reads_each_openai_answer_of_the_corpus(vendors, case):
    _run_case(vendors[1], "openai", case)


def test_it_maps_every_name_and_spelling_of_a_category_to_its_code():
    for category in CATEGORIES:
        for name in (category.code, category.name_zh, category.name_en, *category.aliases):
            for spelling in (
                name,
                name.upper(),
                f"  {name.lower()} ",
                name.replace(" ", "_").replace("_", " "),
            ):
                assert code_for(spelling) == category.code, spelling
    assert code_for("Travel and Scenery") == code_for("travel-scenery") == "travel_scenery"
    assert code_for("ＰＥＴＳ") == "pets"  # noqa: RUF001 - full-width letters on purpose
    assert [code_for(v) for v in ("cars", "", None, 3, "pets!?")] == [None, None, None, None, "pets"]


def test_no_alias_names_two_categories():
    names = [name for c in CATEGORIES for name in (c.code, c.name_zh, c.name_en, *c.aliases)]
    assert {code_for(n) for n in names} == CODES
    assert len({(n.casefold(), code_for(n)) for n in names}) == len({n.casefold() for n in names})


@pytest.mark.parametrize(
    ("given", "read"),
    [(0.42, 0.42), (1, 1.0), (0, 0.0), (92, 0.92), (100, 1.0), ("92%", 0.92), ("0.7", 0.7), ("1%", 0.01)],
)
def test_it_reads_confidences_as_fractions_or_percentages(given, read):
    assert confidence_of(given) == pytest.approx(read)


@pytest.mark.parametrize("given", [101, -0.1, "high", None, True, float("nan")])
def test_it_refuses_confidences_that_are_neither(given):
    with pytest.raises(services.InvalidOutput):
        confidence_of(given)


def test_it_asks_dashscope_for_json_mode(vendors):
    dashscope, _ = vendors
    dashscope.answer = PETS
    services.classify_photo(photo(), chain=["dashscope"])
    services.analyze_image(photo(), "描述这张图片，输出 JSON", chain=["dashscope"])
    assert [body["parameters"]["response_format"] for body in dashscope.chat_requests()] == [
        {"type": "json_object"}
    ] * 2


def test_it_asks_openai_for_a_strict_schema_whose_category_is_an_enum_of_the_codes(vendors):
    _, openai = vendors
    openai.answer = PETS
    services.classify_photo(photo(), chain=["openai"])
    (body,) = openai.chat_requests()
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["properties"]["category"] == {"type": "string", "enum": [c.code for c in CATEGORIES]}
    assert set(schema["required"]) == {"category", "confidence", "description"}


def test_the_fakes_refuse_chats_that_do_not_ask_for_structured_output(fake_dashscope, fake_openai):
    messages = [{"role": "user", "content": [{"text": "classify, answer in JSON"}]}]
    plain = MultiModalConversation.call(model="qwen-vl-max", messages=messages, api_key="k")
    assert plain.status_code == 400
    assert "response_format" in plain.message
    without_json = MultiModalConversation.call(
        model="qwen-vl-max",
        messages=[{"role": "user", "content": [{"text": "classify"}]}],
        api_key="k",
        response_format={"type": "json_object"},
    )
    assert without_json.status_code == 400
    assert "json" in without_json.message
    client = openai_sdk.OpenAI(base_url=fake_openai.base_url, api_key="k", max_retries=0)
    with pytest.raises(openai_sdk.BadRequestError, match="response_format"):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "JSON"}])
    loose = {
        "name": "x",
        "strict": True,
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
    }
    with pytest.raises(openai_sdk.BadRequestError, match="additionalProperties"):
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "JSON"}],
            response_format={"type": "json_schema", "json_schema": loose},
        )


def test_withheld_answers_go_to_the_next_provider_without_opening_the_breaker(vendors, settings):
    dashscope, openai = vendors
    settings.AI_BREAKER_THRESHOLD = 2
    openai.answer = PETS
    withheld = [
        dashscope.moderation_error(),
        dashscope.answer_reply('{"category": "pets", "conf', finish_reason="length"),
        dashscope.moderation_error("Output"),
    ]
    for reply in withheld:
        dashscope.script(reply)
        result = services.classify_photo(photo(), chain=["dashscope", "openai"])
        assert result.call.provider == "openai"
        assert result.category == "pets"
    assert not breaker.state("dashscope", "classify_photo")["open"]
    assert len(dashscope.chat_requests()) == 3  # each photo was offered to DashScope first, none retried
    assert list(
        AICall.objects.filter(provider="dashscope").order_by("id").values_list("error_code", flat=True)
    ) == [
        "content_moderated",
        "output_truncated",
        "content_moderated",
    ]


def test_an_openai_refusal_goes_to_the_next_provider_and_broken_answers_still_count(vendors, settings):
    dashscope, openai = vendors
    settings.AI_BREAKER_THRESHOLD = 2
    dashscope.answer = PETS
    openai.script(openai.refusal_reply(), openai.refusal_reply(), openai.answer_reply("not json"))
    chain = ["openai", "dashscope"]
    for _ in range(2):
        assert services.classify_photo(photo(), chain=chain).call.provider == "dashscope"
    assert not breaker.state("openai", "classify_photo")["open"]
    openai.script(openai.answer_reply("still not json"))
    services.classify_photo(photo(), chain=chain)
    services.classify_photo(photo(), chain=chain)
    assert breaker.state("openai", "classify_photo")["open"]  # invalid output is the provider's fault
