import pytest

from billing.services import grant_credits
from nailstudio import services
from tests.images import image_bytes, upload


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


@pytest.fixture
def offline(settings):
    """No remote provider configured: every AI call is answered by the offline nail engines."""
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""


@pytest.fixture(autouse=True)
def _fast_isolated(settings):
    # An empty root puts private files next to the per-test MEDIA_ROOT, so tests never share them.
    settings.PRIVATE_MEDIA_ROOT = ""
    # Users are made in every test; a deliberately slow password hash would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer(owner):
    return services.create_customer(
        owner=owner,
        name="王小姐",
        phone="13800000000",
        profile={
            "nail_shape": "coffin",
            "nail_size": "small",
            "colour_preferences": ["#F4A6B8", "#FAFAF7"],
            "style_preferences": ["french", "glitter accents"],
            "prohibitions": ["glitter", "亮片"],
        },
    )


@pytest.fixture
def inspiration(owner):
    photo = upload(image_bytes("PNG", (80, 60), (40, 90, 200)), "blue.png", "image/png")
    return services.create_inspiration(owner=owner, upload=photo, tags=["blue", "Minimal"])


@pytest.fixture
def credits(owner):
    grant_credits(user=owner, amount=10)
    return 10
