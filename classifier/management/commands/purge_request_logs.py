from django.conf import settings
from django.core.management.base import BaseCommand

from classifier import services


class Command(BaseCommand):
    help = "Delete request logs older than --days (default REQUEST_LOG_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **options):
        days = settings.REQUEST_LOG_RETENTION_DAYS if days is None else days
        deleted = services.purge_request_logs(days=days)
        self.stdout.write(f"Deleted {deleted} request log(s) older than {days} day(s).")
