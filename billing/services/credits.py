"""The credit books: every change is a conditional UPDATE of the balance plus one ledger row, in one transaction.

A spend only happens when ``balance >= amount`` holds *in the UPDATE itself*, so concurrent spends can never
overdraw; the CHECK constraint on the balance backs that up.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import PaymentRequired

from ..models import CreditAccount, CreditLedger, CreditReservation

Reason = CreditLedger.Reason


class InsufficientCredits(PaymentRequired):
    def __init__(self, *, needed: int, balance: int) -> None:
        super().__init__(
            "insufficient_credits",
            "积分不足 (insufficient credits)",
            {"needed": needed, "balance": balance},
        )


def ensure_row(model, **keys) -> None:
    """Create a per-user row unless it exists, in a transaction of its own when the caller has none.

    Not ``get_or_create`` inside the writer's transaction: on InnoDB, racing first inserts leave the losers
    holding shared locks on the new row, and their following UPDATEs then deadlock each other.
    """
    if model.objects.filter(**keys).exists():
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys)
    except IntegrityError:
        pass  # a concurrent caller created it


def balance(user) -> int:
    return CreditAccount.objects.filter(user=user).values_list("balance", flat=True).first() or 0


def _post(
    *, user, delta: int, reason: str, reference: str = "", note: str = "", created_by=None
) -> CreditLedger:
    if not isinstance(delta, int) or delta == 0:
        raise ValueError(f"a ledger delta must be a non-zero int, got {delta!r}")
    ensure_row(CreditAccount, user=user)
    with transaction.atomic():
        accounts = CreditAccount.objects.filter(user=user)
        if delta < 0:
            accounts = accounts.filter(balance__gte=-delta)
        if not accounts.update(balance=F("balance") + delta, updated_at=timezone.now()):
            raise InsufficientCredits(needed=-delta, balance=balance(user))
        # Our UPDATE holds the row lock until commit, so this read sees exactly our result.
        balance_after = CreditAccount.objects.filter(user=user).values_list("balance", flat=True).get()
        return CreditLedger.objects.create(
            user=user,
            delta=delta,
            reason=reason,
            reference=reference[:128],
            balance_after=balance_after,
            note=note[:255],
            created_by=created_by,
        )


def _positive(amount: int) -> int:
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive int, got {amount!r}")
    return amount


def spend_credits(*, user, amount: int, reason: str = Reason.SPEND, reference: str = "") -> CreditLedger:
    """Take ``amount`` credits or raise InsufficientCredits (402 ``insufficient_credits``)."""
    return _post(user=user, delta=-_positive(amount), reason=reason, reference=reference)


def grant_credits(
    *, user, amount: int, reason: str = Reason.GRANT, reference: str = "", note: str = "", created_by=None
) -> CreditLedger:
    return _post(
        user=user,
        delta=_positive(amount),
        reason=reason,
        reference=reference,
        note=note,
        created_by=created_by,
    )


def refund_credits(*, user, amount: int, reference: str = "", note: str = "") -> CreditLedger:
    return _post(user=user, delta=_positive(amount), reason=Reason.REFUND, reference=reference, note=note)


def take_back_credits(*, user, amount: int, reference: str) -> int:
    """Take back up to ``amount`` credits of a refunded purchase (ledger ``refund_purchase``), never going below
    zero; returns how many were taken (less than ``amount`` when the user already spent them)."""
    _positive(amount)
    with transaction.atomic():
        # The row lock makes "what is there" hold until our UPDATE: a concurrent spend waits for us.
        held = CreditAccount.objects.select_for_update().filter(user=user).values_list("balance", flat=True)
        taken = min(amount, held.first() or 0)
        if taken:
            _post(user=user, delta=-taken, reason=Reason.REFUND_PURCHASE, reference=reference)
        return taken


def adjust_credits(*, user, delta: int, staff, note: str) -> CreditLedger:
    """A staff correction in either direction; it cannot take the balance below zero either."""
    return _post(user=user, delta=delta, reason=Reason.ADMIN_ADJUST, note=note, created_by=staff)


def reserve_credits(*, user, amount: int, reference: str) -> CreditReservation:
    """Hold credits for a long-running action (the ledger shows a ``spend``); then capture or release it.

    ``reference`` must be unique (e.g. ``"edit:<job id>"``); reserving it twice raises IntegrityError.
    """
    ensure_row(CreditAccount, user=user)
    with transaction.atomic():
        reservation = CreditReservation.objects.create(
            user=user, amount=_positive(amount), reference=reference
        )
        spend_credits(user=user, amount=amount, reference=reference)
        return reservation


def capture_reservation(*, reference: str) -> bool:
    """The action succeeded: the held credits stay spent. False if it was already settled."""
    settled = CreditReservation.objects.filter(reference=reference, status=CreditReservation.Status.HELD)
    return bool(settled.update(status=CreditReservation.Status.CAPTURED, settled_at=timezone.now()))


@transaction.atomic
def release_reservation(*, reference: str) -> bool:
    """The action failed: give the held credits back (ledger ``refund``), once. False if already settled."""
    held = CreditReservation.objects.filter(reference=reference, status=CreditReservation.Status.HELD)
    if not held.update(status=CreditReservation.Status.RELEASED, settled_at=timezone.now()):
        return False
    reservation = CreditReservation.objects.select_related("user").get(reference=reference)
    refund_credits(user=reservation.user, amount=reservation.amount, reference=reference)
    return True
