"""The WeChat fakes, driven through the real SDKs (wechatpy 1.8.18, wechatpayv3 2.0.4) configured the way
production code must configure them (see the docstrings of tests.fakes.wechat and tests.fakes.wechatpay)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import secrets
import time

import pytest
import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpy.exceptions import WeChatClientException

from billing.wechat import MiniProgramClient
from tests.fakes.keys import WeChatPayKeys, make_certificate, serial_hex
from tests.fakes.server import Reply
from tests.fakes.wechat import FakeWeChat, errcode_reply
from tests.fakes.wechatpay import FakeWeChatPay

NOTIFY_URL = "https://xintu.example.com/api/payments/wechat/notify"


# --- production's client (billing.wechat), pointed at the fake -----------------------------------------


def mini_program(fake: FakeWeChat, *, secret: str | None = None, timeout: float = 5.0) -> MiniProgramClient:
    return MiniProgramClient(fake.appid, secret or fake.secret, base_url=fake.url, timeout=timeout)


def wxpay_for(
    fake: FakeWeChatPay, keys: WeChatPayKeys, *, private_key: str | None = None, **kwargs
) -> WeChatPay:
    options = {
        "public_key": keys.platform_public_key_pem,
        "public_key_id": keys.public_key_id,
        "cert_serial_no": keys.merchant_cert_serial,
        "timeout": (2, 5),
        **kwargs,
    }
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI,
        mchid=fake.mchid,
        private_key=private_key or keys.merchant_private_key_pem,
        appid=fake.appid,
        apiv3_key=keys.apiv3_key,
        notify_url=NOTIFY_URL,
        **options,
    )
    wxpay._core._gate_way = fake.url  # no public base-URL option in wechatpayv3 2.0.4
    return wxpay


def place_order(wxpay: WeChatPay, out_trade_no: str, total: int = 990, openid: str = "o" + "x" * 27):
    return wxpay.pay(
        description="芯图-图片生成 10 次",
        out_trade_no=out_trade_no,
        amount={"total": total, "currency": "CNY"},
        payer={"openid": openid},
        pay_type=WeChatPayType.JSAPI,
    )


def new_trade_no() -> str:
    return "XT" + secrets.token_hex(8).upper()


# --- mini-program login ------------------------------------------------------------------------------------


def test_code_to_session_returns_the_user_bound_to_the_code(fake_wechat):
    code = fake_wechat.login_code("oUser0000000000000000000001", unionid="uUnion1")
    client = mini_program(fake_wechat)

    session = client.wxa.code_to_session(code)

    assert session["openid"] == "oUser0000000000000000000001"
    assert session["unionid"] == "uUnion1"
    assert len(session["session_key"]) == 24  # base64 of 16 bytes
    # wechatpy fetched an access token from the fake first, then sent it along
    token_request, login_request = fake_wechat.requests
    assert token_request.path == "/cgi-bin/token"
    assert login_request.path == "/sns/jscode2session"
    assert login_request.query["access_token"] == [fake_wechat.access_tokens[-1]]
    assert login_request.query["grant_type"] == ["authorization_code"]
    assert login_request.query["secret"] == [fake_wechat.secret]


def test_code_to_session_without_unionid_and_token_reuse(fake_wechat):
    client = mini_program(fake_wechat)
    first = client.wxa.code_to_session(fake_wechat.login_code())
    second = client.wxa.code_to_session(fake_wechat.login_code())

    assert "unionid" not in first
    assert first["openid"] != second["openid"]
    assert len(fake_wechat.access_tokens) == 1  # the client caches its token


@pytest.mark.parametrize(
    ("make_code", "errcode"),
    [
        (lambda fake: "never-issued", 40029),
        (lambda fake: "", 41008),
    ],
)
def test_code_to_session_rejects_bad_codes(fake_wechat, make_code, errcode):
    with pytest.raises(WeChatClientException) as raised:
        mini_program(fake_wechat).wxa.code_to_session(make_code(fake_wechat))
    assert raised.value.errcode == errcode


def test_a_code_works_once(fake_wechat):
    client = mini_program(fake_wechat)
    code = fake_wechat.login_code()
    client.wxa.code_to_session(code)
    with pytest.raises(WeChatClientException) as raised:
        client.wxa.code_to_session(code)
    assert raised.value.errcode == 40163
    assert "code been used" in raised.value.errmsg


def test_wrong_app_secret_is_refused(fake_wechat):
    with pytest.raises(WeChatClientException) as raised:
        mini_program(fake_wechat, secret="not-the-secret").wxa.code_to_session(fake_wechat.login_code())
    assert raised.value.errcode == 40125


def test_scripted_wechat_errors_surface_as_client_exceptions(fake_wechat):
    client = mini_program(fake_wechat)
    client.fetch_access_token()
    fake_wechat.script(errcode_reply(-1), Reply(503, "Service Unavailable"))

    with pytest.raises(WeChatClientException) as busy:
        client.wxa.code_to_session(fake_wechat.login_code())
    with pytest.raises(WeChatClientException) as down:
        client.wxa.code_to_session(fake_wechat.login_code())

    assert busy.value.errcode == -1
    assert down.value.errcode is None
    assert down.value.response.status_code == 503


@pytest.mark.parametrize("slow_step", ["token", "login"])
def test_slow_wechat_times_out_on_both_requests(fake_wechat, slow_step):
    client = mini_program(fake_wechat, timeout=0.3)
    if slow_step == "login":
        client.fetch_access_token()
    fake_wechat.script(fake_wechat.slow(1.5))

    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        client.wxa.code_to_session(fake_wechat.login_code())
    assert time.monotonic() - started < 1.2


# --- WeChat Pay: orders -----------------------------------------------------------------------------------


def test_jsapi_prepay_returns_a_signed_prepay_id(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    out_trade_no = new_trade_no()

    code, message = place_order(wxpay, out_trade_no, total=990)

    assert code == 200
    prepay_id = json.loads(message)["prepay_id"]
    order = fake_wechatpay.orders[out_trade_no]
    assert (order.prepay_id, order.total, order.notify_url) == (prepay_id, 990, NOTIFY_URL)
    sent = fake_wechatpay.requests[-1]
    assert sent.headers["authorization"].startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900000109"')
    assert sent.headers["wechatpay-serial"] == wechatpay_test_keys.public_key_id


def test_sdk_rejects_replies_not_signed_with_the_wechatpay_key(wechatpay_test_keys):
    with FakeWeChatPay(wechatpay_test_keys, signing_key=wechatpay_test_keys.impostor_private_key) as forger:
        wxpay = wxpay_for(forger, wechatpay_test_keys)
        with pytest.raises(Exception, match="failed to verify the signature"):
            place_order(wxpay, new_trade_no())
        assert forger.orders  # the request itself was fine; only the reply's signature was not


@pytest.mark.parametrize("tamper", ["merchant_key", "cert_serial"])
def test_fake_rejects_requests_the_merchant_did_not_sign(fake_wechatpay, wechatpay_test_keys, tamper):
    if tamper == "merchant_key":
        wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys, private_key=_impostor_pem(wechatpay_test_keys))
    else:
        wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys, cert_serial_no="0" * 40)

    code, message = place_order(wxpay, new_trade_no())

    assert code == 401
    assert json.loads(message)["code"] == "SIGN_ERROR"
    assert not fake_wechatpay.orders


def _impostor_pem(keys: WeChatPayKeys) -> str:
    from cryptography.hazmat.primitives import serialization

    return keys.impostor_private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_query_reports_notpay_then_success_after_mark_paid(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    out_trade_no = new_trade_no()
    place_order(wxpay, out_trade_no, total=1990, openid="oPayer00000000000000000000001")

    code, message = wxpay.query(out_trade_no=out_trade_no)
    unpaid = json.loads(message)
    fake_wechatpay.mark_paid(out_trade_no)
    code_after, message_after = wxpay.query(out_trade_no=out_trade_no)
    paid = json.loads(message_after)

    assert (code, unpaid["trade_state"]) == (200, "NOTPAY")
    assert "transaction_id" not in unpaid
    assert code_after == 200
    assert paid["trade_state"] == "SUCCESS"
    assert paid["amount"]["total"] == paid["amount"]["payer_total"] == 1990
    assert paid["payer"] == {"openid": "oPayer00000000000000000000001"}
    assert (paid["appid"], paid["mchid"]) == (fake_wechatpay.appid, fake_wechatpay.mchid)
    assert json.loads(wxpay.query(transaction_id=paid["transaction_id"])[1])["out_trade_no"] == out_trade_no


def test_query_of_an_unknown_order_is_404(fake_wechatpay, wechatpay_test_keys):
    code, message = wxpay_for(fake_wechatpay, wechatpay_test_keys).query(out_trade_no="NEVER-PLACED")
    assert (code, json.loads(message)["code"]) == (404, "ORDER_NOT_EXIST")


def test_close_then_query_is_closed_and_the_order_cannot_be_reopened(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    out_trade_no = new_trade_no()
    place_order(wxpay, out_trade_no)

    code, body = wxpay.close(out_trade_no)

    assert (code, body) == (204, b"")  # the empty 204 was signed too, or the SDK would have raised
    assert json.loads(wxpay.query(out_trade_no=out_trade_no)[1])["trade_state"] == "CLOSED"
    code, message = place_order(wxpay, out_trade_no)
    assert (code, json.loads(message)["code"]) == (400, "ORDER_CLOSED")
    with pytest.raises(ValueError, match="is closed and cannot be paid"):
        fake_wechatpay.mark_paid(out_trade_no)


def test_a_paid_order_cannot_be_closed(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    out_trade_no = new_trade_no()
    place_order(wxpay, out_trade_no)
    fake_wechatpay.mark_paid(out_trade_no)

    code, message = wxpay.close(out_trade_no)

    assert (code, json.loads(message)["code"]) == (400, "ORDERPAID")


def test_prepay_retry_is_idempotent_but_a_changed_order_is_refused(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    out_trade_no = new_trade_no()

    first = json.loads(place_order(wxpay, out_trade_no, total=100)[1])
    again = json.loads(place_order(wxpay, out_trade_no, total=100)[1])
    code, changed = place_order(wxpay, out_trade_no, total=200)

    assert first["prepay_id"] == again["prepay_id"]
    assert (code, json.loads(changed)["code"]) == (400, "INVALID_REQUEST")


@pytest.mark.parametrize(
    ("notify_url", "total", "expected"),
    [("http://insecure.example.com/notify", 100, "PARAM_ERROR"), (NOTIFY_URL, 0, "PARAM_ERROR")],
)
def test_prepay_validates_the_order(fake_wechatpay, wechatpay_test_keys, notify_url, total, expected):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    code, message = wxpay.pay(
        description="x",
        out_trade_no=new_trade_no(),
        amount={"total": total},
        payer={"openid": "o" * 28},
        notify_url=notify_url,
    )
    assert (code, json.loads(message)["code"]) == (400, expected)


def test_scripted_outage_and_slowness(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys, timeout=(1, 0.3))
    fake_wechatpay.script(
        Reply(500, {"code": "SYSTEM_ERROR", "message": "系统错误"}),
        fake_wechatpay.slow(1.5),
    )

    code, message = place_order(wxpay, new_trade_no())
    assert (code, json.loads(message)["code"]) == (500, "SYSTEM_ERROR")
    with pytest.raises(requests.Timeout):
        place_order(wxpay, new_trade_no())


def test_certificate_mode_downloads_the_platform_certificate(fake_wechatpay, wechatpay_test_keys, tmp_path):
    """Older merchants verify with platform certificates; an unknown serial makes the SDK fetch
    /v3/certificates, which must decrypt with the APIv3 key. The cert dir is pre-seeded with a rotated-out
    certificate so that the constructor does not itself go to api.mch.weixin.qq.com for one."""
    fake_wechatpay.mode = "certificate"
    old_serial = int(wechatpay_test_keys.platform_cert_serial, 16) + 1
    (tmp_path / f"{serial_hex(old_serial)}.pem").write_text(
        make_certificate(wechatpay_test_keys.impostor_private_key, old_serial)
    )
    wxpay = wxpay_for(
        fake_wechatpay, wechatpay_test_keys, public_key=None, public_key_id=None, cert_dir=str(tmp_path)
    )

    code, _ = place_order(wxpay, new_trade_no())

    assert code == 200
    assert "/v3/certificates" in [r.path for r in fake_wechatpay.requests]
    assert (tmp_path / f"{wechatpay_test_keys.platform_cert_serial}.pem").exists()


def test_public_key_mode_serves_no_certificates(fake_wechatpay, wechatpay_test_keys):
    code, message = wxpay_for(fake_wechatpay, wechatpay_test_keys)._core.request("/v3/certificates")
    assert (code, json.loads(message)["code"]) == (404, "NOT_FOUND")


# --- WeChat Pay: payment notifications ---------------------------------------------------------------------


def paid_order(fake: FakeWeChatPay, keys: WeChatPayKeys, total: int = 990) -> tuple[WeChatPay, str]:
    wxpay = wxpay_for(fake, keys)
    out_trade_no = new_trade_no()
    place_order(wxpay, out_trade_no, total=total)
    return wxpay, out_trade_no


def as_django_meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()}


@pytest.mark.parametrize("header_style", ["http", "django_meta", "lowercase"])
def test_sdk_callback_accepts_a_genuine_notification(fake_wechatpay, wechatpay_test_keys, header_style):
    wxpay, out_trade_no = paid_order(fake_wechatpay, wechatpay_test_keys, total=990)
    headers, body = fake_wechatpay.notification(out_trade_no)
    presented = {
        "http": headers,
        "django_meta": as_django_meta(headers),
        "lowercase": {k.lower(): v for k, v in headers.items()},
    }[header_style]

    result = wxpay.callback(presented, body)

    assert result["event_type"] == "TRANSACTION.SUCCESS"
    resource = result["resource"]
    assert resource["out_trade_no"] == out_trade_no
    assert resource["trade_state"] == "SUCCESS"
    assert resource["amount"]["total"] == 990
    assert (resource["mchid"], resource["appid"]) == (fake_wechatpay.mchid, fake_wechatpay.appid)
    # the notification and a later query agree: the fake marked the order paid
    queried = json.loads(wxpay.query(out_trade_no=out_trade_no)[1])
    assert queried["transaction_id"] == resource["transaction_id"]


@pytest.mark.parametrize(
    "tamper", [{"bad_signature": True}, {"alter_after_signing": True}, {"apiv3_key": "k" * 32}]
)
def test_sdk_callback_rejects_forged_or_altered_notifications(fake_wechatpay, wechatpay_test_keys, tamper):
    wxpay, out_trade_no = paid_order(fake_wechatpay, wechatpay_test_keys)
    headers, body = fake_wechatpay.notification(out_trade_no, **tamper)
    assert wxpay.callback(headers, body) is None


@pytest.mark.parametrize(
    ("tamper", "field", "expected"),
    [
        ({"total": 1}, ("amount", "total"), 1),
        ({"mchid": "1900000999"}, ("mchid",), "1900000999"),
        ({"appid": "wxother00000000000"}, ("appid",), "wxother00000000000"),
        ({"timestamp": int(time.time()) - 3600}, ("trade_state",), "SUCCESS"),
    ],
)
def test_signed_but_wrong_notifications_pass_the_sdk(
    fake_wechatpay, wechatpay_test_keys, tamper, field, expected
):
    """The SDK checks signature and decryption only: amount, mchid, appid and the timestamp's age are the
    merchant's code to check, so these must reach it intact."""
    wxpay, out_trade_no = paid_order(fake_wechatpay, wechatpay_test_keys, total=990)
    headers, body = fake_wechatpay.notification(out_trade_no, **tamper)

    value = wxpay.callback(headers, body)["resource"]
    for key in field:
        value = value[key]

    assert value == expected
    if "timestamp" in tamper:
        assert int(headers["Wechatpay-Timestamp"]) < time.time() - 3000


