import argparse
import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ai.local.photo.evaluate import evaluate, format_evaluation


def _part(name: str) -> str:
    if name == "tune" or re.fullmatch(r"held_out(_[0-9]+)?", name):
        return name
    raise argparse.ArgumentTypeError(f"{name!r} is not tune, held_out or held_out_<n>")


class Command(BaseCommand):
    help = (
        "Evaluate the local offline photo classifier on a labelled set: a manifest.json from "
        "tools/eval/build_eval_set.py, a directory holding one, or a <category>/<image> directory tree."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir_or_manifest", help="manifest.json, or a directory")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--part", type=_part, help="evaluate only this part: tune, held_out or held_out_<n>"
        )
        parser.add_argument(
            "--show-held-out-mistakes",
            action="store_true",
            help="also list which held-out images were wrong (do not tune rules on them)",
        )

    def handle(self, *args, **options):
        target = Path(options["dir_or_manifest"])
        if not target.exists():
            raise CommandError(f"{target} does not exist")
        evaluation = evaluate(target, part=options["part"], show_held_out=options["show_held_out_mistakes"])
        if evaluation.overall.total == 0:
            raise CommandError(f"no labelled images found in {target}")
        if options["json"]:
            self.stdout.write(json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(format_evaluation(evaluation))
