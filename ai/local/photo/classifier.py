"""Offline photo classifier: EfficientNet-Lite0 (ImageNet-1k), BlazeFace, PP-OCRv4 and a COCO object
detector (CenterNet), combined by rules.

Pipeline (cheapest first):
1. ``screenshot_rule``: pixel size, container format, EXIF and flat-UI pixel statistics; no model.
2. One small "model image" (shorter side 224): EfficientNet-Lite0 gets its 224² centre crop and BlazeFace
   its 192² letterbox (again on a padded canvas when no face is found and nothing else is strong: a close-up
   face filling the frame, then turned by a quarter or half: a photo stored sideways without an EXIF
   orientation). With no face, nothing strong and a weak pets or foods mass (≥
   ``WEAK_SUBJECT_MIN``), four overlapping corner crops are classified too: a small or off-centre pet or dish. A larger image is made only when text detection or a tiled face pass needs it:
   2x2 tiles of the ≤ ``WORK_SIDE`` work image, 3x3 tiles of a ``TILE_SIDE`` downscale for large images.
3. Text detection (PP-OCRv4 det, ≤480 px) only when the cheap signals or ImageNet suggest text; when too
   few lines are found on a large image, a card- or page-shaped region (``cards.py``) is rectified and read
   closer, then the central part. Recognition (line crops from the full-resolution image) only when
   detection finds at least ``MIN_LINES_FOR_REC`` lines. A status-bar clock is read from the top strip
   alone for tall images without camera EXIF whose pixels or top strip look like UI.
4. The COCO object detector (``objects.py``, 512², ~50 ms) only when no rule below fired (``other``) or
   ImageNet's people cues alone made it one person (how many people there are).

Categories and the rule that picks each (first match wins):
- ``idcard``: ID-document cues in the text (titles of every common document in simplified and traditional
  script and English, an MRZ with valid check digits, 18-digit and HK/Macau/Taiwan ID numbers; field labels
  count less; see ``text_rules.py``), score ≥ ``ID_MIN_SCORE``, or one less beside a portrait face or a
  card-shaped text block (aspect 1.3–1.9): the portrait may well be the largest face in the photo.
- ``screenshot``: the cheap rule, a status-bar clock on a tall image, dense UI text on flat UI pixels, or
  UI layout bands (robust to JPEG re-sharing) with text, or ImageNet's "web site" ≥ ``WEB_PAGE_MIN`` on an
  image without camera EXIF (pages with photos in them), or a trace of it (≥ ``WEB_PAGE_WEAK_MIN``) beside
  three text lines (a landing page: a photo under headings and a menu); never for running text of a paper
  page.
- ``pets``: ImageNet mass on dogs, cats and small pets ≥ ``GROUP_MIN`` (a large human face overrides).
- ``social_activities``: ≥ ``POSED_ROW`` faces side by side (a group posing, also before a landmark or beside
  a pet), ≥ ``CROWD_MIN`` small faces (a crowd; ≥ ``CROWD_OVER_SCENE`` even in front of a landmark), two
  small faces beside ImageNet's people cues (clothes, uniforms, a stage: ``labels.PEOPLE`` ≥
  ``PEOPLE_MIN``), or ≥ 2 significant faces (of two, the smaller at least ``SECOND_FACE_MIN_RATIO`` of the
  larger); ``single_person``: 1 significant face (area ≥ ``FACE_MIN_AREA``), or no face at all and the
  people cues ≥ ``PEOPLE_ALONE_MIN`` with no other subject (someone turned away).
- ``foods`` / ``travel_scenery``: ImageNet mass on dishes/produce/drinks (tableware counts only as much as
  dishes do) or landscapes/landmarks.
- what COCO objects say when nothing above fired (``_decide_by_objects``): ≥ ``STREET_MIN`` small vehicles,
  traffic lights and passers-by are a street (``travel_scenery``); three sure people of any size (an
  audience) or two sure ones are ``social_activities`` (also overriding the people cues' one person); a
  person seen from behind or too small for a face is ``single_person``; a cat or dog turned away ``pets``
  unless ImageNet is sure of a wild animal.
- ``other``: nothing above fired (typed pages, empty cups, abstract images…).

Confidence (0–1) is the strength of the signal that decided, so thresholds on it are meaningful:
ImageNet-driven categories report the group's softmax mass; face-driven ones the detector score scaled down
when faces are small; text rules map their cue score to 0.6–0.99; the screenshot rule reports fixed values
that reflect how rarely each cue combination occurs in camera photos (0.97 EXIF says screenshot, 0.95 exact
screen size + PNG, 0.9 screen size + UI pixels, 0.8 PNG + very flat UI pixels). ``other`` reports
1 − the largest group mass, i.e. how little the photo looks like any named category.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ... import taxonomy
from . import labels as groups
from .cards import find_quad, rectify
from .faces import (
    Face,
    detect_faces,
    detect_faces_padded,
    detect_faces_tiled,
    detect_faces_turned,
    merge,
    posed_row,
)
from .objects import Thing, detect_objects
from .ocr import TextBox, crop_line, detect_text, recognize
from .runtime import ModelStore, get_store
from .screenshot import ScreenSignals, rule_confidence, signals
from .text_rules import has_clock, id_evidence

CATEGORIES = tuple(c.code for c in taxonomy.CATEGORIES)  # the codes, in the taxonomy's order
CLASSIFIER_MODEL = "efficientnet_lite0.onnx"
LABELS_FILE = "imagenet_classes.json"
WORK_SIDE = 480
CLASSIFIER_SIDE = 224
GROUP_MIN = 0.35
WEAK_SCENERY_MIN = 0.15
WEAK_SUBJECT_MIN = 0.1  # a pets or foods mass this high, with nothing else, gets a closer look (corner crops)
SUBJECT_SIDE = 672
CLOSER_MIN = 0.5  # (rain drops on a leaf reach 0.42 foods in a corner crop)
FACE_MIN_AREA = 0.0015
CROWD_MIN_AREA = 0.0003  # faces this small count only in numbers: three or more are a group
CROWD_MIN = 3
CROWD_OVER_SCENE = 5  # this many small faces are the subject even in front of a landmark
POSED_ROW = 3  # this many faces side by side are a group photo, also before a landmark or beside a pet
WEB_PAGE_MIN = 0.2  # no camera photo of the tuning part reaches 0.2, ID scans do (the ID rule comes first)
WEB_PAGE_WEAK_MIN = 0.05  # with ≥ 3 text lines and no camera EXIF
PAPER_LINE_SHARE = 0.8  # a document page's lines nearly all span it (TextFindings.document_page)
LONE_FACE_MIN = 0.66  # a single small face scored below this is not taken for a person
SECOND_FACE_MIN_RATIO = 0.3  # of two faces, the smaller must be this share of the larger's area to be a pair
PEOPLE_MIN = 0.3  # ImageNet mass on clothes/uniforms/stage that confirms two small faces as people
PEOPLE_ALONE_MIN = 0.2  # the same cues with no face and no other subject: one person, turned away
PERSON_MIN = 0.5  # a COCO person this sure counts at any size; a weaker one only if not filling the frame
PERSON_WEAK_MIN = 0.33  # (feathers, shoes and masks filling the frame reach 0.38-0.47 as "person")
PERSON_WEAK_MAX_AREA = 0.75
PERSON_MIN_AREA = 0.01
PEOPLE_GROUP_MIN = 0.4  # two people this sure (and ≥ PEOPLE_GROUP_MIN_AREA each) are a group
PEOPLE_GROUP_MIN_AREA = 0.02
PET_OBJECT_MIN = 0.4
WILD_ANIMAL_MIN = 0.5  # ImageNet this sure of a wild animal vetoes a COCO dog or cat
CROWD_PERSON_AREA = 0.003  # three sure people this small each are a crowd (an audience, visitors)
STREET = frozenset(
    {"car", "bus", "truck", "train", "motorcycle", "bicycle", "traffic_light", "stop_sign", "person"}
)
STREET_MIN = 4  # this many vehicles, traffic lights and passers-by, none large, are a street scene
STREET_MIN_SCORE = 0.3
STREET_MAX_AREA = 0.2
OBJECTS_SIDE = 512
TEXTY_MIN = 0.08
DOCUMENT_MIN = 0.15
FINE_SIDE = 640
CARD_SIDE = 1600  # a rectified card or page is cut out at this long side for recognition
TILE_SIDE = 960  # the tiled face pass on large images runs 3x3 tiles of this downscale
TILE_MIN_SIDE = 1200
SMALL_FACE = 0.02
LONG_LINE = 0.45  # a text line this share of the page wide is running text (a document), not UI labels
MIN_LINES_FOR_REC = 3
MAX_REC_LINES = 9
REC_STEP = 3
GIVE_UP_AFTER = 6  # lines without a single ID cue
ID_MIN_SCORE = 4


@dataclass(frozen=True)
class PhotoResult:
    category: str
    confidence: float
    description: str
    labels: dict = field(default_factory=dict)


# -- screenshot rule (no models) ---------------------------------------------------------------------------


def _screenshot_result(
    sig: ScreenSignals, confidence: float, size: tuple[int, int], extra: str = ""
) -> PhotoResult:
    kind = "手机截图" if sig.screen_size or size[1] >= 1.6 * size[0] else "屏幕截图"
    return PhotoResult(
        category="screenshot",
        confidence=round(confidence, 3),
        description=kind + extra,
        labels={"screen": sig.as_dict(), "signals": ["screenshot_rule"]},
    )


def screenshot_rule(
    image: Image.Image, *, source_format: str | None = None, exif: dict | None = None
) -> PhotoResult | None:
    """The cheap screenshot check alone (no models); None when the cheap signals do not decide."""
    sig = signals(image, source_format, exif)
    confidence = rule_confidence(sig)
    return None if confidence is None else _screenshot_result(sig, confidence, image.size)


# -- preprocessing ------------------------------------------------------------------------------------------


def _rgb(image: Image.Image) -> Image.Image:
    """Modes Pillow resamples directly (RGB, L, RGBA); anything else converted, keeping transparency."""
    if image.mode in ("RGB", "L", "RGBA"):
        return image
    return image.convert("RGBA" if "transparency" in image.info or image.mode in ("LA", "PA") else "RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with transparent areas on white."""
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _sampled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Nearest samples at twice the target, then a 2x2 box average: ~5x cheaper than a filtered resize of
    all 12 MP, with the same evaluation accuracy (see tools/models/README.md)."""
    return image.resize((size[0] * 2, size[1] * 2), Image.Resampling.NEAREST).reduce(2)


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    """RGB copy with the longest side ≤ max_side."""
    image = _rgb(image)
    w, h = image.size
    scale = min(1.0, max_side / max(w, h))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if scale <= 0.5:
        image = _sampled(image, size)
    elif scale < 1.0:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return _flatten(image)


def work_image(image: Image.Image) -> Image.Image:
    """The ≤ WORK_SIDE downscale that text detection and the tiled face pass run on."""
    return downscale(image, WORK_SIDE)


def model_image(image: Image.Image) -> Image.Image:
    """RGB copy with the shorter side at the classifier's 224 px; the face letterbox is cut from it too.

    Made straight from the decoded image (no detour through the work image): sampled when it is ≥ 3x the
    target, else an exact box resize. Closer to a full area-average resize than the former work image +
    box resize was (mean group-mass deviation on the evaluation set 0.012 vs 0.022), at a third of the cost.
    """
    image = _rgb(image)
    w, h = image.size
    scale = CLASSIFIER_SIDE / min(w, h)
    size = (max(CLASSIFIER_SIDE, round(w * scale)), max(CLASSIFIER_SIDE, round(h * scale)))
    if scale <= 1 / 3:
        image = _sampled(image, size)
    elif size != image.size:
        image = image.resize(size, Image.Resampling.BOX)
    return _flatten(image)


def classifier_tensor(model: Image.Image) -> np.ndarray:
    """Centre 224² crop of model_image()'s output, normalised as the TF EfficientNet-Lite models:
    (x − 127) / 128, in place on one float32 copy."""
    w, h = model.size
    left, top = (w - CLASSIFIER_SIDE) // 2, (h - CLASSIFIER_SIDE) // 2
    crop = model.crop((left, top, left + CLASSIFIER_SIDE, top + CLASSIFIER_SIDE))
    tensor = np.asarray(crop).transpose(2, 0, 1).astype(np.float32)[None]
    tensor -= 127.0
    tensor /= 128.0
    return tensor


def imagenet_probs(store: ModelStore, tensor: np.ndarray) -> np.ndarray:
    sess = store.session(CLASSIFIER_MODEL)
    logits = sess.run(None, {sess.get_inputs()[0].name: tensor})[0][0].astype(np.float64)
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


_labels_cache: dict[int, list[str]] = {}


def imagenet_labels(store: ModelStore) -> list[str]:
    if id(store) not in _labels_cache:
        _labels_cache[id(store)] = store.json_file(LABELS_FILE)
    return _labels_cache[id(store)]


# -- text ---------------------------------------------------------------------------------------------------


@dataclass
class TextFindings:
    detected_lines: int = 0
    recognized_lines: int = 0
    area_ratio: float = 0.0
    block_aspect: float = 0.0
    id_score: int = 0
    id_cues: list[str] = field(default_factory=list)
    long_line_share: float = 0.0

    @property
    def document_page(self) -> bool:
        """Running text: many lines, nearly all of them spanning the page (typed or printed paper). A web
        page's paragraphs share it with headings, buttons and menus (tuning part: typed pages 0.94–0.96 of
        their lines long, web pages 0.57–0.67)."""
        return self.detected_lines >= 6 and self.long_line_share >= PAPER_LINE_SHARE

    def as_dict(self) -> dict:
        return {
            "detected_lines": self.detected_lines,
            "long_line_share": round(self.long_line_share, 2),
            "recognized_lines": self.recognized_lines,
            "area_ratio": round(self.area_ratio, 4),
            "block_aspect": round(self.block_aspect, 2),
            "id_cues": self.id_cues,
        }


def _read_lines(store: ModelStore, source: Image.Image, boxes: list[TextBox], scale: float) -> list[str]:
    crops = [crop_line(source, b, scale) for b in boxes]
    return [text for text, score in recognize(store, crops) if score >= 0.5 and text.strip()]


def _card_view(image: Image.Image, work: Image.Image) -> tuple[Image.Image, Image.Image] | None:
    """The card- or page-shaped region of the photo, rectified from the full image, and its detection
    downscale; None when the work image shows no such region."""
    quad = find_quad(work)
    if quad is None:
        return None
    card = rectify(image, quad, image.width / work.width, CARD_SIDE)
    return card, downscale(card, FINE_SIDE)


def _closer_looks(image: Image.Image, work: Image.Image, document_like: bool):
    """Where small print may be legible at a finer resolution: a card- or page-shaped region, rectified
    (phone photos of a card on a table, a passport booklet at an angle, an A4 photocopy), then the central
    part where people put what they photograph. Yields (source image, detection image) pairs lazily."""
    view = _card_view(image, work)
    if view is not None:
        yield view
    if document_like:
        w, h = image.size
        centre = image.crop((round(w * 0.15), round(h * 0.15), round(w * 0.85), round(h * 0.85)))
        yield centre, downscale(centre, FINE_SIDE)


def _measure(found: TextFindings, boxes: list[TextBox], det_image: Image.Image) -> None:
    found.detected_lines = len(boxes)
    if boxes:
        pts = np.concatenate([b.points for b in boxes])
        span = pts.max(axis=0) - pts.min(axis=0)
        found.block_aspect = float(max(span) / max(1.0, min(span)))
        found.area_ratio = sum(b.width * b.height for b in boxes) / (det_image.width * det_image.height)
        found.long_line_share = sum(b.width >= LONG_LINE * det_image.width for b in boxes) / len(boxes)


def _recognize_id(
    store: ModelStore, source: Image.Image, det_image: Image.Image, boxes: list[TextBox]
) -> tuple[int, list[str], int]:
    """ID score, cues and lines read. Tallest lines first (titles and field labels are the tallest print
    on a card), a few at a time: recognition costs ~30 ms per line on one core, so stop once the ID rule
    is decided either way."""
    chosen = sorted(boxes, key=lambda b: -b.height)[:MAX_REC_LINES]
    scale = source.width / det_image.width
    lines: list[str] = []
    score, cues = 0, list[str]()
    for start in range(0, len(chosen), REC_STEP):
        lines += _read_lines(store, source, chosen[start : start + REC_STEP], scale)
        score, cues = id_evidence(lines)
        if score >= ID_MIN_SCORE or (score == 0 and start + REC_STEP >= GIVE_UP_AFTER):
            break
    return score, cues, len(lines)


def read_text(
    store: ModelStore, image: Image.Image, work: Image.Image, document_like: bool, portrait: bool = False
) -> TextFindings:
    found = TextFindings()
    source, det_image = image, work
    boxes = detect_text(store, det_image)
    large = max(image.size) > 2 * WORK_SIDE
    if len(boxes) < MIN_LINES_FOR_REC and large:
        # A card photographed on a table: its print is too small at WORK_SIDE. Look again, closer, for
        # ~1.5x the cost of one pass each.
        for closer, closer_det in _closer_looks(image, work, document_like):
            closer_boxes = detect_text(store, closer_det, max_side=FINE_SIDE)
            if len(closer_boxes) > len(boxes):
                source, det_image, boxes = closer, closer_det, closer_boxes
            if len(boxes) >= MIN_LINES_FOR_REC:
                break
    _measure(found, boxes, det_image)
    if len(boxes) >= MIN_LINES_FOR_REC:
        found.id_score, found.id_cues, found.recognized_lines = _recognize_id(store, source, det_image, boxes)
    undecided = 0 < found.id_score < ID_MIN_SCORE or (portrait and found.id_score == 0)
    if undecided and large and source is image:
        # Some ID cues, or a portrait beside text, but not enough read: the card itself, rectified, once.
        view = _card_view(image, work)
        if view is not None:
            card, card_det = view
            card_boxes = detect_text(store, card_det, max_side=FINE_SIDE)
            if len(card_boxes) >= MIN_LINES_FOR_REC:
                score, cues, read = _recognize_id(store, card, card_det, card_boxes)
                if score > found.id_score:
                    found.id_score, found.id_cues, found.recognized_lines = score, cues, read
    return found


def status_bar_clock(store: ModelStore, image: Image.Image) -> bool:
    """Read only the top strip (status bar) of a tall image and look for a hh:mm clock."""
    strip_h = max(8, round(image.height * 0.045))
    strip = downscale(image.crop((0, 0, image.width, strip_h)), 640)
    boxes = detect_text(store, strip, max_side=640)
    if not boxes:
        return False
    lines = [text for text, _ in recognize(store, [crop_line(strip, b, 1.0) for b in boxes[:6]])]
    return has_clock(lines)


# -- decision -----------------------------------------------------------------------------------------------


_GROUP_INDEX = {
    name: np.array(sorted(idx))
    for name, idx in (
        ("pets", groups.PETS),
        ("dishes", groups.FOOD - groups.TABLEWARE),
        ("tableware", groups.TABLEWARE),
        ("travel_scenery", groups.SCENERY),
        ("texty", groups.TEXTY),
        ("people", groups.PEOPLE),
        ("web_page", groups.WEB_PAGE),
    )
}


def _group_masses(probs: np.ndarray) -> dict[str, float]:
    masses = {name: float(probs[idx].sum()) for name, idx in _GROUP_INDEX.items()}
    # Cups, glasses and plates are food only with food in sight: tableware counts as much as dishes do.
    masses["foods"] = masses["dishes"] + min(masses["tableware"], masses["dishes"])
    return masses


def _closer_subject(store: ModelStore, image: Image.Image, masses: dict[str, float]) -> dict[str, float]:
    """Pets and foods masses as the best of four overlapping corner crops (60 % of each side) see them; a
    crop sees less context than the whole frame, so it counts only when it is sure (``CLOSER_MIN``)."""
    view = downscale(image, SUBJECT_SIDE)
    w, h = view.size
    best = dict(masses)
    for fx in (0.0, 0.4):
        for fy in (0.0, 0.4):
            crop = view.crop((round(fx * w), round(fy * h), round((fx + 0.6) * w), round((fy + 0.6) * h)))
            seen = _group_masses(imagenet_probs(store, classifier_tensor(model_image(crop))))
            for group in ("pets", "foods"):
                if seen[group] >= CLOSER_MIN:
                    best[group] = max(best[group], seen[group])
    return best


def _id_kind(cues: list[str]) -> str:
    joined = " ".join(cues)
    if "驾驶证" in joined or "DRIVING" in joined:
        return "驾驶证"
    if "护照" in joined or "PASSPORT" in joined.replace(" ", "") or "MRZ" in joined:
        return "护照"
    return "身份证" if ("居民身份证" in joined or "公民身份号码" in joined) else "证件"


def _screen_cue(
    masses: dict[str, float], text: TextFindings | None, sig: ScreenSignals
) -> tuple[str, float, list[str]] | None:
    """A screenshot the cheap rule missed (re-shared as JPEG, photos in it); never a page of paper."""
    if sig.camera_exif or (text is not None and text.document_page):
        return None
    if text is not None:
        if sig.ui_pixels and text.detected_lines >= 8 and text.area_ratio >= 0.06:
            return "screenshot", 0.75, ["dense_ui_text"]
        if sig.ui_layout and (text.detected_lines >= 3 or (sig.ui_pixels and sig.band_ratio >= 0.4)):
            return "screenshot", 0.7, ["ui_layout_text"]
    if text is not None and text.detected_lines >= 3 and masses["web_page"] >= WEB_PAGE_WEAK_MIN:
        # A landing page or gallery: a photo under headings and menus, ImageNet's "web site" only a trace.
        return "screenshot", 0.6, ["imagenet_web_page+text"]
    if masses["web_page"] >= WEB_PAGE_MIN:
        # ImageNet's "web site" on an image no camera took: an app or web page saved as JPEG, often with
        # photos in it (a landing page, a gallery, a face-detection demo), which the pixel rules miss.
        return "screenshot", min(0.9, 0.5 + masses["web_page"] / 2), ["imagenet_web_page"]
    return None


def _decide(
    masses: dict[str, float], faces: list[Face], text: TextFindings | None, sig: ScreenSignals
) -> tuple[str, float, list[str]]:
    reasons: list[str] = []
    if len(faces) == 1 and faces[0].score < LONE_FACE_MIN and faces[0].area < 0.03:
        # One small, barely detected face and nobody else: on real photos as often a bee, a packet or a
        # plate as a person (tuning part: 6 of 7), so it does not make the photo a portrait.
        faces = []
    big = [f for f in faces if f.area >= FACE_MIN_AREA]
    largest = max((f.area for f in big), default=0.0)
    card_block = text is not None and 1.3 <= text.block_aspect <= 1.9
    # One cue short of the threshold is enough beside a portrait or a card-shaped text block: at a steep
    # angle the small title print is often the part that cannot be read.
    if text is not None and (
        text.id_score >= ID_MIN_SCORE or (text.id_score == ID_MIN_SCORE - 1 and (big or card_block))
    ):
        conf = 0.6 + 0.05 * text.id_score + (0.05 if big else 0.0) + (0.05 if card_block else 0.0)
        return "idcard", min(0.99, conf), ["id_text_cues"]
    screen = _screen_cue(masses, text, sig)
    if screen is not None:
        return screen
    best_group = max(("pets", "foods", "travel_scenery"), key=lambda g: masses[g])
    best_mass = masses[best_group]
    crowd = [f for f in faces if f.area >= CROWD_MIN_AREA]
    if len(crowd) >= POSED_ROW and posed_row(crowd) >= POSED_ROW:
        score = float(np.mean([f.score for f in crowd]))
        return "social_activities", score * 0.85, ["posed_row"]
    if masses["pets"] >= GROUP_MIN and largest < 0.03:
        return "pets", masses["pets"], ["imagenet_pets"]
    bystanders = best_mass >= 0.6 and largest < 0.004 and len(crowd) < CROWD_OVER_SCENE
    if len(crowd) >= CROWD_MIN and len(big) < 2 and not bystanders:
        score = float(np.mean([f.score for f in crowd]))
        return "social_activities", score * 0.8, ["small_faces>=3"]
    if len(crowd) == 2 and len(big) < 2 and masses["people"] >= PEOPLE_MIN and not bystanders:
        # Two faces too small to count alone, and ImageNet sees people's clothes or a stage: two people.
        score = float(np.mean([f.score for f in crowd]))
        return "social_activities", score * 0.7, ["small_faces+people"]
    if big:
        # Small faces in a strong food or scenery shot are bystanders, not the subject.
        if bystanders and best_group != "pets":
            return best_group, best_mass, ["imagenet_" + best_group, "small_faces_ignored"]
        score = float(np.mean([f.score for f in big[:3]]))
        size_factor = min(1.0, 0.7 + largest / 0.02 * 0.3)
        areas = sorted((f.area for f in big), reverse=True)
        if len(big) == 2 and areas[1] < SECOND_FACE_MIN_RATIO * areas[0]:
            # A face a quarter the size of the subject's: a bystander, a reflection, a portrait on the wall.
            return "single_person", score * size_factor, ["one_face+small_face"]
        if len(big) >= 2:
            return "social_activities", score * size_factor, ["faces>=2"]
        return "single_person", score * size_factor, ["one_face"]
    if best_mass >= GROUP_MIN:
        return best_group, best_mass, ["imagenet_" + best_group]
    if not crowd and masses["people"] >= PEOPLE_ALONE_MIN:
        # Nobody faces the camera (turned away, from above, a face hidden behind a camera), yet ImageNet sees
        # clothes, a costume or a stage, and nothing else: someone is the subject.
        return "single_person", masses["people"], ["imagenet_people_no_face"]
    # Landscapes have no ImageNet class of their own: predictions spread over lakeshore/valley/bench/tent…
    others = max(masses[g] for g in ("pets", "foods"))
    if masses["travel_scenery"] >= WEAK_SCENERY_MIN and masses["travel_scenery"] >= 1.5 * others:
        return "travel_scenery", masses["travel_scenery"], ["imagenet_travel_scenery_weak"]
    reasons.append("no_rule_fired")
    return "other", 1.0 - best_mass, reasons


def _decide_by_objects(things: list[Thing], wild_animal: bool = False) -> tuple[str, float, list[str]] | None:
    """What COCO objects say of a photo the other signals left as ``other``: a street (city scenery), a
    group or a person seen from behind or too small for faces, a pet turned away (not when ImageNet is
    sure of a wild animal: COCO has no fox or cheetah, and calls them dogs and cats)."""
    street = [t for t in things if t.label in STREET and t.score >= STREET_MIN_SCORE]
    if (
        len(street) >= STREET_MIN
        and any(t.label != "person" for t in street)
        and max(t.area for t in street) < STREET_MAX_AREA
    ):
        return "travel_scenery", float(np.mean([t.score for t in street])), ["coco_street"]
    crowd = [
        t
        for t in things
        if t.label == "person" and t.score >= PEOPLE_GROUP_MIN and t.area >= CROWD_PERSON_AREA
    ]
    if len(crowd) >= CROWD_MIN:
        return "social_activities", float(np.mean([t.score for t in crowd])), ["coco_crowd"]
    people = [
        t
        for t in things
        if t.label == "person"
        and t.area >= PERSON_MIN_AREA
        and (t.score >= PERSON_MIN or (t.score >= PERSON_WEAK_MIN and t.area <= PERSON_WEAK_MAX_AREA))
    ]
    if people:
        sure = [t for t in people if t.score >= PEOPLE_GROUP_MIN and t.area >= PEOPLE_GROUP_MIN_AREA]
        if len(sure) >= 2:
            return "social_activities", float(np.mean([t.score for t in sure])), ["coco_people"]
        return "single_person", people[0].score, ["coco_person"]
    pets = [t for t in things if t.label in ("cat", "dog") and t.score >= PET_OBJECT_MIN and t.area >= 0.02]
    if pets and not wild_animal:
        return "pets", pets[0].score, ["coco_pet"]
    return None


def _describe(
    category: str, faces: list[Face], top: list[tuple[int, float]], text: TextFindings | None
) -> str:
    parts: list[str] = []
    if category == "idcard" and text is not None:
        parts.append(f"疑似{_id_kind(text.id_cues)}")
    if category == "screenshot":
        parts.append("屏幕截图")
    big = [f for f in faces if f.area >= FACE_MIN_AREA]
    if big:
        parts.append(f"检测到 {len(big)} 张人脸")
    if category != "idcard" and top and top[0][1] >= 0.15:
        name = groups.zh_name(top[0][0])
        if name:
            parts.append(f"主要物体：{name}")
    if text is not None and text.detected_lines:
        parts.append(f"检测到 {text.detected_lines} 处文字")
    return "，".join(parts) if parts else "未识别出明确主体"


def classify_image(
    image: Image.Image,
    *,
    source_format: str | None = None,
    exif: dict | None = None,
) -> PhotoResult:
    """Classify an already decoded (EXIF-transposed) image into one of CATEGORIES.

    Raises ModelIntegrityError when a model file is missing or does not match the manifest.
    """
    started = time.perf_counter()
    sig = signals(image, source_format, exif)
    rule = rule_confidence(sig)
    if rule is not None:
        return _screenshot_result(sig, rule, image.size)
    store = get_store()
    # Tall, UI-looking images without camera EXIF: a status-bar clock settles it before any other model.
    # Re-shared as JPEG the pixels are no longer exactly flat, but the status bar strip still is nearly.
    tall_ui = (
        image.height >= 1.6 * image.width
        and (sig.ui_pixels or sig.lossless or sig.top_flat >= 0.6)
        and not sig.camera_exif
    )
    if tall_ui and status_bar_clock(store, image):
        result = _screenshot_result(sig, 0.9, image.size)
        result.labels["signals"].append("status_bar_clock")
        return result
    timings: dict[str, float] = {}
    model = model_image(image)
    timings["downscale"] = time.perf_counter() - started
    probs = imagenet_probs(store, classifier_tensor(model))
    faces = detect_faces(store, model)
    masses = _group_masses(probs)
    strongest = max(masses["pets"], masses["foods"], masses["travel_scenery"])
    turned = False
    if not faces and strongest < GROUP_MIN:
        # A close-up face filling the frame; only a large, confident face counts from this pass.
        faces = [f for f in detect_faces_padded(store, model) if f.area >= 0.1 and f.score >= 0.75]
        if not faces:
            faces = detect_faces_turned(store, model)
            turned = bool(faces)
    if strongest < GROUP_MIN and max(masses["pets"], masses["foods"]) >= WEAK_SUBJECT_MIN and not faces:
        # A weak pet or food signal: the subject may be small or off centre, outside the 224² centre crop.
        masses = _closer_subject(store, image, masses)
        strongest = max(masses["pets"], masses["foods"], masses["travel_scenery"])
    work = None
    few_small = len(faces) <= 1 and max((f.area for f in faces), default=0.0) < SMALL_FACE
    # Scenery gets the tiled pass too (a group in front of a landmark), other strong subjects do not.
    scenic = masses["travel_scenery"] == strongest and strongest < 0.85
    if few_small and (strongest < 0.6 or scenic) and not turned:
        if min(image.size) >= TILE_MIN_SIDE:
            # Groups on a stage or at a festival: faces of 1-2 % of the frame width need 3x3 tiles.
            faces = merge(faces + detect_faces_tiled(store, downscale(image, TILE_SIDE), grid=3))
        else:
            work = work_image(image)
            faces = merge(faces + detect_faces_tiled(store, work))
    timings["models"] = time.perf_counter() - started
    top_idx = np.argsort(-probs)[:5]
    top = [(int(i), float(probs[i])) for i in top_idx]
    small_face = any(f.area < 0.05 for f in faces) and strongest < GROUP_MIN
    wants_text = (
        masses["texty"] >= TEXTY_MIN
        or sig.ui_pixels
        or sig.ui_layout
        or small_face
        or tall_ui
        or strongest < 0.15
    )
    if wants_text:
        work = work if work is not None else work_image(image)
        portrait = any(f.area >= FACE_MIN_AREA for f in faces)
        text = read_text(store, image, work, masses["texty"] >= DOCUMENT_MIN, portrait)
    else:
        text = None
    timings["total"] = time.perf_counter() - started
    category, confidence, reasons = _decide(masses, faces, text, sig)
    things: list[Thing] | None = None
    if reasons in (["no_rule_fired"], ["imagenet_people_no_face"]):
        # Nothing ImageNet or the faces say decides, or only that someone is there: look for the objects
        # themselves (~50 ms); for the latter only how many people there are can change the answer.
        things = detect_objects(store, downscale(image, OBJECTS_SIDE))
        wild = top[0][0] in groups.WILD_ANIMALS and top[0][1] >= WILD_ANIMAL_MIN
        by_objects = _decide_by_objects(things, wild_animal=wild)
        if by_objects is not None and (reasons == ["no_rule_fired"] or by_objects[0] == "social_activities"):
            category, confidence, reasons = by_objects
        timings["objects"] = time.perf_counter() - started
    names = imagenet_labels(store)
    detail = {
        "imagenet": [{"index": i, "label": names[i], "score": round(p, 4)} for i, p in top],
        "groups": {k: round(v, 4) for k, v in masses.items()},
        "faces": {
            "count": len([f for f in faces if f.area >= FACE_MIN_AREA]),
            "turned": turned,
            "boxes": [list(f.box) for f in faces],
            "scores": [round(f.score, 3) for f in faces],
            "max_area_ratio": round(max((f.area for f in faces), default=0.0), 4),
            "total_area_ratio": round(sum(f.area for f in faces), 4),
        },
        "text": text.as_dict() if text is not None else None,
        "objects": None
        if things is None
        else [{"label": t.label, "score": t.score, "box": list(t.box)} for t in things[:8]],
        "screen": sig.as_dict(),
        "signals": reasons,
        "timings_ms": {k: round(v * 1000, 1) for k, v in timings.items()},
    }
    return PhotoResult(
        category=category,
        confidence=round(float(min(max(confidence, 0.0), 1.0)), 3),
        description=_describe(category, faces, top, text),
        labels=detail,
    )
