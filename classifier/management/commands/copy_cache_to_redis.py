import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from classifier.services.checkcache import copies, fastpath
from core.progress import ProgressBar

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Copy recent cache entries to Redis, where check-cache answers them in one round trip (after Redis "
        "lost its data, or when turning CLASSIFIER_REDIS on). Entries are also copied as they are stored or "
        "first read, so this only spares the first requests a database read."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=float, default=1.0, help="entries stored or hit in the last N days"
        )

    def handle(self, *args, days, **options):
        if not fastpath.enabled():
            raise CommandError("CLASSIFIER_REDIS is off (no REDIS_URL): there is nowhere to copy to.")
        if days <= 0:
            raise CommandError("--days must be positive")
        hashes = copies.copyable_since(timezone.now() - dt.timedelta(days=days))
        bar = ProgressBar.for_command(self, len(hashes), label="copying")
        for start in range(0, len(hashes), BATCH):
            chunk = hashes[start : start + BATCH]
            copies.copy(chunk)
            bar.advance(len(chunk))
        self.stdout.write(f"Copied {len(hashes)} cache entries to Redis.")
