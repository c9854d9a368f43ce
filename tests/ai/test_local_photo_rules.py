"""Offline photo engine rules on generated inputs: MRZ check digits, ID cues of every document kind,
tableware without food, JPEG-robust UI cues, web pages, people without a face, what COCO objects decide,
the card finder, and the evaluation's held-out part."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ai.local.photo import labels
from ai.local.photo.cards import find_quad, rectify
from ai.local.photo.classifier import TextFindings, _decide, _decide_by_objects, _group_masses
from ai.local.photo.evaluate import evaluate, format_evaluation
from ai.local.photo.faces import Face, posed_row
from ai.local.photo.objects import Thing
from ai.local.photo.screenshot import ScreenSignals, signals
from ai.local.photo.text_rules import check_digit, id_evidence, mrz_checked

# The specimen passport of ICAO Doc 9303 part 4.
ICAO_LINE1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
ICAO_LINE2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


def test_it_computes_icao_check_digits():
    assert check_digit("L898902C3") == 6
    assert check_digit("740812") == 2
    assert check_digit("120415") == 9
    assert mrz_checked(ICAO_LINE2)
    assert mrz_checked(ICAO_LINE2[:20])  # OCR reads long lines cut to their left part
    assert not mrz_checked(ICAO_LINE2.replace("L898902C36", "L898902C37"))
    assert not mrz_checked("ORDER12345CHN7408122")  # no valid check digit


def test_it_scores_an_mrz_as_an_id_document():
    score, cues = id_evidence([ICAO_LINE1, ICAO_LINE2])
    assert score >= 4
    assert "MRZ" in cues
    assert "MRZ check digits" in cues
    # The first line alone, even cut short, is an MRZ cue but not enough on its own.
    assert id_evidence([ICAO_LINE1[:22]])[1] == ["MRZ"]


@pytest.mark.parametrize(
    "lines",
    [
        ["中华人民共和国", "居民身份证", "签发机关", "有效期限 2015.01.01-2035.01.01"],
        ["姓名 张三", "性别 男 民族 汉", "公民身份号码", "11010119900101123X"],
        ["香港永久性居民身份證", "HONG KONG PERMANENT IDENTITY CARD", "C123456(7)"],
        ["澳門特別行政區永久性居民身份證", "BILHETE DE IDENTIDADE DE RESIDENTE PERMANENTE"],
        ["中華民國國民身分證", "統一編號", "A123456789"],
        ["中华人民共和国外国人永久居留身份证", "Foreign Permanent Resident ID Card"],
        ["港澳居民来往内地通行证", "MAINLAND TRAVEL PERMIT FOR HONG KONG AND MACAO RESIDENTS"],
        ["示例大学", "学生证 STUDENT ID CARD", "学号 202012345678"],
        ["中华人民共和国", "社会保障卡", "社会保障号码"],
        ["中华人民共和国机动车驾驶证", "准驾车型 C1"],
    ],
    ids=[
        "id",
        "id-front",
        "hk",
        "macau",
        "taiwan",
        "residence",
        "home-return",
        "student",
        "social",
        "driving",
    ],
)
def test_it_finds_id_cues_of_every_document_kind(lines):
    assert id_evidence(lines)[0] >= 4


@pytest.mark.parametrize(
    "lines",
    [
        ["今日特价", "牛肉面 18 元", "营业时间 9:00-21:00", "有效期至 12 月 31 日"],
        ["会议纪要", "根据会议安排，现将本季度工作总结如下", "下一步将继续完善流程"],
        ["购物车", "有机苹果 5 斤装 ¥ 39.90", "结算 (3)"],
        ["订单号 A123456789", "已发货"],
    ],
    ids=["menu", "typed-page", "shop", "order"],
)
def test_it_does_not_take_everyday_text_for_an_id(lines):
    assert id_evidence(lines)[0] < 4


def _probs(classes: dict[int, float]) -> np.ndarray:
    probs = np.full(1000, 1e-6)
    for index, p in classes.items():
        probs[index] = p
    return probs / probs.sum()


def test_it_counts_tableware_as_food_only_with_food_in_sight():
    cup, mug, espresso, pizza, plate = 968, 504, 967, 963, 923
    assert {cup, mug, plate} <= labels.TABLEWARE
    assert espresso not in labels.TABLEWARE
    empty = _group_masses(_probs({cup: 0.7, mug: 0.1}))
    assert empty["foods"] < 0.05  # empty cups are not food
    dining_room = _group_masses(_probs({532: 0.8}))  # ImageNet's dining table, no dish on it
    assert dining_room["foods"] < 0.05
    coffee = _group_masses(_probs({espresso: 0.9, cup: 0.05}))
    assert coffee["foods"] > 0.9
    dinner = _group_masses(_probs({pizza: 0.25, plate: 0.5, 0: 0.25}))
    assert dinner["foods"] == pytest.approx(0.5, abs=0.01)  # the plate counts as much as the dish


def _ui_page(size=(1080, 2340)) -> Image.Image:
    """A list-style app page: flat background, rows of text-like blocks, thin separators, a photo card."""
    img = Image.new("RGB", size, (247, 247, 247))
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(7)
    for y in range(150, size[1] - 200, 160):
        d.rectangle((40, y + 30, 140, y + 130), fill=(7, 193, 96))
        for x in range(180, 800, 36):
            d.rectangle((x, y + 50, x + 24, y + 80), fill=(20, 20, 20))
        d.line((0, y + 159, size[0], y + 159), fill=(229, 229, 229), width=2)
    photo = rng.integers(0, 255, (400, 1000, 3), dtype=np.uint8)
    img.paste(Image.fromarray(photo), (40, 900))
    return img


def _jpeg(img: Image.Image, scale: float, quality: int) -> Image.Image:
    out = io.BytesIO()
    img.resize((round(img.width * scale), round(img.height * scale)), Image.BILINEAR).save(
        out, "JPEG", quality=quality
    )
    return Image.open(io.BytesIO(out.getvalue()))


def _masses(**given: float) -> dict[str, float]:
    """Every group mass _decide reads, zero unless given."""
    return {**dict.fromkeys(_group_masses(_probs({})), 0.0), **given}


def _face(x: float, y: float, side: float) -> Face:
    return Face((x, y, x + side * 0.75, y + side), 0.8)


def test_it_takes_faces_side_by_side_for_a_group_even_before_a_landmark_or_beside_a_pet():
    row = [_face(0.2 + 0.08 * i, 0.4 + 0.01 * (i % 2), 0.05 + 0.01 * (i % 2)) for i in range(4)]
    assert posed_row(row) == 4
    scattered = [_face(0.1, 0.1, 0.05), _face(0.5, 0.6, 0.05), _face(0.8, 0.3, 0.012)]
    assert posed_row(scattered) == 1
    plain = ScreenSignals(False, False, True, False, 0.0, 0.0)  # a camera photo
    landmark = _masses(pets=0.01, foods=0.01, travel_scenery=0.8)
    assert _decide(landmark, row, None, plain)[0] == "social_activities"
    assert _decide(landmark, scattered, None, plain)[0] == "travel_scenery"  # bystanders
    dog = _masses(pets=0.4, foods=0.01, travel_scenery=0.03)
    assert _decide(dog, row[:3], None, plain)[0] == "social_activities"
    assert _decide(dog, scattered, None, plain)[0] == "pets"


def test_it_counts_two_small_faces_as_people_only_with_imagenet_people_cues():
    plain = ScreenSignals(False, False, True, False, 0.0, 0.0)
    two = [_face(0.2, 0.3, 0.03), _face(0.7, 0.6, 0.03)]  # apart, each below FACE_MIN_AREA
    stage = _masses(pets=0.01, foods=0.01, travel_scenery=0.02, people=0.45)
    assert _decide(stage, two, None, plain)[:3:2] == ("social_activities", ["small_faces+people"])
    assert _decide({**stage, "people": 0.1}, two, None, plain)[0] == "other"
    assert labels.PEOPLE.isdisjoint(labels.PETS | labels.FOOD | labels.SCENERY)


def test_it_takes_people_cues_without_any_face_for_one_person_turned_away():
    plain = ScreenSignals(False, False, True, False, 0.0, 0.0)
    on_stage = _masses(people=0.3, travel_scenery=0.05)
    assert _decide(on_stage, [], None, plain)[:3:2] == ("single_person", ["imagenet_people_no_face"])
    assert _decide({**on_stage, "people": 0.1}, [], None, plain)[0] == "other"
    assert _decide({**on_stage, "travel_scenery": 0.6}, [], None, plain)[0] == "travel_scenery"


def test_it_takes_an_imagenet_web_page_without_camera_exif_for_a_screenshot():
    saved = ScreenSignals(False, False, False, False, 0.3, 0.0)  # a JPEG no camera took
    camera = ScreenSignals(False, False, True, False, 0.3, 0.0)
    faces = [_face(0.2, 0.3, 0.1), _face(0.6, 0.3, 0.1)]  # a face-detection demo page shows people
    page = _masses(web_page=0.4)
    assert _decide(page, faces, None, saved)[:3:2] == ("screenshot", ["imagenet_web_page"])
    assert _decide(page, faces, None, camera)[0] == "social_activities"  # a photo of a screen
    assert _decide({**page, "web_page": 0.1}, faces, None, saved)[0] == "social_activities"
    typed = TextFindings(detected_lines=12, long_line_share=0.9)
    assert _decide(page, [], typed, saved)[0] == "other"  # a page of paper, not a screen
    article = TextFindings(detected_lines=7, long_line_share=0.6)  # paragraphs beside headings and menus
    assert _decide(page, [], article, saved)[0] == "screenshot"


def test_it_takes_a_trace_of_web_site_beside_text_lines_for_a_landing_page():
    saved = ScreenSignals(False, False, False, False, 0.3, 0.0)
    camera = ScreenSignals(False, False, True, False, 0.3, 0.0)
    hero = _masses(web_page=0.06, travel_scenery=0.2)  # a city photo under a heading and a menu bar
    headings = TextFindings(detected_lines=3)
    assert _decide(hero, [], headings, saved)[:3:2] == ("screenshot", ["imagenet_web_page+text"])
    assert _decide(hero, [], headings, camera)[0] == "travel_scenery"
    assert _decide(hero, [], TextFindings(detected_lines=2), saved)[0] == "travel_scenery"
    assert _decide({**hero, "web_page": 0.03}, [], headings, saved)[0] == "travel_scenery"


def test_it_sees_a_ui_layout_after_jpeg_resharing():
    shared = _jpeg(_ui_page(), 0.55, 75)
    sig = signals(shared, "JPEG", {})
    assert not sig.screen_size
    assert not sig.lossless
    assert sig.ui_layout
    assert sig.band_ratio >= 0.25
    assert sig.top_flat >= 0.6
    # The same layout from a camera (EXIF) never counts, and a noisy photo has no flat bands.
    assert not signals(shared, "JPEG", {"Make": "Canon", "Model": "EOS"}).ui_layout
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 255, (900, 1200, 3), dtype=np.uint8))
    assert signals(_jpeg(noise, 1.0, 85), "JPEG", {}).band_ratio < 0.05


def test_it_finds_and_rectifies_a_card_at_an_angle():
    rng = np.random.default_rng(3)
    table = rng.integers(60, 110, (480, 640, 3), dtype=np.uint8)
    img = Image.fromarray(table)
    corners = [(200, 120), (470, 150), (450, 330), (180, 300)]
    ImageDraw.Draw(img).polygon(corners, fill=(235, 238, 240))
    quad = find_quad(img)
    assert quad is not None
    assert np.abs(quad - np.array(corners, dtype=np.float32)).max() < 8
    card = rectify(img, quad, 1.0, 856)
    assert card.width == 856
    assert 1.3 < card.width / card.height < 1.8
    assert np.asarray(card.convert("L")).mean() > 200  # the card, not the table
    assert find_quad(Image.fromarray(table)) is None


def _write(path: Path, colour: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 64), colour).save(path)


def test_it_reports_every_part_and_hides_held_out_mistakes(tmp_path: Path, monkeypatch):
    from ai.local.photo import evaluate as evaluation_module
    from ai.local.photo.classifier import PhotoResult

    # The engine itself is tested elsewhere: here every image is "other", so what is wrong is known.
    monkeypatch.setattr(
        evaluation_module, "_classify_file", lambda path: PhotoResult("other", 0.5, "", {"signals": []})
    )
    _write(tmp_path / "other" / "a.png", (1, 2, 3))
    _write(tmp_path / "pets" / "b.png", (4, 5, 6))
    _write(tmp_path / "held_out" / "other" / "c.png", (7, 8, 9))
    _write(tmp_path / "held_out" / "idcard" / "d.png", (9, 9, 9))
    _write(tmp_path / "held_out_2" / "pets" / "e.png", (2, 2, 2))
    result = evaluate(tmp_path)
    assert list(result.parts) == ["tune", "held_out", "held_out_2"]
    assert result.parts["held_out_2"].total == 1
    assert result.parts["held_out_2"].confusion["pets"]["other"] == 1
    assert result.parts["tune"].total == 2
    assert result.parts["held_out"].total == 2
    assert result.parts["held_out"].confusion["idcard"]["other"] == 1
    assert result.parts["held_out"].per_category["idcard"]["recall"] == 0.0
    data = result.as_dict()
    assert [m["truth"] for m in data["mistakes"]] == ["pets"]  # the held-out one is not listed
    assert data["parts"]["held_out"]["mistakes"] == []
    assert data["parts"]["held_out"]["correct"] == 1
    assert data["parts"]["held_out_2"]["mistakes"] == []
    text = format_evaluation(result)
    assert "b.png" in text
    assert "d.png" not in text
    assert "e.png" not in text
    assert text.count("1 mistakes not listed") == 2
    assert "== held_out_2 part ==" in text
    shown = json.dumps(evaluate(tmp_path, show_held_out=True).as_dict())
    assert "d.png" in shown
    assert "e.png" in shown
    assert evaluate(tmp_path, part="held_out").overall.total == 2


def test_it_evaluates_any_held_out_part_by_name_from_the_command(tmp_path: Path, monkeypatch):
    from django.core.management import CommandError, call_command

    from ai.local.photo import evaluate as evaluation_module
    from ai.local.photo.classifier import PhotoResult

    monkeypatch.setattr(
        evaluation_module, "_classify_file", lambda path: PhotoResult("other", 0.5, "", {"signals": []})
    )
    _write(tmp_path / "other" / "a.png", (1, 2, 3))
    _write(tmp_path / "held_out_3" / "other" / "f.png", (3, 3, 3))
    out = io.StringIO()
    call_command("evaluate_classifier", str(tmp_path), "--part", "held_out_3", "--json", stdout=out)
    assert list(json.loads(out.getvalue())["parts"]) == ["held_out_3"]
    with pytest.raises(CommandError, match="not tune, held_out or held_out_<n>"):
        call_command("evaluate_classifier", str(tmp_path), "--part", "held_out_x")


def test_it_does_not_take_one_small_barely_detected_face_for_a_portrait():
    plain = ScreenSignals(False, False, True, False, 0.0, 0.0)
    nothing = _masses()
    weak = Face((0.4, 0.4, 0.48, 0.5), 0.62)  # 0.8 % of the frame, scored just above the detector's floor
    assert _decide(nothing, [weak], None, plain)[0] == "other"
    sure = Face(weak.box, 0.8)
    assert _decide(nothing, [sure], None, plain)[0] == "single_person"
    close_up = Face((0.2, 0.1, 0.8, 0.8), 0.62)  # a weak score on a large face is still a face
    assert _decide(nothing, [close_up], None, plain)[0] == "single_person"


def test_it_takes_a_dingo_for_a_dog():
    assert _group_masses(_probs({273: 0.9}))["pets"] > 0.85  # ImageNet's dingo: a yellow house dog


def _thing(label: str, score: float, x: float, y: float, side: float) -> Thing:
    return Thing(label, (x, y, x + side, y + side), score)


def test_it_takes_a_coco_person_without_a_face_for_one_person_and_two_for_a_group():
    from_behind = _thing("person", 0.6, 0.3, 0.2, 0.5)
    assert _decide_by_objects([from_behind])[:3:2] == ("single_person", ["coco_person"])
    pair = [from_behind, _thing("person", 0.45, 0.0, 0.1, 0.3)]
    assert _decide_by_objects(pair)[:3:2] == ("social_activities", ["coco_people"])
    # A weak "person" filling the frame is a feather or a shoe as often as a person; small sure ones count.
    assert _decide_by_objects([_thing("person", 0.42, 0.0, 0.0, 0.95)]) is None
    assert _decide_by_objects([_thing("person", 0.42, 0.3, 0.3, 0.4)])[0] == "single_person"
    assert _decide_by_objects([_thing("person", 0.62, 0.0, 0.0, 0.98)])[0] == "single_person"
    assert _decide_by_objects([_thing("person", 0.9, 0.5, 0.5, 0.05)]) is None  # 0.25 % of the frame


def test_it_takes_many_small_vehicles_and_passers_by_for_a_street_and_a_turned_pet_for_a_pet():
    street = [
        _thing(k, 0.4, 0.1 * i, 0.5, 0.1) for i, k in enumerate(("car", "bus", "person", "traffic_light"))
    ]
    assert _decide_by_objects(street)[:3:2] == ("travel_scenery", ["coco_street"])
    assert _decide_by_objects(street[:3])[0] == "single_person"  # too few for a street: the passer-by
    crowd = [_thing("person", 0.35, 0.1 * i, 0.5, 0.1) for i in range(4)]
    assert _decide_by_objects(crowd)[0] != "travel_scenery"  # people alone are no street
    parked = [*street[:3], _thing("truck", 0.5, 0.0, 0.0, 0.6)]
    assert _decide_by_objects(parked)[0] != "travel_scenery"  # one large vehicle is the subject
    assert _decide_by_objects([_thing("cat", 0.45, 0.2, 0.2, 0.4)])[0] == "pets"
    assert _decide_by_objects([_thing("cat", 0.3, 0.2, 0.2, 0.4)]) is None
    assert _decide_by_objects([_thing("cup", 0.7, 0.2, 0.2, 0.4)]) is None


def test_it_takes_three_sure_small_people_for_an_audience_and_no_fox_for_a_dog():
    audience = [_thing("person", 0.5, 0.1 + 0.2 * i, 0.6, 0.08) for i in range(3)]  # 0.6 % of the frame each
    assert _decide_by_objects(audience)[:3:2] == ("social_activities", ["coco_crowd"])
    assert _decide_by_objects(audience[:2]) is None  # two that small are nobody in particular
    fox = [_thing("dog", 0.55, 0.1, 0.1, 0.7)]
    assert _decide_by_objects(fox)[0] == "pets"
    assert _decide_by_objects(fox, wild_animal=True) is None  # ImageNet is sure of a red fox
    assert labels.WILD_ANIMALS.isdisjoint(labels.PETS)
    assert 277 in labels.WILD_ANIMALS  # the red fox


def test_it_takes_a_face_a_quarter_the_size_of_the_subjects_for_a_bystander():
    plain = ScreenSignals(False, False, True, False, 0.0, 0.0)
    subject, bystander = _face(0.3, 0.2, 0.25), _face(0.8, 0.1, 0.1)  # 16 % of the subject's area
    assert _decide(_masses(), [subject, bystander], None, plain)[:3:2] == (
        "single_person",
        ["one_face+small_face"],
    )
    partner = _face(0.6, 0.25, 0.18)  # about half the subject's area: a couple
    assert _decide(_masses(), [subject, partner], None, plain)[0] == "social_activities"
    assert _decide(_masses(), [subject, bystander, partner], None, plain)[0] == "social_activities"
