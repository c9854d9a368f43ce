"""Payment orders: JSAPI prepay, notifications, lost-notification recovery and expiry.

Every path that learns an order was paid (notification, order query, reconciliation) ends in ``_settle_paid``:
one transaction holding the order's row lock, so the credits or membership are granted exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.exceptions import BadGateway, Invalid, NotFound, Unavailable

from .. import wechatpay
from ..models import PaymentOrder, Product, WeChatAccount
from ..wechatpay import NotificationRejected, WeChatPayRejected, WeChatPayUnavailable
from .credits import Reason, grant_credits
from .membership import extend_membership
from .refunds import RecheckResult, handle_refund_notification, recheck_refunds

logger = logging.getLogger(__name__)
Status = PaymentOrder.Status


@dataclass(frozen=True)
class Checkout:
    order: PaymentOrder
    payment: dict[str, str]  # the wx.requestPayment parameters


def new_out_trade_no() -> str:
    """26 characters: XT + local time to the second + 10 random hex digits."""
    return "XT" + timezone.localtime().strftime("%Y%m%d%H%M%S") + secrets.token_hex(5).upper()


def create_order(*, user, product_code: str) -> Checkout:
    # Not one transaction: the order row must exist (committed) before WeChat hears of it, and no DB
    # transaction should stay open across a network call.
    if not wechatpay.is_configured():
        raise Unavailable("wechatpay_not_configured", "未配置微信支付 (WeChat Pay not configured)")
    product = Product.objects.filter(code=product_code, active=True).first()
    if product is None:
        raise NotFound(
            "商品不存在或已下架 (no such product)", {"product": product_code}, code="product_not_found"
        )
    openid = WeChatAccount.objects.filter(user=user).values_list("openid", flat=True).first()
    if not openid:
        raise Invalid("wechat_account_required", "请先使用微信登录后再支付 (log in with WeChat to pay)")
    now = timezone.now()
    order = PaymentOrder.objects.create(
        out_trade_no=new_out_trade_no(),
        user=user,
        product=product,
        description=product.name[:127],
        amount_fen=product.price_fen,
        credits=product.credits if product.kind == Product.Kind.CREDITS else 0,
        membership_days=product.membership_days if product.kind == Product.Kind.MEMBERSHIP else 0,
        payer_openid=openid,
        expires_at=now + dt.timedelta(minutes=settings.WECHATPAY_ORDER_EXPIRE_MINUTES),
    )
    try:
        prepay_id = wechatpay.jsapi_prepay(
            out_trade_no=order.out_trade_no,
            description=order.description,
            amount_fen=order.amount_fen,
            openid=openid,
            expires_at=order.expires_at,
        )
    except WeChatPayRejected as exc:
        _close_locally(order)  # refused outright: it can never be paid
        raise BadGateway(
            "wechatpay_rejected",
            "微信支付拒绝了该订单 (WeChat Pay refused the order)",
            {"code": exc.code},
        ) from exc
    except WeChatPayUnavailable as exc:
        # WeChat may or may not have the order; reconciliation queries it and closes it when it expires.
        raise Unavailable(
            "wechatpay_unavailable", "微信支付暂不可用，请稍后再试 (WeChat Pay unavailable)"
        ) from exc
    PaymentOrder.objects.filter(pk=order.pk).update(prepay_id=prepay_id)
    order.prepay_id = prepay_id
    return Checkout(order=order, payment=wechatpay.request_payment_params(prepay_id))


def _transaction_problem(order: PaymentOrder, data: Mapping) -> str | None:
    """Why a (signed, decrypted) transaction does not match our order, or None."""
    amount = data.get("amount") or {}
    if data.get("mchid") != settings.WECHATPAY_MCH_ID:
        return "mchid mismatch"
    if data.get("appid") != settings.WECHAT_APP_ID:
        return "appid mismatch"
    if data.get("out_trade_no") != order.out_trade_no:
        return "out_trade_no mismatch"
    if amount.get("total") != order.amount_fen or amount.get("currency", "CNY") != "CNY":
        return "amount mismatch"
    return None


def _paid_at(data: Mapping) -> dt.datetime:
    parsed = parse_datetime(str(data.get("success_time") or ""))
    return parsed if parsed and parsed.tzinfo else timezone.now()


@transaction.atomic
def _settle_paid(*, out_trade_no: str, data: Mapping) -> bool:
    """Mark the order paid and deliver what it bought; False (nothing granted) if that already happened."""
    order = PaymentOrder.objects.select_for_update().get(out_trade_no=out_trade_no)
    if order.status in (Status.PAID, Status.REFUNDED):
        return False
    if order.status == Status.CLOSED:
        logger.warning("Order %s was closed but WeChat Pay reports it paid; delivering", out_trade_no)
    order.status = Status.PAID
    order.transaction_id = str(data.get("transaction_id") or "")[:64]
    order.paid_at = _paid_at(data)
    order.save(update_fields=["status", "transaction_id", "paid_at"])
    if order.credits:
        grant_credits(user=order.user, amount=order.credits, reason=Reason.PURCHASE, reference=out_trade_no)
    if order.membership_days:
        extend_membership(user=order.user, days=order.membership_days)
    logger.info("Order %s paid (%s fen)", out_trade_no, order.amount_fen)
    return True


def settle_from_bill(*, out_trade_no: str, transaction_id: str, paid_at: dt.datetime) -> bool:
    """WeChat's (hash-checked) trade bill lists the order as paid though no notification reached us."""
    data = {"transaction_id": transaction_id, "success_time": paid_at.isoformat()}
    return _settle_paid(out_trade_no=out_trade_no, data=data)


