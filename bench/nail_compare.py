"""Latency of the offline nail engines: design rendering, estimation and design-vs-photo comparison.

Run from the repository root:  .venv/bin/python bench/nail_compare.py [--runs 20]
Prints p50 / p90 in milliseconds for each operation (one warm-up call each is not counted).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ai.local.nails import DesignSpec, compare_designs, estimate_design, render_design

SPECS = {
    "5 nails, french + gems": DesignSpec(styles=("french", "rhinestone"), colors=("#C8102E", "#F3DCD4")),
    "10 nails, gradient + glitter": DesignSpec(
        styles=("gradient", "glitter"), colors=("#C7B3E5", "#8E5CC2"), target="10nails", shape="coffin"
    ),
    "1 nail, floral": DesignSpec(styles=("floral",), colors=("#A8E6CF",), target="single", shape="oval"),
}


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.9 * len(samples)))]


def photo_like(reference: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A phone-photo stand-in: upscaled, slightly blurred and noisy copy of the design."""
    big = reference.resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    arr = np.asarray(big, dtype=np.float64) + np.random.default_rng(0).normal(0, 8, (size[1], size[0], 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    print(f"{'operation':48s} {'p50 ms':>8s} {'p90 ms':>8s}")
    for name, spec in SPECS.items():
        p50, p90 = timed(lambda spec=spec: render_design(spec), args.runs)
        print(f"{'render 1024×768 ' + name:48s} {p50:8.1f} {p90:8.1f}")
    spec = next(iter(SPECS.values()))
    p50, p90 = timed(lambda: estimate_design(spec), args.runs)
    print(f"{'estimate (no render)':48s} {p50:8.1f} {p90:8.1f}")

    reference = Image.open(io.BytesIO(render_design(spec).png)).convert("RGB")
    for label, actual in (
        ("compare 1024×768 vs 1024×768", photo_like(reference, (1024, 768))),
        ("compare 1024×768 vs 4032×3024 photo", photo_like(reference, (4032, 3024))),
    ):
        p50, p90 = timed(lambda actual=actual: compare_designs(reference, actual), args.runs)
        print(f"{label:48s} {p50:8.1f} {p90:8.1f}")
    p50, p90 = timed(lambda: compare_designs(reference, reference, inspirations=[reference]), args.runs)
    print(f"{'compare with 1 inspiration':48s} {p50:8.1f} {p90:8.1f}")


if __name__ == "__main__":
    main()
