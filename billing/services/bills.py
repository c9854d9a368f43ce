"""Daily reconciliation: WeChat Pay's trade bill of a day against our orders and refunds of that day.

What the bill can settle, it settles: a payment it lists that we still hold unpaid is a lost notification and is
delivered now; a refund it lists as succeeded that we still hold processing is queried and settled. Everything
else is recorded as a discrepancy for staff (``Reconciliation`` / ``Discrepancy``, admin and staff API).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from .. import wechatpay
from ..models import Discrepancy, PaymentOrder, Reconciliation, Refund
from ..tradebill import CHINA, BillFormatError, TradeBill, parse_trade_bill
from ..wechatpay import WeChatPayRejected, WeChatPayUnavailable
from .orders import settle_from_bill
from .refunds import sync_refund

logger = logging.getLogger(__name__)
Kind = Discrepancy.Kind
OrderStatus = PaymentOrder.Status
RefundStatus = Refund.Status


def default_bill_date() -> dt.date:
    """Yesterday in Asia/Shanghai: WeChat makes a day's bill from 10:00 the next day."""
    return timezone.now().astimezone(CHINA).date() - dt.timedelta(days=1)


def _day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=CHINA)
    return start, start + dt.timedelta(days=1)


@dataclass
class _Found:
    kind: str
    out_trade_no: str = ""
    out_refund_no: str = ""
    our_amount_fen: int | None = None
    bill_amount_fen: int | None = None
    our_status: str = ""
    bill_status: str = ""
    resolved: bool = False
    note: str = ""


def _ours_paid(day: dt.date):
    start, end = _day(day)
    return PaymentOrder.objects.filter(paid_at__gte=start, paid_at__lt=end)


def _ours_refunded(day: dt.date):
    start, end = _day(day)
    # a refund WeChat refused outright (closed, never given a refund_id) was never in any bill
    accepted = Refund.objects.filter(accepted_at__gte=start, accepted_at__lt=end)
    return accepted.exclude(Q(status=RefundStatus.CLOSED) & Q(refund_id="")).select_related("order")


def _compare_payments(bill: TradeBill, day: dt.date) -> list[_Found]:
    found = []
    ours = {order.out_trade_no: order for order in _ours_paid(day)}
    for no, payment in bill.payments.items():
        order = ours.get(no) or PaymentOrder.objects.filter(out_trade_no=no).first()
        theirs: dict[str, Any] = {
            "out_trade_no": no,
            "bill_amount_fen": payment.amount_fen,
            "bill_status": payment.status,
        }
        if order is None:
            found.append(_Found(Kind.MISSING_HERE, **theirs, note="not an order of ours"))
            continue
        mine: dict[str, Any] = {"our_amount_fen": order.amount_fen, "our_status": order.status}
        if payment.amount_fen != order.amount_fen:
            found.append(_Found(Kind.AMOUNT_MISMATCH, **theirs, **mine))
        elif payment.status != "SUCCESS":
            if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
                found.append(_Found(Kind.STATUS_MISMATCH, **theirs, **mine))
        elif order.status in (OrderStatus.CREATED, OrderStatus.CLOSED):
            settle_from_bill(out_trade_no=no, transaction_id=payment.transaction_id, paid_at=payment.paid_at)
            logger.warning("Order %s paid by the bill of %s: its notification was lost", no, day)
            found.append(
                _Found(Kind.LOST_NOTIFICATION, **theirs, **mine, resolved=True, note="delivered now")
            )
    for no, order in ours.items():
        if no not in bill.payments:
            found.append(
                _Found(
                    Kind.MISSING_THERE,
                    out_trade_no=no,
                    our_amount_fen=order.amount_fen,
                    our_status=order.status,
                )
            )
    return found


