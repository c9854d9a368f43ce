from django.core.management.base import BaseCommand

from imageedit import services


class Command(BaseCommand):
    help = (
        "Delete image edits past their expiry (IMAGE_EDIT_RETENTION_DAYS) with their files, and the kept photos "
        "of failed edits older than IMAGE_EDIT_FAILED_SOURCE_HOURS."
    )

    def handle(self, *args, **options):
        result = services.purge_expired()
        self.stdout.write(f"Deleted {result.tasks} image edit(s) and {result.files} file(s).")
