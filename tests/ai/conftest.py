import pytest


@pytest.fixture
def vendors(settings, fake_dashscope, fake_openai):
    """Both vendors configured and pointed at their local fakes, with fast retries and polls."""
    settings.DASHSCOPE_API_KEY = "sk-test-dashscope"
    settings.DASHSCOPE_BASE_URL = fake_dashscope.base_http_api_url
    settings.OPENAI_API_KEY = "sk-test-openai"
    settings.OPENAI_BASE_URL = fake_openai.base_url
    settings.AI_RETRY_BASE_DELAY = 0.01
    settings.AI_RETRY_MAX_DELAY = 0.02
    settings.AI_TASK_POLL_INTERVAL = 0.01
    settings.AI_READ_TIMEOUT = 2.0
    return fake_dashscope, fake_openai
