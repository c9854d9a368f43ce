import pytest

from billing.services import grant_credits
from nailstudio import services
from tests.images import image_bytes, upload


@pytest.fixture
def customer(owner):
    return services.create_customer(
        owner=owner,
        name="王小姐",
        phone="13800000000",
        profile={
            "nail_shape": "coffin",
            "nail_size": "small",
            "color_preferences": ["#F4A6B8", "#FAFAF7"],
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
