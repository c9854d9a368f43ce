import datetime as dt
import time

import pytest
from django.utils import timezone

from billing.models import CreditLedger, Membership, PaymentOrder
from billing.services import balance
from tests.billing.helpers import place_order, post_notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(owner_client, payer, credits_product, wechatpay) -> PaymentOrder:
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    return PaymentOrder.objects.get(out_trade_no=out_trade_no)


def test_it_grants_the_credits_for_a_genuine_notification(api_client, order, wechatpay):
    headers, body = wechatpay.notification(order.out_trade_no)

    response = post_notification(api_client, headers, body)

    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.transaction_id == wechatpay.orders[order.out_trade_no].transaction_id
    assert order.paid_at is not None
    entry = CreditLedger.objects.get(user=order.user)
    assert (entry.delta, entry.reason, entry.reference, entry.balance_after) == (
        100,
        "purchase",
        order.out_trade_no,
        100,
    )
    assert balance(order.user) == 100


def test_it_answers_duplicates_with_success_and_grants_once(api_client, order, wechatpay):
    headers, body = wechatpay.notification(order.out_trade_no)
    again_headers, again_body = wechatpay.notification(order.out_trade_no)  # WeChat's retry: new nonce

    statuses = [
        post_notification(api_client, h, b).status_code
        for h, b in [(headers, body), (again_headers, again_body), (headers, body)]
    ]

    assert statuses == [204, 204, 204]
    assert balance(order.user) == 100
    assert CreditLedger.objects.filter(user=order.user).count() == 1


def test_it_extends_membership_for_a_membership_order(
    owner_client, api_client, payer, member_product, wechatpay
):
    Membership.objects.create(user=payer, expires_at=timezone.now() + dt.timedelta(days=5))
    out_trade_no = place_order(owner_client, "member-30").json()["order"]["out_trade_no"]

    response = post_notification(api_client, *wechatpay.notification(out_trade_no))

    assert response.status_code == 204
    left = Membership.objects.get(user=payer).expires_at - timezone.now()
    assert dt.timedelta(days=34, hours=23) < left <= dt.timedelta(days=35)
    assert balance(payer) == 0
    assert not CreditLedger.objects.exists()


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        ({"bad_signature": True}, 401),
        ({"alter_after_signing": True}, 401),
        ({"timestamp": int(time.time()) - 301}, 401),
        ({"total": 1}, 400),
        ({"mchid": "1900000999"}, 400),
        ({"appid": "wxother00000000000"}, 400),
        ({"apiv3_key": "k" * 32}, 400),
    ],
    ids=[
        "bad-signature",
        "tampered-body",
        "stale-timestamp",
        "wrong-amount",
        "wrong-mchid",
        "wrong-appid",
        "wrong-key",
    ],
)
def test_it_rejects_forged_or_mismatched_notifications_and_grants_nothing(
    api_client, order, wechatpay, tamper, status
):
    headers, body = wechatpay.notification(order.out_trade_no, **tamper)

    response = post_notification(api_client, headers, body)

    assert response.status_code == status
    assert response.json()["code"] == "FAIL"
    assert response.json()["message"]
    order.refresh_from_db()
    assert order.status == "created"
    assert balance(order.user) == 0
    assert not CreditLedger.objects.exists()


def test_it_rejects_a_notification_for_an_order_we_never_placed(api_client, order, wechatpay):
    response = post_notification(api_client, *wechatpay.notification("XTNEVERPLACED0001", total=990))

    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "unknown out_trade_no"}
    assert not CreditLedger.objects.exists()


def test_it_rejects_unsigned_or_unknown_serial_notifications(api_client, order, wechatpay):
    headers, body = wechatpay.notification(order.out_trade_no)
    unsigned = {k: v for k, v in headers.items() if k != "Wechatpay-Signature"}
    other_serial = {**headers, "Wechatpay-Serial": "PUB_KEY_ID_0000000000"}

    assert post_notification(api_client, unsigned, body).status_code == 401
    assert post_notification(api_client, other_serial, body).status_code == 401
    assert post_notification(api_client, headers, body).status_code == 204  # the genuine one still works
    assert balance(order.user) == 100


def test_it_answers_503_when_wechat_pay_is_not_configured(api_client, order, wechatpay, settings):
    headers, body = wechatpay.notification(order.out_trade_no)
    settings.WECHATPAY_APIV3_KEY = ""

    response = post_notification(api_client, headers, body)

    assert response.status_code == 503
    assert response.json()["code"] == "FAIL"


def test_it_needs_no_authentication_or_csrf_token(order, wechatpay):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    headers, body = wechatpay.notification(order.out_trade_no)

    assert post_notification(client, headers, body).status_code == 204
