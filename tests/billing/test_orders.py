from base64 import b64decode

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from billing.models import CreditLedger, PaymentOrder, Product, WeChatAccount
from billing.services import balance
from tests.billing.helpers import NOTIFY_URL, place_order, point_wechatpay_at
from tests.fakes.keys import new_rsa_key
from tests.fakes.server import Reply
from tests.fakes.wechatpay import FakeWeChatPay

pytestmark = pytest.mark.django_db


def test_it_lists_the_products_on_sale(api_client, credits_product, member_product):
    Product.objects.create(code="old", name="下架", kind="credits", price_fen=100, credits=1, active=False)

    body = api_client.get("/api/v1/billing/products").json()

    assert [p["code"] for p in body["results"]] == ["credits-100", "member-30"]
    assert body["results"][0] == {
        "code": "credits-100",
        "name": "芯图积分 100",
        "kind": "credits",
        "price_fen": 990,
        "credits": 100,
        "membership_days": 0,
    }


def test_it_creates_an_order_and_returns_verifiable_request_payment_params(
    owner_client, payer, credits_product, wechatpay, wechatpay_test_keys
):
    response = place_order(owner_client, "credits-100")

    assert response.status_code == 201
    order, payment = response.json()["order"], response.json()["payment"]
    assert (order["status"], order["amount_fen"], order["credits"]) == ("created", 990, 100)
    assert len(order["out_trade_no"]) <= 32
    # WeChat Pay received the order as we described it
    placed = wechatpay.orders[order["out_trade_no"]]
    assert (placed.total, placed.openid, placed.notify_url) == (
        990,
        "oPayer000000000000000000001",
        NOTIFY_URL,
    )
    assert payment["package"] == f"prepay_id={placed.prepay_id}"
    # paySign verifies with the merchant public key over appId, timeStamp, nonceStr, package
    message = f"{wechatpay.appid}\n{payment['timeStamp']}\n{payment['nonceStr']}\n{payment['package']}\n"
    wechatpay_test_keys.merchant_private_key.public_key().verify(
        b64decode(payment["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert wechatpay.request_payment_problems(payment) == []
    assert payment["appId"] == wechatpay.appid
    assert payment["signType"] == "RSA"
    saved = PaymentOrder.objects.get(out_trade_no=order["out_trade_no"])
    assert saved.prepay_id == placed.prepay_id
    assert saved.user == payer


def test_it_requires_a_wechat_account_to_pay(owner_client, credits_product, wechatpay):
    response = place_order(owner_client, "credits-100")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wechat_account_required"
    assert not PaymentOrder.objects.exists()
    assert not wechatpay.orders


@pytest.mark.parametrize("code", ["no-such-product", "retired"])
def test_it_404s_unknown_or_retired_products(owner_client, payer, wechatpay, code):
    Product.objects.create(code="retired", name="旧", kind="credits", price_fen=100, credits=1, active=False)
    response = place_order(owner_client, code)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product_not_found"


def test_it_answers_503_when_wechat_pay_is_not_configured(owner_client, payer, credits_product):
    response = place_order(owner_client, "credits-100")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "wechatpay_not_configured"


def test_it_keeps_the_order_pending_when_wechat_pay_times_out(
    owner_client, payer, credits_product, wechatpay
):
    wechatpay.script(wechatpay.slow(2.0))

    response = place_order(owner_client, "credits-100")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "wechatpay_unavailable"
    assert PaymentOrder.objects.get().status == "created"  # reconciliation settles or closes it later


def test_it_closes_the_order_when_wechat_pay_refuses_it(owner_client, payer, credits_product, wechatpay):
    wechatpay.script(Reply(400, {"code": "PARAM_ERROR", "message": "参数错误"}))

    response = place_order(owner_client, "credits-100")

    assert response.status_code == 502
    assert response.json()["error"]["details"] == {"code": "PARAM_ERROR"}
    assert PaymentOrder.objects.get().status == "closed"


def test_it_distrusts_replies_not_signed_by_wechat_pay(
    owner_client, payer, credits_product, settings, wechatpay_test_keys
):
    with FakeWeChatPay(wechatpay_test_keys, signing_key=new_rsa_key()) as forger:
        point_wechatpay_at(forger, settings=settings, keys=wechatpay_test_keys)

        response = place_order(owner_client, "credits-100")

    assert response.status_code == 503
    assert PaymentOrder.objects.get().prepay_id == ""


def test_it_lists_only_my_orders_newest_first(
    owner_client, payer, outsider, credits_product, member_product, wechatpay
):
    WeChatAccount.objects.create(user=outsider, openid="oOutsider0000000000000000001")
    first = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    second = place_order(owner_client, "member-30").json()["order"]["out_trade_no"]
    PaymentOrder.objects.create(
        out_trade_no="XTOTHER0001",
        user=outsider,
        product=credits_product,
        description="x",
        amount_fen=990,
        credits=100,
        payer_openid="oOutsider0000000000000000001",
        expires_at=PaymentOrder.objects.get(out_trade_no=first).expires_at,
    )

    body = owner_client.get("/api/v1/billing/orders?page_size=1").json()

    assert body["count"] == 2
    assert [o["out_trade_no"] for o in body["results"]] == [second]
    assert owner_client.get(body["next"]).json()["results"][0]["out_trade_no"] == first


def test_it_hides_an_order_from_everyone_but_its_owner(
    owner_client, outsider_client, payer, credits_product, wechatpay
):
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]

    response = outsider_client.get(f"/api/v1/billing/orders/{out_trade_no}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert owner_client.get(f"/api/v1/billing/orders/{out_trade_no}").status_code == 200


def test_it_recovers_a_lost_notification_when_the_owner_looks_at_the_order(
    owner_client, payer, credits_product, wechatpay
):
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    assert owner_client.get(f"/api/v1/billing/orders/{out_trade_no}").json()["status"] == "created"
    wechatpay.mark_paid(out_trade_no)  # paid, but the notification never arrives

    first = owner_client.get(f"/api/v1/billing/orders/{out_trade_no}").json()
    again = owner_client.get(f"/api/v1/billing/orders/{out_trade_no}").json()

    assert first["status"] == again["status"] == "paid"
    assert balance(payer) == 100
    assert CreditLedger.objects.filter(user=payer, reason="purchase", reference=out_trade_no).count() == 1
    order = PaymentOrder.objects.get(out_trade_no=out_trade_no)
    assert order.transaction_id == wechatpay.orders[out_trade_no].transaction_id
    queries = [r for r in wechatpay.requests if r.path.endswith(out_trade_no) and r.method == "GET"]
    assert len(queries) == 2  # once while pending, once to find it paid; never again once paid


def test_it_still_shows_a_pending_order_when_wechat_pay_is_down(
    owner_client, payer, credits_product, wechatpay
):
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    wechatpay.script(Reply(500, {"code": "SYSTEM_ERROR", "message": "系统错误"}))

    response = owner_client.get(f"/api/v1/billing/orders/{out_trade_no}")

    assert response.status_code == 200
    assert response.json()["status"] == "created"
    assert PaymentOrder.objects.get().last_checked_at is not None
