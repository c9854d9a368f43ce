import datetime as dt

import pytest
from django.utils import timezone

from billing import services
from billing.models import CreditLedger, Membership, PaymentOrder, Refund
from tests.billing.helpers import ledger_sum, pay_order, place_order, post_notification, request_refund
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(owner_client, api_client, payer, credits_product, wechatpay) -> PaymentOrder:
    """A paid 9.90 CNY order of 100 credits."""
    return PaymentOrder.objects.get(
        out_trade_no=pay_order(owner_client, api_client, wechatpay, "credits-100")
    )


def succeed(api_client, wechatpay, out_refund_no: str):
    return post_notification(api_client, *wechatpay.refund_notification(out_refund_no))


def test_it_refunds_a_paid_order_in_full_and_takes_the_credits_back(
    staff_client, api_client, staff, paid, wechatpay
):
    response = request_refund(staff_client, paid.out_trade_no)

    assert response.status_code == 201
    body = response.json()
    assert (body["amount_fen"], body["status"], body["created_by"]) == (990, "processing", "staff")
    sent = wechatpay.refunds[body["out_refund_no"]]
    assert (sent.out_trade_no, sent.refund, sent.total, sent.reason) == (
        paid.out_trade_no,
        990,
        990,
        "用户申请退款",
    )
    assert sent.notify_url == "https://xintu.example.com/api/v1/billing/wechat/notify"
    assert body["refund_id"] == sent.refund_id
    assert services.balance(paid.user) == 100  # nothing taken back before WeChat says success

    assert succeed(api_client, wechatpay, body["out_refund_no"]).status_code == 204

    refund = Refund.objects.get()
    assert (refund.status, refund.credits_taken, refund.credits_shortfall) == ("success", 100, 0)
    assert refund.succeeded_at is not None
    paid.refresh_from_db()
    assert paid.status == "refunded"
    entry = CreditLedger.objects.get(reason="refund_purchase")
    assert (entry.delta, entry.reference, entry.balance_after) == (-100, refund.out_refund_no, 0)
    assert services.balance(paid.user) == 0 == ledger_sum(paid.user)


def test_partial_refunds_take_back_a_rounded_up_share_and_never_exceed_the_paid_amount(
    staff_client, api_client, paid, wechatpay
):
    first = request_refund(staff_client, paid.out_trade_no, amount_fen=100).json()
    succeed(api_client, wechatpay, first["out_refund_no"])
    # 100 credits × 100 / 990 = 10.1 → 11
    assert Refund.objects.get(out_refund_no=first["out_refund_no"]).credits_taken == 11
    assert services.balance(paid.user) == 89

    too_much = request_refund(staff_client, paid.out_trade_no, amount_fen=891)
    assert too_much.status_code == 400
    assert too_much.json()["error"]["code"] == "refund_amount_invalid"
    assert too_much.json()["error"]["details"] == {"refundable_fen": 890}

    rest = request_refund(staff_client, paid.out_trade_no).json()  # no amount: the rest
    assert rest["amount_fen"] == 890
    succeed(api_client, wechatpay, rest["out_refund_no"])

    # all of it refunded: exactly the 100 credits bought came back, not 11 + ceil(89.9)
    assert [r.credits_taken for r in Refund.objects.order_by("created_at")] == [11, 89]
    assert services.balance(paid.user) == 0 == ledger_sum(paid.user)
    paid.refresh_from_db()
    assert paid.status == "refunded"
    again = request_refund(staff_client, paid.out_trade_no)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "order_not_refundable"


def test_it_records_the_shortfall_when_the_credits_were_already_spent(
    staff_client, api_client, paid, wechatpay
):
    services.spend_credits(user=paid.user, amount=70, reference="classify:1")

    out_refund_no = request_refund(staff_client, paid.out_trade_no).json()["out_refund_no"]
    succeed(api_client, wechatpay, out_refund_no)

    refund = Refund.objects.get()
    assert (refund.credits_taken, refund.credits_shortfall) == (30, 70)
    assert services.balance(paid.user) == 0 == ledger_sum(paid.user)
    listed = staff_client.get(f"/api/v1/billing/orders/{paid.out_trade_no}/refunds").json()
    assert [(r["credits_taken"], r["credits_shortfall"]) for r in listed] == [(30, 70)]


def test_a_membership_refund_shortens_the_membership_by_the_refunded_share(
    owner_client, staff_client, api_client, payer, member_product, wechatpay
):
    out_trade_no = pay_order(owner_client, api_client, wechatpay, "member-30")  # 30 days for 19.90
    before = Membership.objects.get(user=payer).expires_at

    out_refund_no = request_refund(staff_client, out_trade_no, amount_fen=995).json()["out_refund_no"]
    succeed(api_client, wechatpay, out_refund_no)

    after = Membership.objects.get(user=payer).expires_at
    assert before - after == dt.timedelta(days=15)
    refund = Refund.objects.get()
    assert (refund.membership_seconds_taken, refund.membership_seconds_shortfall) == (15 * 86400, 0)
    assert not CreditLedger.objects.exists()


