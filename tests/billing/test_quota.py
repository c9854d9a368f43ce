import datetime as dt

import pytest
from django.utils import timezone

from billing import services
from billing.models import CreditLedger, DailyUsage, Membership
from billing.services import Allowance
from billing.services.quota import quota_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_quota(settings):
    settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY = 3
    settings.CREDITS_PER_REMOTE_CLASSIFICATION = 2


def test_it_uses_the_free_quota_then_credits_then_says_exceeded(owner):
    services.grant_credits(user=owner, amount=5)

    used = [services.consume_remote_classification(user=owner, reference=f"photo:{i}") for i in range(7)]

    assert used == ["free", "free", "free", "credits", "credits", "exceeded", "exceeded"]
    assert services.balance(owner) == 1  # 5 - 2 - 2; the last credit is not enough for a third
    spends = CreditLedger.objects.filter(user=owner, reason="spend").order_by("id")
    assert [(e.delta, e.reference) for e in spends] == [(-2, "photo:3"), (-2, "photo:4")]
    assert services.free_left(owner) == 0


def test_the_allowance_predicts_what_consume_will_use(owner):
    services.grant_credits(user=owner, amount=2)
    seen = []
    for _ in range(5):
        allowance = services.remote_classification_allowance(user=owner)
        used = services.consume_remote_classification(user=owner, reference="p")
        seen.append((allowance, used))

    assert seen == [
        (Allowance(True, "free", 3), "free"),
        (Allowance(True, "free", 2), "free"),
        (Allowance(True, "free", 1), "free"),
        (Allowance(True, "credits", 0), "credits"),
        (Allowance(False, "exceeded", 0), "exceeded"),
    ]


def test_members_are_unlimited_and_keep_their_free_quota(owner):
    Membership.objects.create(user=owner, expires_at=timezone.now() + dt.timedelta(days=1))

    used = {services.consume_remote_classification(user=owner, reference="p") for _ in range(10)}

    assert used == {"member"}
    assert services.remote_classification_allowance(user=owner) == Allowance(True, "member", 3)
    assert not CreditLedger.objects.exists()


def test_each_user_has_their_own_quota(owner, teammate):
    for _ in range(3):
        services.consume_remote_classification(user=owner, reference="p")
    assert services.consume_remote_classification(user=owner, reference="p") == "exceeded"
    assert services.consume_remote_classification(user=teammate, reference="p") == "free"


def test_the_quota_resets_at_midnight_in_shanghai(owner, monkeypatch):
    # 15:59 UTC is 23:59 in Shanghai; a minute later it is the next day there (but not yet in UTC)
    before = dt.datetime(2025, 3, 1, 15, 59, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: before)
    assert quota_day() == dt.date(2025, 3, 1)
    for _ in range(3):
        services.consume_remote_classification(user=owner, reference="p")
    assert services.consume_remote_classification(user=owner, reference="p") == "exceeded"

    monkeypatch.setattr(timezone, "now", lambda: before + dt.timedelta(minutes=1))

    assert quota_day() == dt.date(2025, 3, 2)
    assert services.consume_remote_classification(user=owner, reference="p") == "free"
    assert dict(DailyUsage.objects.values_list("day", "free_used")) == {
        dt.date(2025, 3, 1): 3,
        dt.date(2025, 3, 2): 1,
    }


def test_release_gives_back_what_a_failed_remote_call_took(owner):
    services.grant_credits(user=owner, amount=2)
    for _ in range(3):
        services.consume_remote_classification(user=owner, reference="p")
    used = services.consume_remote_classification(user=owner, reference="photo:9")
    assert used == "credits"
    assert services.balance(owner) == 0

    services.release_remote_classification(user=owner, used=used, reference="photo:9")
    services.release_remote_classification(user=owner, used="free", reference="photo:8")
    services.release_remote_classification(user=owner, used="exceeded", reference="photo:7")

    assert services.balance(owner) == 2
    assert services.free_left(owner) == 1
    assert CreditLedger.objects.filter(reference="photo:9", reason="refund", delta=2).exists()


def test_no_free_quota_at_all_goes_straight_to_credits(owner, settings):
    settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY = 0
    services.grant_credits(user=owner, amount=2)
    assert services.consume_remote_classification(user=owner, reference="p") == "credits"
