from django.conf import settings
from django.core.management.base import BaseCommand

from ai import rollups as ai_rollups
from classifier import services


class Command(BaseCommand):
    help = (
        "Delete request logs older than --days (default REQUEST_LOG_RETENTION_DAYS) and AI calls older than "
        "--ai-days (default AI_CALL_RETENTION_DAYS), a few thousand rows per statement; the stats keep them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--ai-days", type=int, default=None)

    def _progress(self, label: str):
        def report(done: int, chunks: int, deleted: int) -> None:
            if done == chunks or done % 100 == 0:
                self.stderr.write(f"{label}: {done}/{chunks} chunks, {deleted} deleted")

        return report

    def handle(self, *args, days, ai_days, **options):
        days = settings.REQUEST_LOG_RETENTION_DAYS if days is None else days
        ai_days = settings.AI_CALL_RETENTION_DAYS if ai_days is None else ai_days
        deleted = services.purge_request_logs(days=days, progress=self._progress("request logs"))
        self.stdout.write(f"Deleted {deleted} request log(s) older than {days} day(s).")
        calls = ai_rollups.purge_calls(days=ai_days, progress=self._progress("AI calls"))
        self.stdout.write(f"Deleted {calls} AI call(s) older than {ai_days} day(s).")
