"""Refunds under races, with real threads and transactions (see test_concurrency for SQLite's retries)."""

import threading
import time
from collections import Counter

import pytest
from rest_framework.test import APIClient

from billing import services
from billing.models import CreditLedger, PaymentOrder, Refund
from tests.billing.helpers import (
    ON_SQLITE,
    ledger_sum,
    pay_order,
    post_notification,
    race,
    request_refund,
    sqlite_busy,
)

pytestmark = pytest.mark.django_db(transaction=True)
# SQLite's retry loops burn CPU that the rest of a parallel run needs; MariaDB queues them on the locks instead
COPIES = 8 if ON_SQLITE else 18


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def paid(owner, payer, credits_product, wechatpay) -> PaymentOrder:
    return PaymentOrder.objects.get(
        out_trade_no=pay_order(client_for(owner), APIClient(), wechatpay, "credits-100")
    )


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_refund_racing_copies_of_its_notification_and_queries_takes_back_once(
    staff, paid, wechatpay, settings
):
    settings.BILLING_REFUND_RECHECK_SECONDS = 0
    settings.WECHAT_TIMEOUT_SECONDS = 5  # long enough to wait for the late answer below and apply it
    wechatpay.script(wechatpay.slow(1.0))  # WeChat records the refund at once but answers late
    created: list = []

    def create():
        try:
            created.append(services.create_refund(order=paid, staff=staff, reason="重复扣款"))
        except Exception as exc:  # SQLite only: a locked table; the notifications still settle it
            created.append(exc)

    creator = threading.Thread(target=create)
    creator.start()
    wait_for(lambda: wechatpay.refunds)
    (out_refund_no,) = wechatpay.refunds
    copies = [wechatpay.refund_notification(out_refund_no) for _ in range(COPIES)]  # WeChat's retries

    def settle(i: int):
        if i < len(copies):
            return post_notification(APIClient(), *copies[i]).status_code
        return services.sync_refund(Refund.objects.get(out_refund_no=out_refund_no))

    def again(outcome) -> bool:
        # WeChat resends a notification it got a 5xx for; beat re-queries a refund it could not ask about
        return (
            (isinstance(outcome, int) and outcome >= 500) or outcome == "unavailable" or sqlite_busy(outcome)
        )

    results, retries = race(COPIES + 2, settle, retry_if=again)
    creator.join(timeout=30)

    assert results[:COPIES] == [204] * COPIES
    assert results[COPIES:] == ["success", "success"]
    refund = Refund.objects.get()
    assert (refund.status, refund.credits_taken, refund.credits_shortfall) == ("success", 100, 0)
    assert CreditLedger.objects.filter(reason="refund_purchase").count() == 1
    assert services.balance(paid.user) == 0 == ledger_sum(paid.user)
    assert PaymentOrder.objects.get(pk=paid.pk).status == "refunded"
    if not ON_SQLITE:
        assert retries == 0
        assert isinstance(created[0], Refund)


def test_concurrent_refunds_of_one_order_never_exceed_what_was_paid(staff, paid, wechatpay):
    def refund(i: int):
        return request_refund(client_for(staff), paid.out_trade_no, amount_fen=500).status_code

    statuses, retries = race(4, refund, retry_if=lambda status: isinstance(status, int) and status >= 500)

    assert Refund.objects.count() == 1
    assert sum(r.refund for r in wechatpay.refunds.values()) == 500
    if not ON_SQLITE:
        assert Counter(statuses) == {201: 1, 400: 3}
        assert retries == 0
