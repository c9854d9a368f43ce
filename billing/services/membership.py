from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..models import Membership


def membership_expires_at(user) -> dt.datetime | None:
    return Membership.objects.filter(user=user).values_list("expires_at", flat=True).first()


def is_member(user) -> bool:
    return Membership.objects.filter(user=user, expires_at__gt=timezone.now()).exists()


@transaction.atomic
def extend_membership(*, user, days: int) -> Membership:
    """Add ``days`` from the later of now and the current expiry (an expired membership restarts today)."""
    now = timezone.now()
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, defaults={"expires_at": now + dt.timedelta(days=days)}
    )
    if not created:
        membership.expires_at = max(now, membership.expires_at) + dt.timedelta(days=days)
        membership.save(update_fields=["expires_at", "updated_at"])
    return membership


@transaction.atomic
def shorten_membership(*, user, by: dt.timedelta) -> dt.timedelta:
    """Move the expiry back by ``by`` but never before now; returns how much was actually removed."""
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if membership is None:
        return dt.timedelta(0)
    now = timezone.now()
    new_expiry = max(now, membership.expires_at - by)
    removed = max(dt.timedelta(0), membership.expires_at - new_expiry)
    if removed:
        membership.expires_at = new_expiry
        membership.save(update_fields=["expires_at", "updated_at"])
    return removed
