import pytest
from django.core.management import call_command

from ai import breaker

pytestmark = pytest.mark.django_db
PETS = {"category": "pets", "confidence": 0.9, "description": "猫"}


def test_it_reports_providers_in_health(vendors, api_client, settings):
    settings.AI_CHAINS = {**settings.AI_CHAINS, "classify_photo": ["dashscope", "openai"]}
    for _ in range(settings.AI_BREAKER_THRESHOLD):
        breaker.record_failure("dashscope", "classify_photo")
    check = api_client.get("/api/v1/health").json()["checks"]["providers"]
    assert check["ok"] is True  # OpenAI can still classify
    assert check["providers"]["dashscope"]["breakers_open"] == ["classify_photo"]
    assert check["providers"]["openai"]["configured"] is True


def test_it_is_degraded_when_no_provider_can_classify(api_client, settings):
    settings.AI_CHAINS = {**settings.AI_CHAINS, "classify_photo": ["dashscope", "openai"]}
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    body = api_client.get("/api/v1/health").json()
    assert body["checks"]["providers"]["ok"] is False
    assert body["status"] == "degraded"


def test_ai_check_prints_a_table_and_passes(vendors, capsys):
    dashscope, openai = vendors
    dashscope.answer = openai.answer = PETS
    call_command("ai_check")
    out = capsys.readouterr().out
    assert "dashscope" in out
    assert "openai" in out
    assert "pets" in out


def test_ai_check_exits_non_zero_when_a_configured_provider_fails(vendors, settings, capsys):
    dashscope, openai = vendors
    settings.AI_MAX_RETRIES = 0
    openai.answer = PETS
    dashscope.script(dashscope.error(401))
    with pytest.raises(SystemExit) as info:
        call_command("ai_check")
    assert info.value.code == 1
    assert "FAIL" in capsys.readouterr().out


def test_health_reports_local_models_and_a_corrupt_one(api_client, tmp_path):
    import shutil

    from ai.local.photo import reset_store
    from ai.local.photo.runtime import configured_model_dir

    check = api_client.get("/api/v1/health").json()["checks"]["local_models"]
    assert check["ok"] is True
    assert check["models"]["efficientnet_lite0.onnx"]["sha256"]

    model_dir = tmp_path / "models"
    shutil.copytree(configured_model_dir(), model_dir)
    broken = model_dir / "efficientnet_lite0.onnx"
    data = bytearray(broken.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken.write_bytes(bytes(data))
    reset_store(model_dir=model_dir)
    try:
        body = api_client.get("/api/v1/health").json()
        assert body["status"] == "degraded"
        assert body["checks"]["local_models"]["models"]["efficientnet_lite0.onnx"]["ok"] is False
    finally:
        reset_store()
