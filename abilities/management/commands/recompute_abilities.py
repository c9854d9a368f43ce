from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from abilities import services
from core.progress import ProgressBar


class Command(BaseCommand):
    help = "Rebuild ability records from the stored design-vs-result comparisons."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="only this user's records (username)")

    def handle(self, *args, user=None, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}")
        done = services.recompute(
            user=account,
            progress=lambda total: ProgressBar.for_command(self, total, label="comparisons").advance,
        )
        self.stdout.write(f"Rebuilt ability records from {done} comparisons.")
