"""COCO object detection: CenterNet with a MobileNetV3 backbone (TF.js model converted to ONNX).

Run only where ImageNet's whole-frame labels and the face detector leave a photo undecided: a person seen
from behind or too small for a face, an audience, a street, a pet turned away. The graph ends in its own
top-100 peak selection; near-duplicate peaks of one object are merged here by per-class NMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .faces import Box, box_area, box_iou
from .runtime import ModelStore

MODEL = "centernet_mbv3.onnx"
SIZE = 512
OUTPUT = "tower_0/detections"
MIN_SCORE = 0.25
NMS_IOU = 0.5
# The 80 COCO classes in the model's output order.
COCO = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic_light",
    "fire_hydrant", "stop_sign", "parking_meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports_ball", "kite", "baseball_bat", "baseball_glove", "skateboard", "surfboard",
    "tennis_racket", "bottle", "wine_glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot_dog", "pizza", "donut", "cake", "chair", "couch",
    "potted_plant", "bed", "dining_table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell_phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy_bear", "hair_drier", "toothbrush",
)  # fmt: skip


@dataclass(frozen=True)
class Thing:
    label: str
    box: Box
    score: float

    @property
    def area(self) -> float:
        return box_area(self.box)


def detect_objects(store: ModelStore, image: Image.Image, min_score: float = MIN_SCORE) -> list[Thing]:
    """Objects in an RGB image (stretched to 512², as the model was trained), best first."""
    sess = store.session(MODEL)
    pixels = np.asarray(image.resize((SIZE, SIZE), Image.Resampling.BILINEAR), dtype=np.float32)[None]
    rows = sess.run([OUTPUT], {sess.get_inputs()[0].name: pixels})[0][0]
    rows = rows[rows[:, 4] >= min_score]
    rows = rows[np.argsort(-rows[:, 4])]
    boxes = np.clip(rows[:, :4] / SIZE, 0.0, 1.0)
    classes = rows[:, 5].astype(int)
    alive = np.ones(len(rows), dtype=bool)
    found: list[Thing] = []
    for i in range(len(rows)):
        if not alive[i]:
            continue
        x0, y0, x1, y1 = (round(float(v), 4) for v in boxes[i])
        found.append(Thing(COCO[classes[i]], (x0, y0, x1, y1), round(float(rows[i, 4]), 3)))
        same = classes[i + 1 :] == classes[i]
        alive[i + 1 :] &= ~same | (box_iou(boxes[i], boxes[i + 1 :]) <= NMS_IOU)
    return [t for t in found if t.area > 0]