def _compare_refunds(bill: TradeBill, day: dt.date) -> list[_Found]:
    found = []
    ours = {refund.out_refund_no: refund for refund in _ours_refunded(day)}
    for no, item in bill.refunds.items():
        refund = ours.get(no) or Refund.objects.select_related("order").filter(out_refund_no=no).first()
        theirs: dict[str, Any] = {
            "out_refund_no": no,
            "out_trade_no": item.out_trade_no,
            "bill_amount_fen": item.amount_fen,
            "bill_status": item.status,
        }
        if refund is None:
            found.append(
                _Found(Kind.REFUND_MISSING_HERE, **theirs, note="not a refund of ours (merchant console?)")
            )
            continue
        mine: dict[str, Any] = {"our_amount_fen": refund.amount_fen, "our_status": refund.status}
        if item.amount_fen != refund.amount_fen or item.out_trade_no != refund.order.out_trade_no:
            found.append(_Found(Kind.REFUND_AMOUNT_MISMATCH, **theirs, **mine))
        elif item.status == "SUCCESS" and refund.status in (RefundStatus.PROCESSING, RefundStatus.ABNORMAL):
            settled = sync_refund(refund) == RefundStatus.SUCCESS
            note = (
                "notification lost: settled by query"
                if settled
                else "WeChat's query does not say success yet"
            )
            found.append(_Found(Kind.REFUND_STATUS_MISMATCH, **theirs, **mine, resolved=settled, note=note))
        elif (item.status, refund.status) in (
            ("SUCCESS", RefundStatus.CLOSED),
            ("CLOSED", RefundStatus.SUCCESS),
        ):
            found.append(_Found(Kind.REFUND_STATUS_MISMATCH, **theirs, **mine))
        # any other status pair: the bill's snapshot predates what we heard since
    for no, refund in ours.items():
        if no not in bill.refunds:
            found.append(
                _Found(
                    Kind.REFUND_MISSING_THERE,
                    out_refund_no=no,
                    out_trade_no=refund.order.out_trade_no,
                    our_amount_fen=refund.amount_fen,
                    our_status=refund.status,
                )
            )
    return found


def _fen(queryset) -> int:
    return queryset.aggregate(fen=Sum("amount_fen"))["fen"] or 0


@transaction.atomic
def _record(day: dt.date, bill: TradeBill, found: list[_Found]) -> Reconciliation:
    paid, refunded = _ours_paid(day), _ours_refunded(day)
    reconciliation, _ = Reconciliation.objects.update_or_create(
        date=day,
        defaults={
            "error": "",
            "bill_payments": len(bill.payments),
            "bill_payment_fen": sum(p.amount_fen for p in bill.payments.values()),
            "bill_refunds": len(bill.refunds),
            "bill_refund_fen": sum(r.amount_fen for r in bill.refunds.values()),
            "our_payments": paid.count(),
            "our_payment_fen": _fen(paid),
            "our_refunds": refunded.count(),
            "our_refund_fen": _fen(refunded),
            "status": Reconciliation.Status.OK,
        },
    )
    # what an earlier run settled stays on record; what is still open is found afresh
    reconciliation.discrepancies.filter(resolved=False).delete()
    Discrepancy.objects.bulk_create(Discrepancy(reconciliation=reconciliation, **vars(f)) for f in found)
    if reconciliation.discrepancies.filter(resolved=False).exists():
        reconciliation.status = Reconciliation.Status.DISCREPANCIES
        reconciliation.save(update_fields=["status", "updated_at"])
    return reconciliation


def reconcile_bills(*, day: dt.date) -> Reconciliation:
    """Download and compare the trade bill of ``day``; the day's ``Reconciliation`` (``failed`` when WeChat had
    no usable bill: not made yet, unreachable, or not matching its hash)."""
    try:
        text = wechatpay.trade_bill(day)
        bill = (
            parse_trade_bill(text) if text is not None else TradeBill()
        )  # None: WeChat saw no trade that day
    except (WeChatPayUnavailable, WeChatPayRejected, BillFormatError) as exc:
        logger.error("No usable trade bill for %s: %s", day, exc)
        reconciliation, _ = Reconciliation.objects.update_or_create(
            date=day, defaults={"status": Reconciliation.Status.FAILED, "error": str(exc)[:255]}
        )
        return reconciliation
    found = _compare_payments(bill, day) + _compare_refunds(bill, day)
    reconciliation = _record(day, bill, found)
    logger.info("Reconciled %s: %s, %s discrepancies", day, reconciliation.status, len(found))
    return reconciliation
