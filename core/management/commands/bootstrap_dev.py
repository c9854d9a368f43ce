import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Embedded mode only: create a local superuser (once) and print how to reach the docs and the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url, **options):
        if not settings.DEBUG:
            raise CommandError("bootstrap_dev creates a known superuser: refused with DEBUG off.")
        secret_file = settings.BASE_DIR / ".dev-superuser"
        User = get_user_model()
        if secret_file.exists() and User.objects.filter(username="admin").exists():
            password = secret_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@localhost"})
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            secret_file.write_text(password)
        self.stdout.write(
            self.style.SUCCESS("Xintu embedded server")
            + f"\n  API docs (Swagger): {base_url}/api/docs/"
            + f"\n  API docs (ReDoc):   {base_url}/api/redoc/"
            + f"\n  Health:             {base_url}/api/v1/health"
            + f"\n  Admin:              {base_url}/admin/  (user: admin  password: {password})\n"
        )
