"""Find a card- or page-shaped region (an ID card, a passport booklet, a sheet of paper) in a photo and
rectify it, so text detection sees its print at a useful size even when it fills a small, slanted part of
a 12 MP frame. OpenCV edges and contours on the ≤ 480 px work image; the warp samples the full image.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

MIN_AREA = 0.03  # of the work image; a smaller quad is too small to read anyway
MAX_AREA = 0.9  # larger is the frame itself or a scan (nothing to gain)
MAX_ASPECT = 3.2  # card 1.59, passport page 1.42, open booklet 0.7, A4 1.41


def _order(quad: np.ndarray) -> np.ndarray:
    """Corners clockwise from top-left."""
    s, d = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array(
        [quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]], dtype=np.float32
    )


def find_quad(work: Image.Image) -> np.ndarray | None:
    """The largest convex four-cornered contour of plausible size and aspect, in work-image pixels."""
    gray = cv2.GaussianBlur(np.asarray(work.convert("L")), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(gray, 40, 120), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    total = work.width * work.height
    best, best_area = None, 0.0
    for contour in contours:
        area = cv2.contourArea(contour)
        if not MIN_AREA * total <= area <= MAX_AREA * total or area <= best_area:
            continue
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.03 * cv2.arcLength(hull, True), True)
        if len(approx) != 4:
            continue
        quad = _order(approx.reshape(4, 2).astype(np.float32))
        w = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2]))
        h = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
        if min(w, h) < 1 or max(w, h) / min(w, h) > MAX_ASPECT:
            continue
        best, best_area = quad, area
    return best


def rectify(image: Image.Image, quad: np.ndarray, scale: float, long_side: int) -> Image.Image:
    """The quad (work-image pixels × ``scale`` = image pixels) warped to an upright rectangle."""
    pts = quad * scale
    w = max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[3] - pts[2]))
    h = max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2]))
    k = long_side / max(w, h)
    size = (max(32, round(w * k)), max(32, round(h * k)))
    # Crop to the quad's bounding box first: warping from a 12 MP array costs more than the crop.
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
    region = np.asarray(image.crop((int(x0), int(y0), int(x1), int(y1))).convert("RGB"))
    dst = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform((pts - [x0, y0]).astype(np.float32), dst)
    return Image.fromarray(cv2.warpPerspective(region, matrix, size, flags=cv2.INTER_LINEAR))
