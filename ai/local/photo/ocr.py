"""PP-OCRv4 text detection and recognition (models and post-processing from ``rapidocr-onnxruntime``).

We run the two ONNX models through our own manifest-checked sessions instead of RapidOCR's pipeline so that
the input size is ours: RapidOCR's ``limit_type='max'`` silently *raises* small images to 960+ px, which costs
several times more than detection at 480 px. Detection runs on the shared downscaled image; recognition crops
each detected line from the caller's full-resolution image so small print stays legible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image
from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess
from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

from .runtime import ModelStore

DET_MODEL = "ppocrv4_det.onnx"
REC_MODEL = "ppocrv4_rec.onnx"
REC_HEIGHT = 48
REC_BATCH = 8
MIN_RATIO = 320 / 48  # the model's nominal input width / height
MAX_RATIO = 12.0
_postprocess = DBPostProcess(
    thresh=0.3, box_thresh=0.5, max_candidates=300, unclip_ratio=1.6, use_dilation=True
)
_decoders: dict[int, CTCLabelDecode] = {}


@dataclass(frozen=True)
class TextBox:
    points: np.ndarray  # 4x2, clockwise from top-left, in pixels of the image given to detect_text

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.points[0] - self.points[1]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.points[0] - self.points[3]))


def _to_bgr_tensor(rgb: np.ndarray) -> np.ndarray:
    bgr = rgb[:, :, ::-1].astype(np.float32)
    return np.ascontiguousarray(((bgr / 127.5) - 1.0).transpose(2, 0, 1)[None])


def _order(points: np.ndarray) -> np.ndarray:
    by_x = points[np.argsort(points[:, 0])]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def detect_text(store: ModelStore, image: Image.Image, max_side: int = 480) -> list[TextBox]:
    """Text line boxes, in pixels of ``image``; the network input is at most ``max_side`` px (multiple of 32)."""
    w, h = image.size
    scale = min(1.0, max_side / max(w, h))
    nw, nh = max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32)
    rgb = np.asarray(image.resize((nw, nh), Image.Resampling.BILINEAR) if (nw, nh) != (w, h) else image)
    sess = store.session(DET_MODEL)
    pred = sess.run(None, {sess.get_inputs()[0].name: _to_bgr_tensor(rgb)})[0]
    boxes, _ = _postprocess(pred, (h, w))
    result = []
    for pts in boxes:
        pts = _order(np.asarray(pts, dtype=np.float32))
        pts[:, 0] = pts[:, 0].clip(0, w - 1)
        pts[:, 1] = pts[:, 1].clip(0, h - 1)
        box = TextBox(pts)
        if box.width > 3 and box.height > 3:
            result.append(box)
    return result


def _decoder(store: ModelStore) -> CTCLabelDecode:
    sess = store.session(REC_MODEL)
    key = id(sess)
    if key not in _decoders:
        chars = sess.get_modelmeta().custom_metadata_map["character"].splitlines()
        _decoders[key] = CTCLabelDecode(character=chars)
    return _decoders[key]


def crop_line(source: Image.Image, box: TextBox, scale: float) -> np.ndarray:
    """Deskewed RGB crop of one text line from ``source``, whose pixels are ``scale`` x the box coordinates."""
    pts = box.points * scale
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + 1
    region = np.asarray(source.crop((int(x0), int(y0), int(x1), int(y1))).convert("RGB"))
    local = (pts - np.array([x0, y0], dtype=np.float32)).astype(np.float32)
    cw = max(1, int(max(np.linalg.norm(local[0] - local[1]), np.linalg.norm(local[2] - local[3]))))
    ch = max(1, int(max(np.linalg.norm(local[0] - local[3]), np.linalg.norm(local[1] - local[2]))))
    dst = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(local, dst)
    line = cv2.warpPerspective(
        region, matrix, (cw, ch), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_LINEAR
    )
    return np.rot90(line) if ch >= 1.5 * cw else line


def recognize(store: ModelStore, lines: list[np.ndarray]) -> list[tuple[str, float]]:
    """Text and mean character confidence for each RGB line crop.

    Lines longer than MAX_RATIO are cut to their left part (labels and document titles sit there), and a
    batch only holds lines of similar length: a batch is padded to its widest line, so one long MRZ line
    would otherwise multiply the cost of every short line in its batch.
    """
    if not lines:
        return []
    sess = store.session(REC_MODEL)
    decoder = _decoder(store)
    lines = [ln[:, : int(ln.shape[0] * MAX_RATIO)] for ln in lines]
    ratios = [max(MIN_RATIO, ln.shape[1] / ln.shape[0]) for ln in lines]
    order = list(np.argsort(ratios))
    results: list[tuple[str, float]] = [("", 0.0)] * len(lines)
    while order:
        first = ratios[order[0]]
        idx = [i for i in order[:REC_BATCH] if ratios[i] <= 1.5 * first]
        order = order[len(idx) :]
        width = int(REC_HEIGHT * max(ratios[i] for i in idx))
        batch = np.zeros((len(idx), 3, REC_HEIGHT, width), dtype=np.float32)
        for row, i in enumerate(idx):
            line = lines[i]
            rw = min(width, math.ceil(REC_HEIGHT * line.shape[1] / line.shape[0]))
            resized = cv2.resize(np.ascontiguousarray(line[:, :, ::-1]), (rw, REC_HEIGHT)).astype(np.float32)
            batch[row, :, :, :rw] = (resized / 127.5 - 1.0).transpose(2, 0, 1)
        preds = sess.run(None, {sess.get_inputs()[0].name: batch})[0]
        for row, (text, score) in enumerate(decoder(preds)):
            results[idx[row]] = (text, float(score))
    return results
