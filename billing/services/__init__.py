"""The billing service API, for views and for other apps (the classifier, image editing, design generation).

Usage policy for remote classification::

    used = consume_remote_classification(user=user, reference=f"classify:{photo.pk}")
    if used == "exceeded":
        ...answer with the local model and say ``"quota": "exceeded"``...
    elif remote call fails:
        release_remote_classification(user=user, used=used, reference=...)

Refunds (staff only): ``create_refund(order=, staff=, reason=, amount_fen=None)``; what the purchase granted is
taken back when the refund succeeds (``refunds._take_back``). ``reconcile_bills(day=)`` compares a day's WeChat Pay
trade bill with our books.

Other paid actions call ``spend_credits`` (402 ``insufficient_credits`` when short) or, for long jobs,
``reserve_credits`` at submit, then ``capture_reservation`` on success / ``release_reservation`` on failure.
"""

from .bills import default_bill_date, reconcile_bills
from .credits import (
    InsufficientCredits,
    adjust_credits,
    balance,
    capture_reservation,
    grant_credits,
    refund_credits,
    release_reservation,
    reserve_credits,
    spend_credits,
    take_back_credits,
)
from .membership import extend_membership, is_member, membership_expires_at, shorten_membership
from .orders import (
    Checkout,
    ReconcileResult,
    create_order,
    handle_notification,
    reconcile_orders,
    refresh_order,
    sync_order,
)
from .quota import (
    Allowance,
    consume_remote_classification,
    free_left,
    release_remote_classification,
    remote_classification_allowance,
)
from .refunds import RecheckResult, create_refund, recheck_refunds, refundable_fen, sync_refund

__all__ = [
    "Allowance",
    "Checkout",
    "InsufficientCredits",
    "RecheckResult",
    "ReconcileResult",
    "adjust_credits",
    "balance",
    "capture_reservation",
    "consume_remote_classification",
    "create_order",
    "create_refund",
    "default_bill_date",
    "extend_membership",
    "free_left",
    "grant_credits",
    "handle_notification",
    "is_member",
    "membership_expires_at",
    "recheck_refunds",
    "reconcile_bills",
    "reconcile_orders",
    "refresh_order",
    "refund_credits",
    "refundable_fen",
    "release_remote_classification",
    "release_reservation",
    "remote_classification_allowance",
    "reserve_credits",
    "shorten_membership",
    "spend_credits",
    "sync_order",
    "sync_refund",
    "take_back_credits",
]
