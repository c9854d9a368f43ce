import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from classifier import selectors


class Command(BaseCommand):
    help = "Print one day's classifier figures (default today, Asia/Shanghai)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD")

    def handle(self, *args, date, **options):
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        figures = selectors.today(today=day)
        self.stdout.write(f"Classifier report for {figures['date']} (Asia/Shanghai)")
        as_of = selectors.as_of()
        self.stdout.write(f"  as of {as_of.isoformat() if as_of else '-'} (the stats' last write)")
        for key in (
            "requests",
            "hits",
            "hit_rate",
            "remote_calls",
            "avg_processing_ms",
            "p95_processing_ms",
            "cost",
            "cost_saved",
        ):
            self.stdout.write(f"  {key:<20}{figures[key]}")
        self.stdout.write("  by method: " + ", ".join(f"{k}={v}" for k, v in figures["by_method"].items()))
        for row in selectors.category_distribution(1, today=day):
            self.stdout.write(f"  {row['category']:<20}{row['count']:>6}")
