import dataclasses
import time

import pytest

from billing import services
from billing.models import CreditLedger, PaymentOrder, Refund
from tests.billing.helpers import pay_order, post_notification, request_refund

pytestmark = pytest.mark.django_db
REFUND_NOTIFY_PATH = "/api/v1/billing/wechat/refund-notify"


@pytest.fixture
def refund(owner_client, staff_client, api_client, payer, credits_product, wechatpay) -> Refund:
    """A full refund of a paid 100-credit order, still processing."""
    out_trade_no = pay_order(owner_client, api_client, wechatpay, "credits-100")
    return Refund.objects.get(
        out_refund_no=request_refund(staff_client, out_trade_no).json()["out_refund_no"]
    )


def post_refund_notification(client, headers, body):
    extra = {
        "HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k.lower() != "content-type"
    }
    return client.post(REFUND_NOTIFY_PATH, data=body, content_type="application/json", **extra)


@pytest.mark.parametrize(
    "post", [post_refund_notification, post_notification], ids=["refund-notify", "notify"]
)
def test_either_notify_url_takes_refund_success_and_duplicates_take_back_once(
    api_client, refund, wechatpay, post
):
    copies = [wechatpay.refund_notification(refund.out_refund_no) for _ in range(3)]

    assert [post(api_client, *copy).status_code for copy in copies] == [204, 204, 204]

    refund.refresh_from_db()
    assert refund.status == "success"
    assert CreditLedger.objects.filter(reason="refund_purchase").count() == 1
    assert services.balance(refund.order.user) == 0


@pytest.mark.parametrize("status", ["CLOSED", "ABNORMAL"])
def test_closed_and_abnormal_refunds_take_nothing_back(api_client, refund, wechatpay, status):
    response = post_refund_notification(
        api_client, *wechatpay.refund_notification(refund.out_refund_no, status=status)
    )

    assert response.status_code == 204
    refund.refresh_from_db()
    assert refund.status == status.lower()
    assert services.balance(refund.order.user) == 100
    assert PaymentOrder.objects.get(pk=refund.order_id).status == "paid"


def test_an_abnormal_refund_can_still_succeed_but_a_closed_one_stays_closed(api_client, refund, wechatpay):
    post_refund_notification(
        api_client, *wechatpay.refund_notification(refund.out_refund_no, status="ABNORMAL")
    )
    post_refund_notification(
        api_client, *wechatpay.refund_notification(refund.out_refund_no, status="SUCCESS")
    )
    refund.refresh_from_db()
    assert refund.status == "success"

    late = post_refund_notification(
        api_client, *wechatpay.refund_notification(refund.out_refund_no, status="CLOSED")
    )
    assert late.status_code == 204  # acknowledged, but success is final
    refund.refresh_from_db()
    assert refund.status == "success"
    assert services.balance(refund.order.user) == 0


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        ({"bad_signature": True}, 401),
        ({"alter_after_signing": True}, 401),
        ({"timestamp": int(time.time()) - 301}, 401),
        ({"apiv3_key": "k" * 32}, 400),
        ({"refund": 1}, 400),
        ({"total": 1}, 400),
        ({"out_trade_no": "XTSOMEONEELSE0001"}, 400),
        ({"mchid": "1900000999"}, 400),
    ],
    ids=[
        "bad-signature",
        "tampered-body",
        "stale-timestamp",
        "wrong-key",
        "wrong-refund-amount",
        "wrong-total",
        "wrong-order",
        "wrong-mchid",
    ],
)
def test_it_rejects_forged_stale_or_mismatched_refund_notifications(
    api_client, refund, wechatpay, tamper, status
):
    headers, body = wechatpay.refund_notification(refund.out_refund_no, **tamper)

    response = post_refund_notification(api_client, headers, body)

    assert response.status_code == status
    assert response.json()["code"] == "FAIL"
    assert response.json()["message"]
    refund.refresh_from_db()
    assert refund.status == "processing"
    assert services.balance(refund.order.user) == 100


def test_it_rejects_a_refund_notification_for_a_refund_we_never_asked_for(api_client, refund, wechatpay):
    theirs = dataclasses.replace(wechatpay.refunds[refund.out_refund_no], out_refund_no="RFSOMEONEELSE00001")
    wechatpay.refunds[theirs.out_refund_no] = theirs  # e.g. refunded in the merchant console

    response = post_refund_notification(api_client, *wechatpay.refund_notification("RFSOMEONEELSE00001"))

    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "unknown out_refund_no"}
    assert services.balance(refund.order.user) == 100
