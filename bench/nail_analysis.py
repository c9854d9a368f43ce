"""Latency of the offline nail analysis (ai/local/nails/analysis.py) and of what an upload computes with it.

Run from the repository root:  .venv/bin/python bench/nail_analysis.py [--runs 10]
Prints p50 / p90 in milliseconds per analysis type on a rendered design (1024×768) and on a 12 MP phone-photo
stand-in. Target: the upload suggestions (inspiration tags; profile colours + shape) p50 ≤ 500 ms on the 12 MP
photo, so computing them at upload stays cheap; exits 1 when missed. The machine may be shared: rerun when a
figure is close to its target.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ai.local.nails import DesignSpec, analyse, analyse_all, render_design
from bench.nail_compare import photo_like, timed

TYPES = ("colors", "style_tags", "nail_shape", "nail_condition")
UPLOAD_TARGET_MS = 500.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    import io

    from PIL import Image

    design = Image.open(io.BytesIO(render_design(DesignSpec(styles=("dots",))).png)).convert("RGB")
    images = {"render 1024×768": design, "photo 4000×3000": photo_like(design, (4000, 3000))}
    print(f"load average {os.getloadavg()[0]:.2f} (figures move with what else runs)")
    print(f"{'operation':52s} {'p50 ms':>8s} {'p90 ms':>8s}")
    missed = False
    for label, image in images.items():
        for kind in TYPES:
            p50, p90 = timed(lambda image=image, kind=kind: analyse(image, kind), args.runs)
            print(f"{kind + ' ' + label:52s} {p50:8.1f} {p90:8.1f}")
        for name, kinds in (
            ("upload: suggested_tags", ["style_tags"]),
            ("upload: suggested_profile", ["colors", "nail_shape"]),
        ):
            p50, p90 = timed(lambda image=image, kinds=kinds: analyse_all(image, kinds), args.runs)
            verdict = ""
            if label.startswith("photo"):
                ok = p50 <= UPLOAD_TARGET_MS
                missed |= not ok
                verdict = f"  target p50 ≤ {UPLOAD_TARGET_MS:.0f}: {'ok' if ok else 'MISSED'}"
            print(f"{name + ' ' + label:52s} {p50:8.1f} {p90:8.1f}{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
