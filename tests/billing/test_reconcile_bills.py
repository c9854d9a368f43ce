import dataclasses
import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing import services, tasks
from billing.models import CreditLedger, Discrepancy, PaymentOrder, Reconciliation, Refund
from billing.tradebill import CHINA
from tests.billing.helpers import pay_order, place_order, post_notification, request_refund
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def today() -> dt.date:
    return timezone.now().astimezone(CHINA).date()  # the fake serves today's bill too


@pytest.fixture
def shop(owner_client, staff_client, api_client, payer, credits_product, wechatpay):
    """Placing, paying and refunding orders as the mini-program, WeChat and staff would."""

    class Shop:
        def paid(self) -> str:
            return pay_order(owner_client, api_client, wechatpay, "credits-100")

        def unpaid(self) -> str:
            return place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]

        def refund(self, out_trade_no: str, **body) -> str:
            return request_refund(staff_client, out_trade_no, **body).json()["out_refund_no"]

        def refund_succeeds(self, out_refund_no: str) -> None:
            assert (
                post_notification(api_client, *wechatpay.refund_notification(out_refund_no)).status_code
                == 204
            )

    return Shop()


def reconcile(day: dt.date) -> tuple[Reconciliation, str, bool]:
    """Run the command: (the day's row, its output, whether it exited 1)."""
    out = StringIO()
    try:
        call_command("reconcile_bills", "--date", day.isoformat(), stdout=out)
        failed = False
    except CommandError as exc:
        out.write(str(exc))
        failed = True
    return Reconciliation.objects.get(date=day), out.getvalue(), failed


def kinds(reconciliation: Reconciliation) -> list[tuple[str, str, bool]]:
    return [
        (d.kind, d.out_refund_no or d.out_trade_no, d.resolved) for d in reconciliation.discrepancies.all()
    ]


def test_a_day_that_matches_is_ok(shop, wechatpay, today):
    first, _ = shop.paid(), shop.paid()
    shop.refund_succeeds(shop.refund(first, amount_fen=300))
    shop.unpaid()  # never paid: in no bill

    reconciliation, out, failed = reconcile(today)

    assert not failed
    assert reconciliation.status == "ok"
    assert kinds(reconciliation) == []
    assert (reconciliation.bill_payments, reconciliation.bill_payment_fen) == (2, 1980)
    assert (reconciliation.our_payments, reconciliation.our_payment_fen) == (2, 1980)
    assert (reconciliation.bill_refunds, reconciliation.bill_refund_fen) == (1, 300)
    assert (reconciliation.our_refunds, reconciliation.our_refund_fen) == (1, 300)
    assert "bill 2 payment(s) 1980 fen, 1 refund(s) 300 fen" in out
    bill_request = next(r for r in wechatpay.requests if r.path == "/v3/bill/tradebill")
    assert bill_request.query == {
        "bill_date": [today.isoformat()],
        "bill_type": ["ALL"],
        "tar_type": ["GZIP"],
    }


def test_the_bill_settles_a_payment_whose_notification_was_lost_once(shop, payer, wechatpay, today):
    lost = shop.unpaid()
    wechatpay.mark_paid(lost)  # paid, but WeChat's notification never arrived

    reconciliation, out, failed = reconcile(today)

    assert not failed
    assert reconciliation.status == "ok"
    order = PaymentOrder.objects.get(out_trade_no=lost)
    assert order.status == "paid"
    assert order.transaction_id == wechatpay.orders[lost].transaction_id
    assert services.balance(payer) == 100
    assert kinds(reconciliation) == [("lost_notification", lost, True)]
    assert f"settled lost_notification {lost}" in out

    again, _, failed_again = reconcile(today)
    assert not failed_again
    assert kinds(again) == [("lost_notification", lost, True)]  # still on record, nothing granted twice
    assert CreditLedger.objects.filter(reason="purchase").count() == 1