def handle_notification(*, headers: Mapping[str, str], body: bytes) -> bool:
    """A WeChat Pay notification (payment or refund, told apart by ``event_type``): verify, check it against our
    order or refund, settle. True if this one granted or took back.

    Raises NotificationRejected (WeChat retries those); duplicates are accepted without acting again.
    """
    notification = wechatpay.verify_notification(headers, body)
    data = notification.resource
    if notification.event_type.startswith("REFUND."):
        return handle_refund_notification(data)
    if notification.event_type != "TRANSACTION.SUCCESS" or data.get("trade_state") != "SUCCESS":
        logger.info("Ignoring WeChat Pay notification %s", notification.event_type)
        return False
    order = PaymentOrder.objects.filter(out_trade_no=str(data.get("out_trade_no", ""))).first()
    if order is None:
        raise NotificationRejected(400, "unknown out_trade_no")
    if problem := _transaction_problem(order, data):
        logger.error("Rejected WeChat Pay notification for %s: %s", order.out_trade_no, problem)
        raise NotificationRejected(400, problem)
    return _settle_paid(out_trade_no=order.out_trade_no, data=data)


def _close_locally(order: PaymentOrder) -> bool:
    # Conditional, so it can never overwrite a payment settled meanwhile.
    pending = PaymentOrder.objects.filter(pk=order.pk, status=Status.CREATED)
    return bool(pending.update(status=Status.CLOSED, closed_at=timezone.now()))


def sync_order(order: PaymentOrder, *, close_expired: bool = False) -> str:
    """Ask WeChat Pay about a pending order and act on the answer. Returns the outcome:
    ``paid``, ``closed``, ``pending``, ``mismatch`` or ``unavailable``."""
    try:
        data = wechatpay.query_order(order.out_trade_no)
    except (WeChatPayUnavailable, WeChatPayRejected) as exc:
        logger.warning("Could not query order %s: %s", order.out_trade_no, exc)
        return "unavailable"
    finally:
        PaymentOrder.objects.filter(pk=order.pk).update(last_checked_at=timezone.now())
    state = data.get("trade_state") if data else None
    if state == "SUCCESS" and data:
        if problem := _transaction_problem(order, data):
            logger.error("WeChat Pay query for %s does not match the order: %s", order.out_trade_no, problem)
            return "mismatch"
        _settle_paid(out_trade_no=order.out_trade_no, data=data)
        return "paid"
    if state in ("CLOSED", "REVOKED", "PAYERROR"):
        _close_locally(order)
        return "closed"
    if not close_expired or order.expires_at > timezone.now():
        return "pending"
    if data is not None:  # WeChat has it (NOTPAY/USERPAYING): close it there first so it cannot be paid
        try:
            wechatpay.close_order(order.out_trade_no)
        except WeChatPayRejected as exc:
            if exc.code == "ORDERPAID":  # paid just now: take the payment instead
                return sync_order(order)
            if exc.code != "ORDER_NOT_EXIST":
                logger.warning("Could not close order %s: %s", order.out_trade_no, exc)
                return "unavailable"
        except WeChatPayUnavailable:
            return "unavailable"
    _close_locally(order)
    return "closed"


def refresh_order(order: PaymentOrder) -> PaymentOrder:
    """The order as the owner should see it: a pending one is checked with WeChat (a notification may be lost)."""
    if order.status == Status.CREATED and wechatpay.is_configured():
        sync_order(order)
        order.refresh_from_db()
    return order


@dataclass(frozen=True)
class ReconcileResult:
    checked: int
    outcomes: dict[str, int]
    refunds: RecheckResult = field(default_factory=lambda: RecheckResult(checked=0, outcomes={}))


def reconcile_orders(*, limit: int = 500) -> ReconcileResult:
    """Everything in flight: query every pending order (oldest first), close those unpaid past their expiry, and
    re-query the refunds still processing."""
    if not wechatpay.is_configured():
        return ReconcileResult(checked=0, outcomes={})
    pending = list(PaymentOrder.objects.filter(status=Status.CREATED).order_by("created_at")[:limit])
    outcomes = Counter(sync_order(order, close_expired=True) for order in pending)
    return ReconcileResult(
        checked=len(pending), outcomes=dict(outcomes), refunds=recheck_refunds(limit=limit)
    )
