import pytest
from django.test import Client

from billing.models import Product, WeChatAccount
from tests.billing.helpers import point_wechatpay_at
from tests.factories import UserFactory


@pytest.fixture
def wechat(settings, fake_wechat):
    """WeChat login pointed at the local code2session fake."""
    settings.WECHAT_APP_ID = fake_wechat.appid
    settings.WECHAT_APP_SECRET = fake_wechat.secret
    settings.WECHAT_API_BASE_URL = fake_wechat.url
    settings.WECHAT_TIMEOUT_SECONDS = (
        1.0  # below the 2 s of the timeout tests, above a busy machine's replies
    )
    return fake_wechat


@pytest.fixture
def wechatpay(settings, fake_wechatpay, wechatpay_test_keys):
    """WeChat Pay pointed at the local v3 fake, with the generated merchant and platform keys."""
    point_wechatpay_at(fake_wechatpay, settings=settings, keys=wechatpay_test_keys)
    # short enough for the timeout tests (2 s replies), long enough for a busy machine's RSA signing
    settings.WECHAT_TIMEOUT_SECONDS = 1.5
    return fake_wechatpay


@pytest.fixture
def credits_product(db):
    return Product.objects.create(
        code="credits-100", name="芯图积分 100", kind="credits", price_fen=990, credits=100
    )


@pytest.fixture
def member_product(db):
    return Product.objects.create(
        code="member-30", name="芯图会员 30 天", kind="membership", price_fen=1990, membership_days=30
    )


@pytest.fixture
def payer(owner):
    """The owner, logged in with WeChat at some point (so they have an openid to pay with)."""
    WeChatAccount.objects.create(user=owner, openid="oPayer000000000000000000001")
    return owner


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client
