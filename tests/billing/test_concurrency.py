"""Races, with real threads and real transactions (each thread has its own DB connection and closes it).

On MariaDB the row locks and conditional UPDATEs make every attempt wait its turn. The SQLite test database is
a file (see settings: IMMEDIATE transactions, a 20 s busy timeout), so writers wait for its one lock too; one
that waits longer gets "database is locked", and then the thread retries the whole, rolled-back attempt, as a
client (or WeChat) retries a failed call.
"""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from billing import services
from billing.models import CreditAccount, CreditLedger, DailyUsage, PaymentOrder
from billing.services import InsufficientCredits
from tests.billing.helpers import ON_SQLITE, ledger_sum, place_order, post_notification, race, sqlite_busy

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_spends_never_overdraw(owner):
    services.grant_credits(user=owner, amount=13)

    def spend(i: int):
        return services.spend_credits(user=owner, amount=1, reference=f"race:{i}")

    results, retries = race(20, spend, retry_if=sqlite_busy)

    spent = [r for r in results if isinstance(r, CreditLedger)]
    refused = [r for r in results if isinstance(r, InsufficientCredits)]
    assert (len(spent), len(refused)) == (13, 7), results
    assert CreditAccount.objects.get(user=owner).balance == 0 == ledger_sum(owner)
    assert sorted(e.balance_after for e in spent) == list(range(13))  # every entry saw its own result
    if not ON_SQLITE:
        assert retries == 0  # MariaDB: the row lock queues them, nobody has to retry


def test_concurrent_free_quota_use_never_exceeds_the_quota(owner, settings):
    settings.FREE_REMOTE_CLASSIFICATIONS_PER_DAY = 5
    services.grant_credits(user=owner, amount=3)

    def consume(i: int):
        return services.consume_remote_classification(user=owner, reference=f"photo:{i}")

    results, _ = race(12, consume, retry_if=sqlite_busy)

    assert Counter(results) == {"free": 5, "credits": 3, "exceeded": 4}, results
    assert DailyUsage.objects.get(user=owner).free_used == 5
    assert services.balance(owner) == 0 == ledger_sum(owner)


def test_ten_concurrent_duplicate_notifications_grant_once(owner, payer, credits_product, wechatpay):
    client = APIClient()
    client.force_authenticate(owner)
    out_trade_no = place_order(client, "credits-100").json()["order"]["out_trade_no"]
    notifications = [
        wechatpay.notification(out_trade_no) for _ in range(10)
    ]  # WeChat's retries: fresh nonces

    def notify(i: int):
        return post_notification(APIClient(), *notifications[i]).status_code

    # A 5xx is WeChat's cue to send the notification again, so that is what a thread does.
    statuses, retries = race(10, notify, retry_if=lambda status: isinstance(status, int) and status >= 500)

    assert statuses == [204] * 10
    assert PaymentOrder.objects.get(out_trade_no=out_trade_no).status == "paid"
    assert CreditLedger.objects.filter(user=owner).count() == 1
    assert services.balance(owner) == 100 == ledger_sum(owner)
    if not ON_SQLITE:
        assert retries == 0
