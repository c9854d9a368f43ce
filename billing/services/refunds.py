"""Refunds: staff ask for one, WeChat Pay answers (the reply, a notification or a later query), and what the
purchase granted is taken back once, when the refund reaches ``success``.

Every path that learns a refund's state ends in ``_apply_refund_state``: one transaction holding the order's row
lock, then the refund's (the same order as payment settlement, so the two never deadlock). Opening a refund holds
the order's lock too, so concurrent refunds of one order can never add up to more than it was paid.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.exceptions import Conflict, Invalid, Unavailable

from .. import wechatpay
from ..models import PaymentOrder, Refund
from ..wechatpay import NotificationRejected, WeChatPayRejected, WeChatPayUnavailable
from .credits import take_back_credits
from .membership import shorten_membership

logger = logging.getLogger(__name__)
Status = Refund.Status
WECHAT_STATUS = {
    "PROCESSING": Status.PROCESSING,
    "SUCCESS": Status.SUCCESS,
    "CLOSED": Status.CLOSED,
    "ABNORMAL": Status.ABNORMAL,
}
# Where a refund may go from each state; success and closed are final. An abnormal refund (the user's account
# could not take the money) can still succeed once the merchant re-routes it, or be closed.
MOVES: dict[str, set[str]] = {
    Status.PROCESSING: {Status.SUCCESS, Status.CLOSED, Status.ABNORMAL},
    Status.ABNORMAL: {Status.SUCCESS, Status.CLOSED},
}
DAY = 24 * 3600


def new_out_refund_no() -> str:
    """26 characters: RF + local time to the second + 10 random hex digits."""
    return "RF" + timezone.localtime().strftime("%Y%m%d%H%M%S") + secrets.token_hex(5).upper()


def refundable_fen(order: PaymentOrder) -> int:
    """What may still be refunded: the paid amount less every refund not closed (processing ones included)."""
    if order.status != PaymentOrder.Status.PAID:
        return 0
    claimed = order.refunds.exclude(status=Status.CLOSED).aggregate(fen=Sum("amount_fen"))["fen"] or 0
    return max(0, order.amount_fen - claimed)


@transaction.atomic
def _open_refund(*, order: PaymentOrder, staff, amount_fen: int | None, reason: str) -> Refund:
    order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    left = refundable_fen(order)
    if left == 0:
        raise Conflict(
            "order_not_refundable",
            "订单未支付或已全额退款 (order not paid, or already refunded in full)",
            {"status": order.status},
        )
    amount = left if amount_fen is None else amount_fen
    if not 1 <= amount <= left:
        raise Invalid(
            "refund_amount_invalid",
            "退款金额须在 1 分到可退金额之间 (refund amount out of range)",
            {"refundable_fen": left},
        )
    return Refund.objects.create(
        out_refund_no=new_out_refund_no(),
        order=order,
        amount_fen=amount,
        reason=reason[:80],
        created_by=staff,
    )


def create_refund(*, order: PaymentOrder, staff, reason: str, amount_fen: int | None = None) -> Refund:
    """Refund ``amount_fen`` (default: all that is left) of a paid order through WeChat Pay.

    The refund row is committed before WeChat hears of it and no transaction stays open across the call. A
    refusal closes it (nothing taken back); no answer leaves it ``processing`` for the re-query.
    """
    if not wechatpay.is_configured():
        raise Unavailable("wechatpay_not_configured", "未配置微信支付 (WeChat Pay not configured)")
    refund = _open_refund(order=order, staff=staff, amount_fen=amount_fen, reason=reason)
    _submit(refund)
    refund.refresh_from_db()
    return refund


def _touch(refund: Refund) -> None:
    Refund.objects.filter(pk=refund.pk).update(last_checked_at=timezone.now())


def _submit(refund: Refund) -> str:
    """Send the refund request (again: same out_refund_no, so WeChat never refunds twice). Returns the outcome."""
    order = refund.order
    try:
        data = wechatpay.create_refund(
            out_refund_no=refund.out_refund_no,
            out_trade_no=order.out_trade_no,
            amount_fen=refund.amount_fen,
            total_fen=order.amount_fen,
            reason=refund.reason,
        )
    except WeChatPayRejected as exc:
        if exc.status == 429:  # FREQUENCY_LIMITED: not a refusal, ask again later
            _touch(refund)
            return "unavailable"
        logger.warning("WeChat Pay refused refund %s: %s", refund.out_refund_no, exc)
        now = timezone.now()
        refused = Refund.objects.filter(pk=refund.pk, status=Status.PROCESSING, refund_id="")
        refused.update(
            status=Status.CLOSED,
            failure_message=f"{exc.code}: {exc.message}"[:255],
            closed_at=now,
            last_checked_at=now,
        )
        return "refused"
    except WeChatPayUnavailable as exc:
        logger.warning("Refund %s left processing: %s", refund.out_refund_no, exc)
        _touch(refund)
        return "unavailable"
    return _apply_answer(refund, data)


def _refund_problem(refund: Refund, data: Mapping, *, notification: bool) -> str | None:
    """Why a (signed) refund from WeChat does not match ours, or None."""
    amount = data.get("amount") or {}
    if notification and data.get("mchid") != settings.WECHATPAY_MCH_ID:
        return "mchid mismatch"
    if data.get("out_refund_no") != refund.out_refund_no:
        return "out_refund_no mismatch"
    if data.get("out_trade_no") != refund.order.out_trade_no:
        return "out_trade_no mismatch"
    if amount.get("refund") != refund.amount_fen or amount.get("total") != refund.order.amount_fen:
        return "amount mismatch"
    if refund.refund_id and data.get("refund_id") not in (None, refund.refund_id):
        return "refund_id mismatch"
    return None


def _apply_answer(refund: Refund, data: Mapping) -> str:
    """A refund as WeChat's reply or query describes it; returns our status afterwards (or ``mismatch``)."""
    if problem := _refund_problem(refund, data, notification=False):
        logger.error("WeChat Pay refund %s does not match ours: %s", refund.out_refund_no, problem)
        _touch(refund)
        return "mismatch"
    _, status = _apply_refund_state(
        refund=refund, status=WECHAT_STATUS.get(str(data.get("status"))), data=data
    )
    return status


