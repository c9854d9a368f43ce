import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ai.local.photo.evaluate import evaluate, format_report


class Command(BaseCommand):
    help = (
        "Evaluate the local offline photo classifier on a labelled set: a manifest.json from "
        "tools/eval/build_eval_set.py, a directory holding one, or a <category>/<image> directory tree."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir_or_manifest", help="manifest.json, or a directory")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        target = Path(options["dir_or_manifest"])
        if not target.exists():
            raise CommandError(f"{target} does not exist")
        report = evaluate(target)
        if report.total == 0:
            raise CommandError(f"no labelled images found in {target}")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_report(report))
