import pytest
from django.contrib.auth import get_user_model

from billing.models import WeChatAccount
from tests.fakes.server import Reply
from tests.fakes.wechat import errcode_reply

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/wechat"
User = get_user_model()


def test_it_signs_up_a_new_wechat_user_and_returns_a_working_jwt_pair(api_client, wechat):
    code = wechat.login_code("oNewUser00000000000000000001", unionid="uUnion-1")

    response = api_client.post(URL, {"code": code, "nickname": "小芯"})

    assert response.status_code == 200
    body = response.json()
    assert body["created"] is True
    assert body["user"]["openid"] == "oNewUser00000000000000000001"
    assert body["user"]["nickname"] == "小芯"
    account = WeChatAccount.objects.get(openid="oNewUser00000000000000000001")
    assert account.unionid == "uUnion-1"
    assert account.user_id == body["user"]["id"]
    assert not account.user.has_usable_password()
    # the session key is stored encrypted, and decrypts to what WeChat issued (24 chars of base64)
    assert len(account.session_key) == 24
    assert account.session_key not in account.session_key_encrypted
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get("/api/v1/auth/me").json()["id"] == account.user_id
    assert api_client.post("/api/v1/auth/token/refresh", {"refresh": body["refresh"]}).status_code == 200


def test_it_logs_the_same_openid_back_in_without_creating_a_user(api_client, wechat):
    first = api_client.post(URL, {"code": wechat.login_code("oReturning0000000000000000001")}).json()
    old_secret = WeChatAccount.objects.get().session_key_encrypted

    second = api_client.post(URL, {"code": wechat.login_code("oReturning0000000000000000001")}).json()

    assert (first["created"], second["created"]) == (True, False)
    assert second["user"]["id"] == first["user"]["id"]
    assert User.objects.count() == 1
    assert WeChatAccount.objects.get().session_key_encrypted != old_secret  # refreshed on every login


def test_it_fetches_one_access_token_and_shares_it(api_client, wechat):
    for _ in range(3):
        assert api_client.post(URL, {"code": wechat.login_code()}).status_code == 200

    token_requests = [r for r in wechat.requests if r.path == "/cgi-bin/token"]
    assert len(token_requests) == 1
    assert len(wechat.access_tokens) == 1


@pytest.mark.parametrize("make_code", [lambda fake: "never-issued-code", "reuse"])
def test_it_answers_400_for_an_invalid_or_used_code(api_client, wechat, make_code):
    if make_code == "reuse":
        code = wechat.login_code()
        assert api_client.post(URL, {"code": code}).status_code == 200
    else:
        code = make_code(wechat)
    users_before = User.objects.count()

    response = api_client.post(URL, {"code": code})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wechat_code_invalid"
    assert response.json()["error"]["details"]["errcode"] in (40029, 40163)
    assert User.objects.count() == users_before


def test_it_validates_the_input(api_client, wechat):
    response = api_client.post(URL, {"nickname": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not wechat.requests


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, {"access_token": "late", "expires_in": 7200}, delay=2.0),
        Reply(502, "Bad Gateway"),
        errcode_reply(-1),
    ],
    ids=["timeout", "http-502", "system-busy"],
)
def test_it_answers_503_when_wechat_is_unavailable(api_client, wechat, reply):
    wechat.script(reply)

    response = api_client.post(URL, {"code": wechat.login_code()})

    assert response.status_code == 503
    # the timeout applied: waiting out the 2 s delay would have got the token and logged in
    assert response.json()["error"]["code"] == "wechat_unavailable"
    assert not User.objects.exists()


def test_it_answers_503_when_our_app_secret_is_wrong(api_client, wechat, settings):
    settings.WECHAT_APP_SECRET = "not-the-secret"
    response = api_client.post(URL, {"code": wechat.login_code()})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "wechat_unavailable"


def test_it_answers_503_when_wechat_login_is_not_configured(api_client, settings):
    settings.WECHAT_APP_ID = ""
    response = api_client.post(URL, {"code": "anything"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "wechat_not_configured"


def test_it_links_wechat_to_a_signed_in_password_user(owner_client, owner, wechat):
    response = owner_client.post(URL, {"code": wechat.login_code("oLinked00000000000000000001")})

    assert response.status_code == 200
    assert response.json()["created"] is False
    assert WeChatAccount.objects.get(openid="oLinked00000000000000000001").user == owner


def test_it_logs_in_despite_a_stale_access_token(api_client, wechat):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.broken")

    response = api_client.post(URL, {"code": wechat.login_code()})

    assert response.status_code == 200
    assert response.json()["created"] is True


def test_it_refuses_to_link_an_openid_that_belongs_to_someone_else(api_client, outsider_client, wechat):
    api_client.post(URL, {"code": wechat.login_code("oTaken000000000000000000001")})

    response = outsider_client.post(URL, {"code": wechat.login_code("oTaken000000000000000000001")})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wechat_account_taken"


def test_it_refuses_a_disabled_user(api_client, wechat):
    api_client.post(URL, {"code": wechat.login_code("oDisabled0000000000000000001")})
    User.objects.update(is_active=False)

    response = api_client.post(URL, {"code": wechat.login_code("oDisabled0000000000000000001")})

    assert response.status_code == 401
    assert "access" not in response.json()


def test_it_throttles_wechat_login(api_client, wechat):
    statuses = [api_client.post(URL, {"code": f"bad-{i}"}).status_code for i in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[-1] == 429