def _time(value) -> dt.datetime | None:
    parsed = parse_datetime(str(value or ""))
    return parsed if parsed and parsed.tzinfo else None


def _share(units: int, part_fen: int, whole_fen: int) -> int:
    """``units × part / whole``, rounded up."""
    return -(-units * part_fen // whole_fen)


def _take_back(order: PaymentOrder, refund: Refund) -> None:
    """Take back the refunded share of what the order granted, counted over all its successful refunds so that
    rounding up never takes more than was bought (a full refund takes exactly all of it)."""
    earlier = (
        Refund.objects.filter(order=order, status=Status.SUCCESS)
        .exclude(pk=refund.pk)
        .aggregate(
            fen=Sum("amount_fen"),
            credits=Sum(F("credits_taken") + F("credits_shortfall")),
            seconds=Sum(F("membership_seconds_taken") + F("membership_seconds_shortfall")),
        )
    )
    refunded = (earlier["fen"] or 0) + refund.amount_fen
    if order.credits:
        owed = _share(order.credits, refunded, order.amount_fen) - (earlier["credits"] or 0)
        if owed > 0:
            taken = take_back_credits(user=order.user, amount=owed, reference=refund.out_refund_no)
            refund.credits_taken, refund.credits_shortfall = taken, owed - taken
    if order.membership_days:
        owed = _share(order.membership_days * DAY, refunded, order.amount_fen) - (earlier["seconds"] or 0)
        if owed > 0:
            removed = shorten_membership(user=order.user, by=dt.timedelta(seconds=owed))
            taken = min(owed, int(removed.total_seconds()))
            refund.membership_seconds_taken, refund.membership_seconds_shortfall = taken, owed - taken
    if refund.credits_shortfall or refund.membership_seconds_shortfall:
        logger.warning(
            "Refund %s could not take everything back (credits short %s, membership short %ss)",
            refund.out_refund_no,
            refund.credits_shortfall,
            refund.membership_seconds_shortfall,
        )


@transaction.atomic
def _apply_refund_state(*, refund: Refund, status: str | None, data: Mapping) -> tuple[bool, str]:
    """Record what WeChat said about the refund and move it to ``status`` if that is a move it may make; on
    ``success`` take back what the purchase granted. Returns (moved, status now)."""
    order = PaymentOrder.objects.select_for_update().get(pk=refund.order_id)
    current = Refund.objects.select_for_update().get(pk=refund.pk)
    now = timezone.now()
    current.last_checked_at = now
    if data.get("refund_id") and not current.refund_id:
        current.refund_id = str(data["refund_id"])[:64]
    if current.accepted_at is None:  # the day WeChat's bill lists it under
        current.accepted_at = _time(data.get("create_time")) or current.created_at
    moved = status in MOVES.get(current.status, set())
    if moved and status is not None:
        current.status = status
        if status == Status.SUCCESS:
            current.succeeded_at = _time(data.get("success_time")) or now
            _take_back(order, current)
        elif status == Status.CLOSED:
            current.closed_at = now
    current.save()
    if moved and status == Status.SUCCESS:
        refunded = order.refunds.filter(status=Status.SUCCESS).aggregate(fen=Sum("amount_fen"))["fen"]
        if refunded >= order.amount_fen:
            order.status = PaymentOrder.Status.REFUNDED
            order.save(update_fields=["status"])
        logger.info("Refund %s succeeded (%s fen of %s)", current.out_refund_no, current.amount_fen, order)
    return moved, current.status


def handle_refund_notification(data: Mapping) -> bool:
    """A verified, decrypted REFUND.* notification: check it against our refund and apply it. True if this one
    moved the refund; duplicates are accepted and change nothing. Raises NotificationRejected."""
    refund = (
        Refund.objects.select_related("order")
        .filter(out_refund_no=str(data.get("out_refund_no", "")))
        .first()
    )
    if refund is None:
        raise NotificationRejected(400, "unknown out_refund_no")
    if problem := _refund_problem(refund, data, notification=True):
        logger.error("Rejected WeChat Pay refund notification for %s: %s", refund.out_refund_no, problem)
        raise NotificationRejected(400, problem)
    status = WECHAT_STATUS.get(str(data.get("refund_status")))
    if status is None:
        raise NotificationRejected(400, "unknown refund_status")
    return _apply_refund_state(refund=refund, status=status, data=data)[0]


def sync_refund(refund: Refund) -> str:
    """Ask WeChat Pay about a refund; one it never received is sent again. Returns the refund's status then, or
    ``unavailable`` / ``refused`` / ``mismatch``."""
    try:
        data = wechatpay.query_refund(refund.out_refund_no)
    except (WeChatPayUnavailable, WeChatPayRejected) as exc:
        logger.warning("Could not query refund %s: %s", refund.out_refund_no, exc)
        _touch(refund)
        return "unavailable"
    if data is None:
        return _submit(refund)
    return _apply_answer(refund, data)


@dataclass(frozen=True)
class RecheckResult:
    checked: int
    outcomes: dict[str, int]


def recheck_refunds(*, limit: int = 200) -> RecheckResult:
    """Query the refunds still ``processing`` that nobody heard about for BILLING_REFUND_RECHECK_SECONDS."""
    if not wechatpay.is_configured():
        return RecheckResult(checked=0, outcomes={})
    cutoff = timezone.now() - dt.timedelta(seconds=settings.BILLING_REFUND_RECHECK_SECONDS)
    quiet = Q(last_checked_at__lt=cutoff) | Q(last_checked_at__isnull=True, created_at__lt=cutoff)
    stale = Refund.objects.filter(quiet, status=Status.PROCESSING).select_related("order")
    refunds = list(stale.order_by("created_at")[:limit])
    return RecheckResult(checked=len(refunds), outcomes=dict(Counter(sync_refund(r) for r in refunds)))
