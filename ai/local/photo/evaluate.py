"""Evaluate the local classifier on a labelled set: per-category precision/recall, confusion matrix, accuracy.

Input is a manifest.json written by tools/eval/build_eval_set.py ({"items": [{"path", "label", "kind",
"part"}]}), or a directory holding one, or a directory laid out as ``<label>/<image>`` (nested folders
allowed: the first path component that is a category name is the label; a component named ``held_out``
or ``held_out_<n>`` puts the image in that held-out part).

Items are reported per part (``tune``, ``held_out``, ``held_out_2``…): a held-out part is what the rules
were never tuned on, so its mistakes (which images) are left out of the report unless asked for: looking
at them would make the next round of tuning use them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from .classifier import CATEGORIES, classify_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
HELD_OUT = "held_out"


def is_held_out(part: str) -> bool:
    return part.startswith(HELD_OUT)


@dataclass
class Report:
    total: int
    correct: int
    confusion: dict[str, dict[str, int]]  # confusion[truth][predicted]
    per_category: dict[str, dict[str, float]]
    by_kind: dict[str, dict[str, float]]
    mistakes: list[dict] = field(default_factory=list)
    mean_ms: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "per_category": self.per_category,
            "by_kind": self.by_kind,
            "confusion": self.confusion,
            "mistakes": self.mistakes,
            "mean_ms": round(self.mean_ms, 1),
        }


def load_items(manifest_or_dir: str | Path) -> list[dict]:
    path = Path(manifest_or_dir)
    if path.is_dir() and (path / "manifest.json").exists():
        path = path / "manifest.json"
    if path.is_file():
        root = path.parent
        items = json.loads(path.read_text(encoding="utf-8"))["items"]
        return [{**it, "path": str(root / it["path"])} for it in items]
    items = []
    for file in sorted(path.rglob("*")):
        if file.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        parts = file.relative_to(path).parts[:-1]
        label = next((p for p in parts if p in CATEGORIES), None)
        if label:
            part = next((p for p in parts if is_held_out(p)), "tune")
            items.append({"path": str(file), "label": label, "kind": "dir", "part": part})
    return items


def _classify_file(path: str):
    with Image.open(path) as opened:
        fmt = opened.format
        image = ImageOps.exif_transpose(opened)
        image.load()
    return classify_image(image, source_format=fmt)


def _precision_recall(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    stats = {}
    for cat in CATEGORIES:
        tp = sum(1 for t, p in pairs if t == cat and p == cat)
        predicted = sum(1 for _, p in pairs if p == cat)
        actual = sum(1 for t, _ in pairs if t == cat)
        stats[cat] = {
            "precision": round(tp / predicted, 4) if predicted else 0.0,
            "recall": round(tp / actual, 4) if actual else 0.0,
            "support": actual,
        }
    return stats


@dataclass
class Evaluation:
    overall: Report
    parts: dict[str, Report]
    show_held_out: bool = False

    def as_dict(self) -> dict:
        data = self.overall.as_dict()
        data["parts"] = {name: report.as_dict() for name, report in self.parts.items()}
        if not self.show_held_out:
            data["mistakes"] = [m for m in data["mistakes"] if not is_held_out(m["part"])]
            for name, part in data["parts"].items():
                if is_held_out(name):
                    part["mistakes"] = []
        return data


def evaluate(
    manifest_or_dir: str | Path, *, part: str | None = None, show_held_out: bool = False
) -> Evaluation:
    """Classify every item (or only one part's) and report the whole set and each part separately."""
    items = load_items(manifest_or_dir)
    for item in items:
        item.setdefault("part", "tune")
    if part:
        items = [it for it in items if it["part"] == part]
    results = []
    for item in items:
        started = time.perf_counter()
        result = _classify_file(item["path"])
        results.append((item, result, time.perf_counter() - started))
    names = sorted({it["part"] for it in items}, key=lambda n: (n != "tune", n))
    return Evaluation(
        overall=_report(results),
        parts={name: _report([r for r in results if r[0]["part"] == name]) for name in names},
        show_held_out=show_held_out,
    )


def _report(results: list) -> Report:
    confusion = {t: dict.fromkeys(CATEGORIES, 0) for t in CATEGORIES}
    pairs: list[tuple[str, str]] = []
    kinds: dict[str, list[bool]] = {}
    mistakes = []
    elapsed = 0.0
    for item, result, seconds in results:
        elapsed += seconds
        truth, predicted = item["label"], result.category
        confusion[truth][predicted] += 1
        pairs.append((truth, predicted))
        kinds.setdefault(item.get("kind", "all"), []).append(truth == predicted)
        if truth != predicted:
            mistakes.append(
                {
                    "path": item["path"],
                    "truth": truth,
                    "predicted": predicted,
                    "confidence": result.confidence,
                    "part": item["part"],
                    "signals": result.labels.get("signals", []),
                }
            )
    by_kind = {k: {"n": len(v), "accuracy": round(sum(v) / len(v), 4)} for k, v in kinds.items()}
    return Report(
        total=len(pairs),
        correct=sum(1 for t, p in pairs if t == p),
        confusion=confusion,
        per_category=_precision_recall(pairs),
        by_kind=by_kind,
        mistakes=mistakes,
        mean_ms=1000 * elapsed / len(pairs) if pairs else 0.0,
    )


def format_evaluation(evaluation: Evaluation) -> str:
    blocks = []
    for name, report in evaluation.parts.items():
        hide = is_held_out(name) and not evaluation.show_held_out
        text = format_report(report, mistakes=not hide)
        if hide and report.mistakes:
            text += (
                f"\n\n{len(report.mistakes)} mistakes not listed (held-out part; --show-held-out-mistakes)"
            )
        blocks.append(f"== {name} part ==\n{text}")
    if len(evaluation.parts) > 1:
        o = evaluation.overall
        blocks.append(f"== all == accuracy {o.accuracy:.1%} ({o.correct}/{o.total})")
    return "\n\n".join(blocks)


def format_report(report: Report, *, mistakes: bool = True) -> str:
    short = {c: c[:6] for c in CATEGORIES}
    lines = [
        f"accuracy {report.accuracy:.1%} ({report.correct}/{report.total}), mean {report.mean_ms:.0f} ms/image",
        "by kind: " + ", ".join(f"{k} {v['accuracy']:.1%} (n={v['n']})" for k, v in report.by_kind.items()),
        "",
        f"{'category':<18}{'precision':>10}{'recall':>8}{'n':>5}",
    ]
    for cat, s in report.per_category.items():
        lines.append(f"{cat:<18}{s['precision']:>10.2f}{s['recall']:>8.2f}{s['support']:>5}")
    lines += [
        "",
        "confusion (rows = truth, columns = predicted)",
        " " * 18 + "".join(f"{short[c]:>8}" for c in CATEGORIES),
    ]
    for truth in CATEGORIES:
        lines.append(f"{truth:<18}" + "".join(f"{report.confusion[truth][p]:>8}" for p in CATEGORIES))
    if report.mistakes and mistakes:
        lines += ["", "mistakes:"]
        lines += [
            f"  {m['truth']:>17} -> {m['predicted']:<17} {m['confidence']:.2f}  {m['path']}  {','.join(m['signals'])}"
            for m in report.mistakes
        ]
    return "\n".join(lines)
