from django.core.management.base import BaseCommand

from billing import services


class Command(BaseCommand):
    help = (
        "Query WeChat Pay about what is in flight: settle paid orders, close those unpaid past their expiry, "
        "re-query refunds still processing. (The daily bill comparison is reconcile_bills.)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many orders (oldest first)")

    def handle(self, *args, limit: int, **options):
        result = services.reconcile_orders(limit=limit)
        self.stdout.write(f"checked {result.checked} pending order(s): {describe(result.outcomes)}")
        self.stdout.write(
            f"checked {result.refunds.checked} processing refund(s): {describe(result.refunds.outcomes)}"
        )


def describe(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())) or "nothing to do"