def test_a_membership_is_never_shortened_to_before_now(
    owner_client, staff_client, api_client, payer, member_product, wechatpay
):
    out_trade_no = pay_order(owner_client, api_client, wechatpay, "member-30")
    Membership.objects.filter(user=payer).update(expires_at=timezone.now() + dt.timedelta(days=10))

    succeed(api_client, wechatpay, request_refund(staff_client, out_trade_no).json()["out_refund_no"])

    membership = Membership.objects.get(user=payer)
    assert abs(membership.expires_at - timezone.now()) < dt.timedelta(seconds=5)
    assert not membership.active
    refund = Refund.objects.get()
    assert refund.membership_seconds_taken + refund.membership_seconds_shortfall == 30 * 86400
    assert 19 * 86400 < refund.membership_seconds_shortfall < 20 * 86400 + 5


def test_a_refused_refund_is_closed_with_wechats_message_and_takes_nothing(
    staff_client, api_client, paid, wechatpay
):
    wechatpay.script(Reply(403, {"code": "NOT_ENOUGH", "message": "基本账户余额不足，请充值后重新发起"}))

    response = request_refund(staff_client, paid.out_trade_no)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "closed"
    assert body["failure_message"] == "NOT_ENOUGH: 基本账户余额不足，请充值后重新发起"
    assert services.balance(paid.user) == 100
    assert request_refund(staff_client, paid.out_trade_no).json()["status"] == "processing"  # amount freed


def test_a_refund_left_processing_by_an_outage_is_settled_by_the_requery(
    staff_client, api_client, paid, wechatpay, settings
):
    wechatpay.script(Reply(500, {"code": "SYSTEM_ERROR", "message": "系统错误"}))
    body = request_refund(staff_client, paid.out_trade_no).json()
    assert (body["status"], body["refund_id"]) == ("processing", "")
    assert body["out_refund_no"] not in wechatpay.refunds  # WeChat never got it
    settings.BILLING_REFUND_RECHECK_SECONDS = 0

    first = services.recheck_refunds()  # the query finds nothing: the same refund is asked for again

    assert (first.checked, first.outcomes) == (1, {"processing": 1})
    assert wechatpay.refunds[body["out_refund_no"]].refund == 990
    wechatpay.settle_refund(body["out_refund_no"])  # its notification got lost
    assert services.recheck_refunds().outcomes == {"success": 1}
    assert services.balance(paid.user) == 0 == ledger_sum(paid.user)
    assert services.recheck_refunds().checked == 0


def test_the_requery_waits_for_the_recheck_interval(staff_client, paid, wechatpay, settings):
    settings.BILLING_REFUND_RECHECK_SECONDS = 600
    request_refund(staff_client, paid.out_trade_no)

    assert services.recheck_refunds().checked == 0
    Refund.objects.update(last_checked_at=timezone.now() - dt.timedelta(seconds=601))
    assert services.recheck_refunds().outcomes == {"processing": 1}


def test_only_staff_refund_and_unknown_or_unpaid_orders_are_refused(
    owner_client, staff_client, paid, credits_product, wechatpay
):
    unpaid = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]

    assert request_refund(owner_client, paid.out_trade_no).status_code == 403
    assert owner_client.get(f"/api/v1/billing/orders/{paid.out_trade_no}/refunds").status_code == 403
    missing = request_refund(staff_client, "XTNOSUCHORDER0001")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    not_paid = request_refund(staff_client, unpaid)
    assert (not_paid.status_code, not_paid.json()["error"]["code"]) == (409, "order_not_refundable")
    for amount in (0, -5, 991):
        response = request_refund(staff_client, paid.out_trade_no, amount_fen=amount)
        assert response.json()["error"]["code"] == "refund_amount_invalid", amount
    assert not Refund.objects.exists()


def test_a_rate_limited_refund_is_not_a_refusal_and_is_asked_again(staff_client, paid, wechatpay, settings):
    wechatpay.script(
        Reply(429, {"code": "FREQUENCY_LIMITED", "message": "同一笔订单多次退款的请求需相隔1分钟"})
    )
    body = request_refund(staff_client, paid.out_trade_no).json()
    assert (body["status"], body["failure_message"]) == ("processing", "")
    settings.BILLING_REFUND_RECHECK_SECONDS = 0

    assert services.recheck_refunds().outcomes == {"processing": 1}
    assert body["out_refund_no"] in wechatpay.refunds
