import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from classifier import selectors
from classifier.services import rebuild
from core.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Recompute the stats rollups of whole days from the raw request logs and AI calls still kept "
        "(default: from the oldest kept row to today). Idempotent and safe while traffic flows; days whose raw "
        "rows were purged are skipped (their rollups are all that is left of them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="the last N Asia/Shanghai days, today included")
        parser.add_argument("--since", help="YYYY-MM-DD: from this day to today")

    def handle(self, *args, days, since, **options):
        today = selectors.local_today()
        if days is not None and since:
            raise CommandError("give --days or --since, not both")
        if days is not None:
            if days < 1:
                raise CommandError("--days must be at least 1")
            first = today - dt.timedelta(days=days - 1)
        elif since:
            try:
                first = dt.date.fromisoformat(since)
            except ValueError as exc:
                raise CommandError(f"--since must be YYYY-MM-DD, not {since!r}") from exc
        else:
            first = rebuild.first_raw_day() or today
        count = max(0, (today - first).days + 1)
        bar = ProgressBar.for_command(self, count, label="days")
        started = time.monotonic()
        rows = skipped = 0
        for offset in range(count):
            result = rebuild.rebuild_day(first + dt.timedelta(days=offset))
            rows += (result.request_rows or 0) + (result.ai_calls or 0)
            skipped += result.request_rows is None
            bar.advance()
        elapsed = time.monotonic() - started
        rate = rows / elapsed if elapsed else 0
        self.stdout.write(
            f"Rebuilt {count - skipped} day(s) from {first.isoformat()} to {today.isoformat()}: {rows} raw row(s) "
            f"in {elapsed:.1f} s ({rate:,.0f} rows/s); {skipped} day(s) skipped (raw logs purged)."
        )
