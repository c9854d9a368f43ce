from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from ai import services
from ai.errors import AIUnavailable
from ai.providers import PROVIDERS


def _probe_image() -> Image.Image:
    image = Image.new("RGB", (96, 96), (235, 200, 150))
    ImageDraw.Draw(image).ellipse((18, 18, 78, 78), fill=(120, 80, 40))
    return image


class Command(BaseCommand):
    help = "Call each configured provider once with a tiny classification; exit 1 if a configured one fails."

    def handle(self, *args, **options):
        failed = False
        rows = [("provider", "configured", "ok", "latency_ms", "cost_cny", "result")]
        for name, provider in PROVIDERS.items():
            if not provider.configured():
                rows.append((name, "no", "-", "-", "-", "skipped"))
                continue
            try:
                result = services.classify_photo(_probe_image(), chain=[name])
            except AIUnavailable as exc:
                failed = True
                rows.append((name, "yes", "FAIL", "-", "-", ", ".join(code for _, code in exc.attempts)))
                continue
            except Exception as exc:  # the command reports every provider, whatever breaks
                failed = True
                rows.append((name, "yes", "FAIL", "-", "-", f"{type(exc).__name__}: {exc}"))
                continue
            call = result.call
            rows.append(
                (name, "yes", "ok", str(call.latency_ms), str(call.cost), f"{result.category} {call.model}")
            )
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        if failed:
            self.stderr.write(self.style.ERROR("At least one configured provider failed."))
            raise SystemExit(1)