def test_each_kind_of_discrepancy_is_recorded_and_fails_the_command(shop, wechatpay, today):
    ours_only = shop.unpaid()
    PaymentOrder.objects.filter(out_trade_no=ours_only).update(status="paid", paid_at=timezone.now())
    theirs_only = shop.paid()
    PaymentOrder.objects.filter(out_trade_no=theirs_only).delete()  # a payment we know nothing of
    wrong_amount = shop.paid()
    wechatpay.orders[wrong_amount].total = 1
    refunded = shop.paid()
    wrong_refund = shop.refund(refunded, amount_fen=100)
    wechatpay.refunds[wrong_refund].refund = 99
    unknown_refund = dataclasses.replace(
        wechatpay.refunds[wrong_refund], out_refund_no="RFCONSOLE0000001", refund=50
    )
    wechatpay.refunds[unknown_refund.out_refund_no] = unknown_refund  # made in the merchant console
    missing_refund = shop.refund(refunded, amount_fen=200)
    del wechatpay.refunds[missing_refund]
    closed_here = shop.refund(refunded, amount_fen=300)
    Refund.objects.filter(out_refund_no=closed_here).update(status="closed")
    wechatpay.settle_refund(closed_here)  # ...but WeChat paid it out
    closed_there = shop.refund(refunded, amount_fen=50)
    shop.refund_succeeds(closed_there)
    wechatpay.refunds[closed_there].status = "CLOSED"  # the bill says REFUNDCLOSE

    reconciliation, out, failed = reconcile(today)

    assert failed
    assert "discrepancy(ies) remain" in out
    assert reconciliation.status == "discrepancies"
    assert sorted(kinds(reconciliation)) == sorted(
        [
            ("missing_there", ours_only, False),
            ("missing_here", theirs_only, False),
            ("amount_mismatch", wrong_amount, False),
            ("refund_amount_mismatch", wrong_refund, False),
            ("refund_missing_here", "RFCONSOLE0000001", False),
            ("refund_missing_there", missing_refund, False),
            ("refund_status_mismatch", closed_here, False),
            ("refund_status_mismatch", closed_there, False),
        ]
    )
    amounts = Discrepancy.objects.get(kind="amount_mismatch")
    assert (amounts.our_amount_fen, amounts.bill_amount_fen) == (990, 1)
    assert f"OPEN missing_there {ours_only}" in out


def test_a_refund_the_bill_shows_succeeded_is_settled_by_query(shop, payer, wechatpay, today):
    out_refund_no = shop.refund(shop.paid())
    wechatpay.settle_refund(out_refund_no)  # its notification got lost

    reconciliation, _, failed = reconcile(today)

    assert not failed
    assert Refund.objects.get().status == "success"
    assert services.balance(payer) == 0
    assert kinds(reconciliation) == [("refund_status_mismatch", out_refund_no, True)]


def test_a_plain_csv_bill_is_read_too(shop, wechatpay, today):
    shop.paid()
    wechatpay.gzip_bills = False

    reconciliation, _, failed = reconcile(today)

    assert not failed
    assert reconciliation.bill_payments == 1


def test_a_bill_that_does_not_match_its_hash_is_refused(shop, wechatpay, today):
    shop.paid()
    wechatpay.script(
        wechatpay.slow(0), Reply(200, b"\xe4\xba\xa4\xe6\x98\x93,forged", {"Content-Type": "text/csv"})
    )

    reconciliation, out, failed = reconcile(today)

    assert failed
    assert reconciliation.status == "failed"
    assert "does not match its hash_value" in reconciliation.error
    assert "no usable trade bill" in out


def test_a_day_without_trade_has_no_bill_and_nothing_to_compare(shop, wechatpay, today):
    reconciliation, _, failed = reconcile(today - dt.timedelta(days=3))

    assert not failed
    assert reconciliation.status == "ok"
    assert "/v3/billdownload/file" not in [r.path for r in wechatpay.requests]


def test_by_default_it_reconciles_yesterday_and_beat_runs_it_daily(shop, wechatpay, today, settings):
    wechatpay.script(
        Reply(400, {"code": "STATEMENT_CREATING", "message": "账单生成中"})
    )  # asked before 10:00
    with pytest.raises(CommandError, match="no usable trade bill"):
        call_command("reconcile_bills", stdout=StringIO())

    request = next(r for r in wechatpay.requests if r.path == "/v3/bill/tradebill")
    assert request.query["bill_date"] == [(today - dt.timedelta(days=1)).isoformat()]
    assert Reconciliation.objects.get(date=today - dt.timedelta(days=1)).status == "failed"
    assert tasks.reconcile_bills.delay(today.isoformat()).get(timeout=10)["status"] == "ok"
    schedule = settings.CELERY_BEAT_SCHEDULE["billing-reconcile-bills"]
    assert schedule["task"] == "billing.tasks.reconcile_bills"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({10}, {30})


def test_staff_read_reconciliations_by_date(shop, wechatpay, today, staff_client, owner_client):
    lost = shop.unpaid()
    wechatpay.mark_paid(lost)
    reconcile(today)
    reconcile(today - dt.timedelta(days=3))

    listed = staff_client.get("/api/v1/billing/reconciliations", {"date": today.isoformat()})

    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert (row["date"], row["status"], row["bill_payments"]) == (today.isoformat(), "ok", 1)
    assert [(d["kind"], d["out_trade_no"], d["resolved"]) for d in row["discrepancies"]] == [
        ("lost_notification", lost, True)
    ]
    assert staff_client.get("/api/v1/billing/reconciliations").json()["count"] == 2
    assert staff_client.get("/api/v1/billing/reconciliations", {"date": "yesterday"}).status_code == 400
    assert owner_client.get("/api/v1/billing/reconciliations").status_code == 403


def test_it_refuses_an_empty_date_filter(staff_client):
    response = staff_client.get("/api/v1/billing/reconciliations?date=")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
