"""The billing beat tasks through the real broker: a Celery worker (embedded, in a thread, so it shares this
process's WeChat Pay settings pointed at the fake) on its own queue takes them from Redis, runs them on its own
database connection and answers through the result backend. Only with a broker (the MariaDB + Redis run)."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from billing import services, tasks
from billing.models import PaymentOrder, Reconciliation, Refund
from billing.tradebill import CHINA
from config.celery import app
from tests.billing.helpers import place_order, request_refund

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.CELERY_BROKER_URL == "memory://", reason="needs a broker"),
]
QUEUE = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-billing-test"


@pytest.fixture
def billing_worker():
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, queues=[QUEUE], shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = eager


def test_the_beat_tasks_settle_a_lost_payment_and_a_lost_refund_through_the_worker(
    billing_worker, owner_client, staff_client, payer, credits_product, wechatpay, settings
):
    settings.BILLING_REFUND_RECHECK_SECONDS = 0
    lost = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    wechatpay.mark_paid(lost)  # its notification never arrives
    today = timezone.now().astimezone(CHINA).date()

    reconciled = tasks.reconcile_bills.apply_async(args=[today.isoformat()], queue=QUEUE).get(timeout=60)

    assert reconciled == {"date": today.isoformat(), "status": "ok", "open_discrepancies": 0}
    assert PaymentOrder.objects.get(out_trade_no=lost).status == "paid"
    assert services.balance(payer) == 100
    out_refund_no = request_refund(staff_client, lost).json()["out_refund_no"]
    wechatpay.settle_refund(out_refund_no)  # this notification is lost too

    rechecked = tasks.reconcile_orders.apply_async(queue=QUEUE).get(timeout=60)

    assert rechecked["refunds"] == {"checked": 1, "success": 1}
    assert Refund.objects.get().status == "success"
    assert services.balance(payer) == 0
    assert Reconciliation.objects.get(date=today).discrepancies.get().kind == "lost_notification"
