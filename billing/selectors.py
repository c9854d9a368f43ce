"""Reads for the billing views (writes live in billing.services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.exceptions import NotFound

from .models import CreditLedger, PaymentOrder, Product, Reconciliation, Refund
from .services.credits import balance
from .services.membership import membership_expires_at
from .services.quota import free_left


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(active=True)


def orders_of(user) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(user=user).select_related("product")


def order_of(*, user, out_trade_no: str) -> PaymentOrder:
    """The user's own order; anyone else's is a plain 404."""
    order = orders_of(user).filter(out_trade_no=out_trade_no).first()
    if order is None:
        raise NotFound()
    return order


def order_for_staff(out_trade_no: str) -> PaymentOrder:
    order = PaymentOrder.objects.select_related("user").filter(out_trade_no=out_trade_no).first()
    if order is None:
        raise NotFound()
    return order


def refunds_of(order: PaymentOrder) -> QuerySet[Refund]:
    return order.refunds.select_related("order", "created_by")


def reconciliations(*, date: dt.date | None = None) -> QuerySet[Reconciliation]:
    found = Reconciliation.objects.prefetch_related("discrepancies")
    return found.filter(date=date) if date else found


def ledger_of(user) -> QuerySet[CreditLedger]:
    return CreditLedger.objects.filter(user=user)


@dataclass(frozen=True)
class CreditSummary:
    balance: int
    is_member: bool
    membership_expires_at: dt.datetime | None
    free_remote_classifications_left_today: int
    free_remote_classifications_per_day: int
    credits_per_remote_classification: int


def credit_summary(user) -> CreditSummary:
    expires_at = membership_expires_at(user)
    return CreditSummary(
        balance=balance(user),
        is_member=bool(expires_at and expires_at > timezone.now()),
        membership_expires_at=expires_at,
        free_remote_classifications_left_today=free_left(user),
        free_remote_classifications_per_day=settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY,
        credits_per_remote_classification=settings.CREDITS_PER_REMOTE_CLASSIFICATION,
    )
