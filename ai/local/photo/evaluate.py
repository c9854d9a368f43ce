"""Evaluate the local classifier on a labelled set: per-category precision/recall, confusion matrix, accuracy.

Input is a manifest.json written by tools/eval/build_eval_set.py ({"items": [{"path", "label", "kind"}]}),
or a directory holding one, or a directory laid out as ``<label>/<image>`` (nested folders allowed: the
first path component that is a category name is the label).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from .classifier import CATEGORIES, classify_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


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
        label = next((p for p in file.relative_to(path).parts[:-1] if p in CATEGORIES), None)
        if label:
            items.append({"path": str(file), "label": label, "kind": "dir"})
    return items


def _classify_file(path: str):
    raw = Path(path).read_bytes()
    with Image.open(path) as opened:
        fmt = opened.format
        image = ImageOps.exif_transpose(opened)
        image.load()
    return classify_image(image, raw=raw, source_format=fmt)


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


def evaluate(manifest_or_dir: str | Path) -> Report:
    items = load_items(manifest_or_dir)
    confusion = {t: dict.fromkeys(CATEGORIES, 0) for t in CATEGORIES}
    pairs: list[tuple[str, str]] = []
    kinds: dict[str, list[bool]] = {}
    mistakes = []
    elapsed = 0.0
    for item in items:
        started = time.perf_counter()
        result = _classify_file(item["path"])
        elapsed += time.perf_counter() - started
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


def format_report(report: Report) -> str:
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
    if report.mistakes:
        lines += ["", "mistakes:"]
        lines += [
            f"  {m['truth']:>17} -> {m['predicted']:<17} {m['confidence']:.2f}  {m['path']}"
            for m in report.mistakes
        ]
    return "\n".join(lines)
