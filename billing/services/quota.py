"""Remote-classification allowance: members unlimited, then a free daily quota, then credits, then the local
model (``exceeded``, not an error). Cache hits never reach this module: they are always free.

The free quota is a counter row per user and day bumped by ``UPDATE ... WHERE free_used < limit``, so
concurrent requests can never use more than the quota.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from ..models import DailyUsage
from .credits import InsufficientCredits, balance, ensure_row, refund_credits, spend_credits
from .membership import is_member

QUOTA_TIMEZONE = ZoneInfo("Asia/Shanghai")
UsedBy = Literal["member", "free", "credits", "exceeded"]


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    reason: UsedBy
    free_left: int


def quota_day() -> dt.date:
    return timezone.localdate(timezone=QUOTA_TIMEZONE)


def free_left(user) -> int:
    used = DailyUsage.objects.filter(user=user, day=quota_day()).values_list("free_used", flat=True).first()
    return max(settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY - (used or 0), 0)


def remote_classification_allowance(*, user) -> Allowance:
    """What the next remote classification would use (a prediction; ``consume_...`` decides)."""
    left = free_left(user)
    if is_member(user):
        return Allowance(True, "member", left)
    if left > 0:
        return Allowance(True, "free", left)
    if balance(user) >= settings.CREDITS_PER_REMOTE_CLASSIFICATION:
        return Allowance(True, "credits", 0)
    return Allowance(False, "exceeded", 0)


def _take_free(user) -> bool:
    limit = settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY
    if limit <= 0:
        return False
    day = quota_day()
    ensure_row(DailyUsage, user=user, day=day)
    usage = DailyUsage.objects.filter(user=user, day=day, free_used__lt=limit)
    return bool(usage.update(free_used=F("free_used") + 1))  # one statement: atomic on its own


def consume_remote_classification(*, user, reference: str = "") -> UsedBy:
    """Charge one remote classification: ``member``, ``free`` or ``credits``; ``exceeded`` when none is left
    (nothing charged: answer with the local model). ``reference`` names the work in the ledger."""
    if is_member(user):
        return "member"
    if _take_free(user):
        return "free"
    try:
        spend_credits(user=user, amount=settings.CREDITS_PER_REMOTE_CLASSIFICATION, reference=reference)
    except InsufficientCredits:
        return "exceeded"
    return "credits"


def release_remote_classification(*, user, used: UsedBy, reference: str = "") -> None:
    """The remote call failed after ``consume_...``: give back what it took (today's free use or the credits)."""
    if used == "free":
        usage = DailyUsage.objects.filter(user=user, day=quota_day(), free_used__gt=0)
        usage.update(free_used=F("free_used") - 1)
    elif used == "credits":
        refund_credits(user=user, amount=settings.CREDITS_PER_REMOTE_CLASSIFICATION, reference=reference)
