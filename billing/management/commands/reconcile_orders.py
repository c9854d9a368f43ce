from django.core.management.base import BaseCommand

from billing import services


class Command(BaseCommand):
    help = "Query WeChat Pay about pending orders: settle paid ones, close those unpaid past their expiry."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many orders (oldest first)")

    def handle(self, *args, limit: int, **options):
        result = services.reconcile_orders(limit=limit)
        outcomes = (
            ", ".join(f"{name} {count}" for name, count in sorted(result.outcomes.items())) or "nothing to do"
        )
        self.stdout.write(f"checked {result.checked} pending order(s): {outcomes}")
