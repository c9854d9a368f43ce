"""BlazeFace full-range face detection (MediaPipe model converted to ONNX) with anchor decoding and NMS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .runtime import ModelStore

MODEL = "blazeface_full_range.onnx"
SIZE = 192
MIN_SCORE = 0.6
TURNED_MIN_SCORE = 0.75  # faces found only in a turned copy must be surer: no upright face backs them
TURNS = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_180)
NMS_IOU = 0.3
# Full-range model: one anchor per cell of a 48x48 grid (stride 4), anchor offset 0.5, as in MediaPipe.
_GRID = (np.arange(48, dtype=np.float32) + 0.5) / 48
ANCHORS = np.stack([np.tile(_GRID, 48), np.repeat(_GRID, 48)], axis=1)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 relative to the image (0..1)


def _rounded(box: Box) -> Box:
    x0, y0, x1, y1 = (round(v, 4) for v in box)
    return x0, y0, x1, y1


def box_area(box: Box) -> float:
    """Share of the image a relative box covers."""
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


@dataclass(frozen=True)
class Face:
    box: Box
    score: float

    @property
    def area(self) -> float:
        return box_area(self.box)


def letterbox(image: Image.Image) -> tuple[np.ndarray, float, float, float]:
    """Fit the image into SIZE x SIZE keeping aspect; return NCHW tensor in [-1, 1], scale and padding."""
    w, h = image.size
    scale = SIZE / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    px, py = (SIZE - nw) // 2, (SIZE - nh) // 2
    pixels = np.asarray(image.resize((nw, nh), Image.Resampling.BOX))
    tensor = np.zeros((1, 3, SIZE, SIZE), dtype=np.float32)
    tensor[0, :, py : py + nh, px : px + nw] = pixels.transpose(2, 0, 1)
    # In place, so no float temporaries: x / 127.5 − 1 maps the black padding to −1 as well.
    tensor /= 127.5
    tensor -= 1.0
    return tensor, scale, px, py


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    iy = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / np.maximum(area, 1e-9)


def decode(
    regressors: np.ndarray, logits: np.ndarray, min_score: float = MIN_SCORE
) -> list[tuple[np.ndarray, float]]:
    """Boxes (x0, y0, x1, y1 in letterbox units 0..1) and scores above min_score, after NMS."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -80.0, 80.0)))
    keep = np.flatnonzero(scores >= min_score)
    if keep.size == 0:
        return []
    reg = regressors.reshape(-1, 16)[keep] / SIZE
    centre = reg[:, :2] + ANCHORS[keep]
    half = reg[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    order = np.argsort(-scores[keep])
    boxes, kept_scores = boxes[order], scores[keep][order]
    result: list[tuple[np.ndarray, float]] = []
    alive = np.ones(len(boxes), dtype=bool)
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        result.append((boxes[i], float(kept_scores[i])))
        alive[i + 1 :] &= box_iou(boxes[i], boxes[i + 1 :]) <= NMS_IOU
    return result


def detect_faces(store: ModelStore, image: Image.Image) -> list[Face]:
    return _detect(store, image)


def detect_faces_padded(store: ModelStore, image: Image.Image, frac: float = 0.5) -> list[Face]:
    """Faces found with the image shrunk to ``frac`` of a black canvas: the full-range model misses a face
    that fills the frame (a close-up selfie) but finds it at half the size."""
    w, h = image.size
    cw, ch = round(w / frac), round(h / frac)
    left, top = (cw - w) // 2, (ch - h) // 2
    canvas = Image.new("RGB", (cw, ch))
    canvas.paste(image, (left, top))
    faces = []
    for f in _detect(store, canvas):
        x0, y0, x1, y1 = f.box
        box = ((x0 * cw - left) / w, (y0 * ch - top) / h, (x1 * cw - left) / w, (y1 * ch - top) / h)
        x0, y0, x1, y1 = (min(1.0, max(0.0, v)) for v in box)
        faces.append(Face(_rounded((x0, y0, x1, y1)), f.score))
    return [f for f in faces if f.area > 0]


def detect_faces_turned(store: ModelStore, image: Image.Image) -> list[Face]:
    """Faces of a photo stored sideways or upside down without an EXIF orientation (scanned prints, old
    cameras, album imports): the detector finds upright faces only. The turn that finds the most faces
    wins; its boxes stay in the turned frame, where the people stand upright and rows line up."""
    best: list[Face] = []
    for turn in TURNS:
        found = [f for f in _detect(store, image.transpose(turn)) if f.score >= TURNED_MIN_SCORE]
        if len(found) > len(best):
            best = found
    return best


def detect_faces_tiled(store: ModelStore, image: Image.Image, grid: int = 2) -> list[Face]:
    """Faces found on a ``grid`` x ``grid`` raster of overlapping tiles: each tile gets the full input size, so
    faces ``grid`` times smaller than the whole-image pass can find are detected (group shots with small
    faces). Tiles overlap by a fifth of their side so a face on a seam is whole in one of them."""
    faces: list[Face] = []
    w, h = image.size
    frac = 1.2 / (grid + 0.2)
    tw, th = round(w * frac), round(h * frac)
    starts_x = [round(i * (w - tw) / (grid - 1)) for i in range(grid)]
    starts_y = [round(i * (h - th) / (grid - 1)) for i in range(grid)]
    for left in starts_x:
        for top in starts_y:
            for f in _detect(store, image.crop((left, top, left + tw, top + th))):
                x0, y0, x1, y1 = f.box
                box = ((left + x0 * tw) / w, (top + y0 * th) / h, (left + x1 * tw) / w, (top + y1 * th) / h)
                faces.append(Face(_rounded(box), f.score))
    return merge(faces)


def merge(faces: list[Face]) -> list[Face]:
    """One face per place: the best-scoring box wins over boxes that overlap it."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(box_iou(np.array(k.box), np.array([face.box]))[0] <= NMS_IOU for k in kept):
            kept.append(face)
    return kept


def _detect(store: ModelStore, image: Image.Image) -> list[Face]:
    tensor, scale, px, py = letterbox(image)
    sess = store.session(MODEL)
    regressors, logits = sess.run(None, {sess.get_inputs()[0].name: tensor})
    w, h = image.size
    faces = []
    for box, score in decode(regressors, logits):
        # Undo the letterbox: letterbox units -> pixels of the scaled image -> fraction of the original.
        x0, x1 = ((box[[0, 2]] * SIZE - px) / scale / w).clip(0, 1)
        y0, y1 = ((box[[1, 3]] * SIZE - py) / scale / h).clip(0, 1)
        if x1 > x0 and y1 > y0:
            faces.append(
                Face(
                    (round(float(x0), 4), round(float(y0), 4), round(float(x1), 4), round(float(y1), 4)),
                    score,
                )
            )
    return faces


def posed_row(faces: list[Face]) -> int:
    """The most faces standing side by side: of a similar size (within 2x in height) with their centres
    within a face height of each other vertically. A group posing for a photo lines up like this; people
    in the distance of a landscape or behind a pet are scattered in size and height."""
    best = 0
    for anchor in faces:
        ah = anchor.box[3] - anchor.box[1]
        acy = (anchor.box[1] + anchor.box[3]) / 2
        row = [
            f
            for f in faces
            if 0.5 <= (f.box[3] - f.box[1]) / ah <= 2.0 and abs((f.box[1] + f.box[3]) / 2 - acy) <= ah
        ]
        best = max(best, len(row))
    return best