def test_notification_for_an_unknown_order(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    headers, body = fake_wechatpay.notification("NEVER-PLACED-1", total=500)

    resource = wxpay.callback(headers, body)["resource"]

    assert (resource["out_trade_no"], resource["amount"]["total"]) == ("NEVER-PLACED-1", 500)
    assert "NEVER-PLACED-1" not in fake_wechatpay.orders


# --- wx.requestPayment parameters --------------------------------------------------------------------------


def request_payment_params(wxpay: WeChatPay, appid: str, prepay_id: str) -> dict[str, str]:
    """What the backend hands the mini-program for wx.requestPayment."""
    timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
    return {
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": wxpay.sign([appid, timestamp, nonce, package]),
    }


def test_request_payment_params_signed_by_the_sdk_check_out(fake_wechatpay, wechatpay_test_keys):
    wxpay = wxpay_for(fake_wechatpay, wechatpay_test_keys)
    prepay_id = json.loads(place_order(wxpay, new_trade_no())[1])["prepay_id"]
    params = request_payment_params(wxpay, fake_wechatpay.appid, prepay_id)

    assert fake_wechatpay.request_payment_problems(params) == []
    assert fake_wechatpay.request_payment_problems({**params, "nonceStr": "changed"}) == [
        "paySign does not verify with the merchant key"
    ]
    assert fake_wechatpay.request_payment_problems({**params, "package": "prepay_id=wx-unknown"}) != []
    wrong_app = request_payment_params(wxpay, "wxother00000000000", prepay_id)
    assert fake_wechatpay.request_payment_problems(wrong_app) == [
        "paySign does not verify with the merchant key"
    ]


# --- WeChat Pay: refunds and bills ---------------------------------------------------------------------------


def test_refunds_through_the_sdk_are_idempotent_and_never_exceed_the_order(
    fake_wechatpay, wechatpay_test_keys
):
    wxpay, out_trade_no = paid_order(fake_wechatpay, wechatpay_test_keys, total=990)
    fake_wechatpay.mark_paid(out_trade_no)

    def refund(out_refund_no: str, amount: int):
        return wxpay.refund(
            out_refund_no=out_refund_no,
            out_trade_no=out_trade_no,
            amount={"refund": amount, "total": 990, "currency": "CNY"},
            reason="测试",
        )

    code, message = refund("RF-1", 600)
    again_code, again = refund("RF-1", 600)
    over_code, over = refund("RF-2", 391)

    created = json.loads(message)
    assert (code, created["status"], created["amount"]["refund"]) == (200, "PROCESSING", 600)
    assert (again_code, json.loads(again)["refund_id"]) == (200, created["refund_id"])
    assert (over_code, json.loads(over)["code"]) == (400, "INVALID_REQUEST")
    fake_wechatpay.settle_refund("RF-1")
    queried = json.loads(wxpay.query_refund("RF-1")[1])
    assert (queried["status"], queried["out_trade_no"]) == ("SUCCESS", out_trade_no)
    assert wxpay.query_refund("RF-NONE")[0] == 404


def test_sdk_callback_decrypts_a_refund_notification(fake_wechatpay, wechatpay_test_keys):
    wxpay, out_trade_no = paid_order(fake_wechatpay, wechatpay_test_keys, total=990)
    fake_wechatpay.mark_paid(out_trade_no)
    wxpay.refund(
        out_refund_no="RF-1",
        out_trade_no=out_trade_no,
        amount={"refund": 990, "total": 990, "currency": "CNY"},
    )

    result = wxpay.callback(*fake_wechatpay.refund_notification("RF-1", status="ABNORMAL"))

    assert result["event_type"] == "REFUND.ABNORMAL"
    resource = result["resource"]
    assert (resource["out_refund_no"], resource["refund_status"], resource["mchid"]) == (
        "RF-1",
        "ABNORMAL",
        fake_wechatpay.mchid,
    )
    assert resource["amount"] == {"total": 990, "refund": 990, "payer_total": 990, "payer_refund": 990}


@pytest.mark.parametrize("gzipped", [True, False])
def test_the_trade_bill_downloads_and_matches_its_hash(fake_wechatpay, wechatpay_test_keys, gzipped):
    wxpay, out_trade_no = paid_order(fake_wechatpay, wechatpay_test_keys, total=990)
    fake_wechatpay.mark_paid(out_trade_no)
    fake_wechatpay.gzip_bills = gzipped
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()

    code, message = wxpay.trade_bill(today)
    meta = json.loads(message)
    status, content = wxpay.download_bill(meta["download_url"])

    assert (code, meta["hash_type"], status) == (200, "SHA1", 200)
    raw = gzip.decompress(content) if gzipped else content
    assert content[:2] == b"\x1f\x8b" if gzipped else content.startswith("交易时间".encode())
    assert hashlib.sha1(raw).hexdigest() == meta["hash_value"]
    text = raw.decode()
    assert f"`{out_trade_no}," in text
    assert "`SUCCESS," in text
    assert "`9.90," in text
    assert "总交易单数" in text
    assert json.loads(wxpay.trade_bill("2000-01-01")[1])["code"] == "NO_STATEMENT_EXIST"
