import csv
import json
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from classifier import services
from core.exceptions import ApplicationError
from core.progress import ProgressBar

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"}


def collect(paths: list[str], recursive: bool) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            files += sorted(
                p for p in path.glob(pattern) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"No such file or directory: {raw}")
    return files


class Command(BaseCommand):
    help = "Classify image files with the same pipeline and cache as the API; prints a summary table."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--recursive", action="store_true")
        parser.add_argument("--mode", choices=["local", "auto"], default="auto")
        parser.add_argument("--user", help="username to charge and log the requests under (default: none)")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="one JSON document on stdout")
        output.add_argument("--csv", action="store_true", help="CSV rows on stdout")

    def handle(self, *args, paths, recursive, mode, user, json: bool, csv: bool, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}")
        files = collect(paths, recursive)
        if not files:
            raise CommandError("No images found.")
        rows = []
        bar = ProgressBar.for_command(self, len(files), label="classifying")
        for path in files:
            upload = SimpleUploadedFile(path.name, path.read_bytes())
            try:
                outcome = services.classify_upload(user=account, upload=upload, mode=mode)
                rows.append({"path": str(path), **outcome.as_dict()})
            except ApplicationError as exc:
                rows.append({"path": str(path), "error": exc.code, "message": exc.message})
            bar.advance()
        self._output(rows, as_json=json, as_csv=csv)

    def _output(self, rows: list[dict], *, as_json: bool, as_csv: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if as_csv:
            fields = ["path", "image_hash", "category", "confidence", "inference_method", "provider", "error"]
            writer = csv.DictWriter(self.stdout, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            return
        for row in rows:
            outcome = row.get("category") or f"ERROR {row['error']}"
            self.stdout.write(f"{row['path']}\t{outcome}\t{row.get('inference_method', '')}")
        counts = Counter(row.get("category") or "error" for row in rows)
        methods = Counter(row.get("inference_method") or "error" for row in rows)
        self.stdout.write("\nSummary")
        for name, count in counts.most_common():
            self.stdout.write(f"  {name:<20}{count:>6}")
        self.stdout.write("  " + ", ".join(f"{m}: {n}" for m, n in methods.most_common()))
