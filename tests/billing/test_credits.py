import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing import services
from billing.models import CreditAccount, CreditLedger, CreditReservation, Membership
from billing.services import InsufficientCredits

pytestmark = pytest.mark.django_db


def ledger_sum(user) -> int:
    return CreditLedger.objects.filter(user=user).aggregate(total=Sum("delta"))["total"] or 0


def test_it_moves_credits_only_with_ledger_entries(owner, staff):
    services.grant_credits(user=owner, amount=10, reference="welcome")
    spent = services.spend_credits(user=owner, amount=3, reference="edit:1")
    services.refund_credits(user=owner, amount=2, reference="edit:1")
    services.adjust_credits(user=owner, delta=-4, staff=staff, note="goodwill reversal")

    assert services.balance(owner) == 5 == ledger_sum(owner)
    assert (spent.delta, spent.reason, spent.balance_after) == (-3, "spend", 7)
    rows = list(
        CreditLedger.objects.filter(user=owner).order_by("id").values_list("reason", "delta", "balance_after")
    )
    assert rows == [("grant", 10, 10), ("spend", -3, 7), ("refund", 2, 9), ("admin_adjust", -4, 5)]
    assert CreditLedger.objects.get(reason="admin_adjust").created_by == staff


def test_it_refuses_to_overdraw_with_402(owner):
    services.grant_credits(user=owner, amount=2)

    with pytest.raises(InsufficientCredits) as raised:
        services.spend_credits(user=owner, amount=3, reference="design:1")

    assert (raised.value.status_code, raised.value.code) == (402, "insufficient_credits")
    assert raised.value.details == {"needed": 3, "balance": 2}
    assert services.balance(owner) == 2 == ledger_sum(owner)
    assert CreditLedger.objects.count() == 1


def test_it_spends_nothing_from_an_account_that_never_had_credits(owner):
    with pytest.raises(InsufficientCredits):
        services.spend_credits(user=owner, amount=1)
    assert services.balance(owner) == 0
    assert not CreditLedger.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 1.5])
def test_it_rejects_non_positive_or_fractional_amounts(owner, amount):
    with pytest.raises(ValueError, match="amount must be a positive int"):
        services.spend_credits(user=owner, amount=amount)
    with pytest.raises(ValueError, match="amount must be a positive int"):
        services.grant_credits(user=owner, amount=amount)


def test_the_database_itself_refuses_a_negative_balance(owner):
    services.grant_credits(user=owner, amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(user=owner).update(balance=F("balance") - 2)
    assert services.balance(owner) == 1


def test_ledger_entries_cannot_be_changed_or_deleted(owner):
    entry = services.grant_credits(user=owner, amount=1)
    entry.delta = 1000
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert CreditLedger.objects.get().delta == 1


def test_a_reservation_is_spent_at_once_and_either_captured_or_released_once(owner):
    services.grant_credits(user=owner, amount=10)

    services.reserve_credits(user=owner, amount=4, reference="edit:ok")
    services.reserve_credits(user=owner, amount=5, reference="edit:fails")
    assert services.balance(owner) == 1  # held credits cannot be spent elsewhere meanwhile
    with pytest.raises(InsufficientCredits):
        services.reserve_credits(user=owner, amount=2, reference="edit:short")

    assert services.capture_reservation(reference="edit:ok") is True
    assert services.release_reservation(reference="edit:fails") is True
    assert services.release_reservation(reference="edit:fails") is False
    assert services.release_reservation(reference="edit:ok") is False  # already captured
    assert services.capture_reservation(reference="edit:fails") is False

    assert services.balance(owner) == 6 == ledger_sum(owner)
    statuses = dict(CreditReservation.objects.values_list("reference", "status"))
    assert statuses == {"edit:ok": "captured", "edit:fails": "released"}  # the short one left no trace
    reasons = list(
        CreditLedger.objects.filter(reference="edit:fails").order_by("id").values_list("reason", "delta")
    )
    assert reasons == [("spend", -5), ("refund", 5)]


def test_membership_extends_from_the_later_of_now_and_the_current_expiry(owner, teammate):
    now = timezone.now()
    Membership.objects.create(user=owner, expires_at=now + dt.timedelta(days=10))
    Membership.objects.create(user=teammate, expires_at=now - dt.timedelta(days=10))

    services.extend_membership(user=owner, days=30)
    services.extend_membership(user=teammate, days=30)

    owner_left = Membership.objects.get(user=owner).expires_at - now
    teammate_left = Membership.objects.get(user=teammate).expires_at - now
    assert dt.timedelta(days=40) <= owner_left < dt.timedelta(days=40, minutes=1)
    assert dt.timedelta(days=30) <= teammate_left < dt.timedelta(days=30, minutes=1)
    assert services.is_member(owner)
    assert services.is_member(teammate)


def test_a_lapsed_membership_is_not_a_membership(owner):
    Membership.objects.create(user=owner, expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.is_member(owner) is False
    assert services.membership_expires_at(owner) is not None


def test_it_shows_my_credits_membership_and_free_quota(owner_client, owner, settings):
    settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY = 5
    services.grant_credits(user=owner, amount=7)
    services.consume_remote_classification(user=owner, reference="photo:1")

    body = owner_client.get("/api/v1/billing/credits").json()

    assert body == {
        "balance": 7,
        "is_member": False,
        "membership_expires_at": None,
        "free_remote_classifications_left_today": 4,
        "free_remote_classifications_per_day": 5,
        "credits_per_remote_classification": 1,
    }


def test_it_pages_through_my_own_ledger_only(owner_client, owner, outsider):
    for i in range(3):
        services.grant_credits(user=owner, amount=i + 1, reference=f"r{i}")
    services.grant_credits(user=outsider, amount=99)

    first = owner_client.get("/api/v1/billing/ledger?page_size=2").json()
    second = owner_client.get("/api/v1/billing/ledger?page_size=2&page=2").json()

    assert first["count"] == 3
    assert [e["reference"] for e in first["results"] + second["results"]] == ["r2", "r1", "r0"]
    assert set(first["results"][0]) == {"id", "delta", "reason", "reference", "balance_after", "created_at"}


def test_billing_reads_need_a_login(api_client):
    for path in ("/api/v1/billing/credits", "/api/v1/billing/ledger", "/api/v1/billing/orders"):
        assert api_client.get(path).status_code == 401
