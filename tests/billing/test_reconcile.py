import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing import services, tasks
from billing.models import CreditLedger, PaymentOrder
from tests.billing.helpers import place_order
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db


def new_order(client, product="credits-100") -> str:
    return place_order(client, product).json()["order"]["out_trade_no"]


def expire(out_trade_no: str) -> None:
    PaymentOrder.objects.filter(out_trade_no=out_trade_no).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )


def status_of(out_trade_no: str) -> str:
    return PaymentOrder.objects.get(out_trade_no=out_trade_no).status


def test_reconcile_settles_lost_payments_and_closes_expired_orders(
    owner_client, payer, credits_product, wechatpay
):
    paid_lost = new_order(owner_client)
    expired = new_order(owner_client)
    fresh = new_order(owner_client)
    wechatpay.mark_paid(paid_lost)
    expire(paid_lost)  # paid before it expired: still delivered
    expire(expired)
    out = StringIO()

    call_command("reconcile_orders", stdout=out)

    assert (status_of(paid_lost), status_of(expired), status_of(fresh)) == ("paid", "closed", "created")
    assert wechatpay.orders[expired].trade_state == "CLOSED"  # closed at WeChat too, so it cannot be paid
    assert wechatpay.orders[fresh].trade_state == "NOTPAY"
    assert services.balance(payer) == 100
    assert "checked 3 pending order(s): closed 1, paid 1, pending 1" in out.getvalue()
    assert "checked 0 processing refund(s): nothing to do" in out.getvalue()

    call_command("reconcile_orders", stdout=StringIO())  # nothing left to do, nothing granted twice
    assert services.balance(payer) == 100
    assert CreditLedger.objects.count() == 1


def test_reconcile_closes_an_expired_order_wechat_never_received(
    owner_client, payer, credits_product, wechatpay
):
    wechatpay.script(wechatpay.slow(2.0))  # the prepay request times out before WeChat records anything
    assert place_order(owner_client, "credits-100").status_code == 503
    order = PaymentOrder.objects.get()
    wechatpay.orders.pop(order.out_trade_no, None)

    assert services.reconcile_orders().outcomes == {"pending": 1}  # not expired yet
    expire(order.out_trade_no)
    assert services.reconcile_orders().outcomes == {"closed": 1}
    assert status_of(order.out_trade_no) == "closed"


def test_reconcile_keeps_orders_pending_while_wechat_pay_is_down(
    owner_client, payer, credits_product, wechatpay
):
    out_trade_no = new_order(owner_client)
    expire(out_trade_no)
    wechatpay.script(Reply(500, {"code": "SYSTEM_ERROR", "message": "系统错误"}))

    result = services.reconcile_orders()

    assert (result.checked, result.outcomes) == (1, {"unavailable": 1})
    assert status_of(out_trade_no) == "created"
    assert wechatpay.orders[out_trade_no].trade_state == "NOTPAY"


def test_reconcile_takes_the_payment_when_closing_finds_it_paid(
    owner_client, payer, credits_product, wechatpay
):
    out_trade_no = new_order(owner_client)
    expire(out_trade_no)
    not_paid_yet = {**wechatpay.orders[out_trade_no].transaction()}
    wechatpay.mark_paid(out_trade_no)
    # the query still says NOTPAY (the user pays that very moment), then the close call answers ORDERPAID
    wechatpay.script(Reply(200, not_paid_yet, {"Content-Type": "application/json"}))

    assert services.reconcile_orders().outcomes == {"paid": 1}
    assert status_of(out_trade_no) == "paid"
    assert services.balance(payer) == 100


def test_reconcile_does_not_deliver_a_query_that_disagrees_with_the_order(
    owner_client, payer, credits_product, wechatpay
):
    out_trade_no = new_order(owner_client)
    wechatpay.mark_paid(out_trade_no, payer_total=990)
    wechatpay.orders[out_trade_no].total = 1  # WeChat says 1 fen was due: not our order's amount

    assert services.reconcile_orders().outcomes == {"mismatch": 1}
    assert status_of(out_trade_no) == "created"
    assert services.balance(payer) == 0


def test_the_beat_task_reconciles(owner_client, payer, credits_product, wechatpay, settings):
    out_trade_no = new_order(owner_client)
    wechatpay.mark_paid(out_trade_no)

    assert tasks.reconcile_orders.delay().get(timeout=10) == {
        "checked": 1,
        "paid": 1,
        "refunds": {"checked": 0},
    }
    assert (
        settings.CELERY_BEAT_SCHEDULE["billing-reconcile-orders"]["task"] == "billing.tasks.reconcile_orders"
    )


def test_reconcile_does_nothing_without_wechat_pay(db):
    assert services.reconcile_orders() == services.ReconcileResult(checked=0, outcomes={})
