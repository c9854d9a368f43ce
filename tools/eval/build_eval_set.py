"""Build the labelled evaluation set for the local photo classifier (written outside git).

Sources, all from package registries, so the set is reproducible:
- real photos shipped by PyPI packages (scikit-image, scikit-learn, matplotlib; install them from
  tools/models/requirements-export.txt) and by Debian packages (darknet, opencv-doc, mate-backgrounds,
  plasma-workspace-wallpapers), fetched with ``apt-get download`` and unpacked with ``dpkg -x``;
  each labelled by hand below (REAL);
- synthetic phone/desktop screenshots rendered by headless Debian ``chromium`` (Pillow-drawn UI if absent);
- synthetic ID documents drawn with Pillow (fake names and numbers; fonts-wqy-microhei), flat scans and
  12 MP camera shots at an angle on a real wood/stone texture, with camera EXIF.

Usage (export venv has the photo packages)::

    .venv-export/bin/python tools/eval/build_eval_set.py /tmp/xintu-eval

Writes OUT/manifest.json: {"items": [{"path", "label", "kind": "real"|"synthetic", "source"}]}.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DEBS = ("darknet", "opencv-doc", "mate-backgrounds", "plasma-workspace-wallpapers")
CV = "deb:/usr/share/doc/opencv-doc/examples/data/"
CVH = "deb:/usr/share/doc/opencv-doc/opencv4/html/"
CVT = "deb:/usr/share/doc/opencv-doc/examples/text/"
DK = "deb:/usr/share/darknet/data/"
MATE = "deb:/usr/share/backgrounds/mate/nature/"
PLASMA = "deb:/usr/share/wallpapers/{}/contents/images/1600x1200.jpg"

# (source, label). "py:<package>/<path>" is inside an installed package; "deb:<path>" inside an unpacked .deb.
REAL: tuple[tuple[str, str], ...] = (
    ("py:skimage/data/chelsea.png", "pets"),
    (DK + "dog.jpg", "pets"),
    (CV + "chicky_512.png", "pets"),
    ("py:skimage/data/coffee.png", "foods"),
    (CV + "apple.jpg", "foods"),
    (CV + "fruits.jpg", "foods"),
    (CV + "orange.jpg", "foods"),
    (CVH + "fsrcnnOutput.jpg", "foods"),
    ("py:skimage/data/astronaut.png", "single_person"),
    ("py:skimage/data/camera.png", "single_person"),
    ("py:matplotlib/mpl-data/sample_data/grace_hopper.jpg", "single_person"),
    (CV + "messi5.jpg", "single_person"),
    (CVH + "227943776_1.jpg", "single_person"),
    (CVH + "230501201_1.jpg", "single_person"),
    (CV + "basketball1.png", "social_activities"),
    ("py:sklearn/datasets/images/china.jpg", "travel_scenery"),
    (CV + "home.jpg", "travel_scenery"),
    (CV + "leuvenA.jpg", "travel_scenery"),
    (CV + "aero1.jpg", "travel_scenery"),
    (CV + "aero3.jpg", "travel_scenery"),
    (DK + "kite.jpg", "travel_scenery"),
    (PLASMA.format("BytheWater"), "travel_scenery"),
    (PLASMA.format("ColdRipple"), "travel_scenery"),
    (PLASMA.format("DarkestHour"), "travel_scenery"),
    (PLASMA.format("EveningGlow"), "travel_scenery"),
    (PLASMA.format("Path"), "travel_scenery"),
    (PLASMA.format("summer_1am"), "travel_scenery"),
    (MATE + "Dune.jpg", "travel_scenery"),
    (CVH + "retina_TreeHdr_retina.jpg", "travel_scenery"),
    (DK + "eagle.jpg", "other"),
    (DK + "giraffe.jpg", "other"),
    (DK + "scream.jpg", "other"),
    (CV + "baboon.jpg", "other"),
    (CV + "butterfly.jpg", "other"),
    (CV + "squirrel_cls.jpg", "other"),
    (CV + "starry_night.jpg", "other"),
    (CV + "stuff.jpg", "other"),
    (CV + "pca_test1.jpg", "other"),
    (CVH + "detect_test1.jpg", "other"),
    ("py:skimage/data/motorcycle_left.png", "other"),
    ("py:skimage/data/rocket.jpg", "other"),
    ("py:sklearn/datasets/images/flower.jpg", "other"),
    (CV + "graf1.png", "other"),
    (PLASMA.format("FallenLeaf"), "other"),
    (PLASMA.format("OneStandsOut"), "other"),
    *((MATE + f"{n}.jpg", "other") for n in ("Aqua", "Blinds", "FreshFlower", "Garden", "GreenMeadow")),
    *((MATE + f"{n}.jpg", "other") for n in ("LadyBird", "RainDrops", "TwoWings", "YellowFlower", "Wood")),
    *((CVT + f"scenetext0{i}.jpg", "other") for i in range(1, 7)),
)

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
CAMERA_EXIF = {271: "Xintu Test Camera", 272: "EVAL-1"}  # Make, Model


def fetch_debs(cache: Path) -> Path:
    root = cache / "root"
    if root.exists():
        return root
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *DEBS], cwd=debs, check=True)
    for deb in debs.glob("*.deb"):
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


def resolve(source: str, deb_root: Path) -> Path:
    kind, _, rest = source.partition(":")
    if kind == "deb":
        return deb_root / rest.lstrip("/")
    package, _, inner = rest.partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"install {package} (tools/models/requirements-export.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / inner


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


# -- ID documents ---------------------------------------------------------------------------------------------


def _face(deb_root: Path, which: int) -> Image.Image:
    """A real face crop (from the packaged portraits) for the document photo."""
    sources = [
        ("py:skimage/data/astronaut.png", (130, 10, 330, 260)),
        ("py:matplotlib/mpl-data/sample_data/grace_hopper.jpg", (90, 40, 420, 460)),
        (CVH + "230501201_1.jpg", (0, 0, 10_000, 10_000)),
        (CVH + "227943776_1.jpg", (0, 0, 10_000, 10_000)),
    ]
    src, box = sources[which % len(sources)]
    img = Image.open(resolve(src, deb_root)).convert("RGB")
    return img.crop((box[0], box[1], min(box[2], img.width), min(box[3], img.height)))


def _card(size: tuple[int, int], tint: tuple[int, int, int], seed: int) -> Image.Image:
    rng = random.Random(seed)
    card = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(card)
    for _ in range(60):  # faint guilloche-like background lines, as on real cards
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.arc((x0 - 200, y0 - 120, x0 + 200, y0 + 120), 0, 300, fill=tuple(max(0, c - 18) for c in tint))
    return card


def id_front(deb_root: Path, seed: int) -> Image.Image:
    card = _card((856, 540), (232, 238, 240), seed)
    d = ImageDraw.Draw(card)
    label, value = font(26), font(30)
    rows = [
        ("姓名", "张 三"),
        ("性别", "男      民族  汉"),
        ("出生", "1990 年 1 月 1 日"),
        ("住址", "北京市东城区示例路 1 号"),
    ]
    for i, (k, v) in enumerate(rows):
        d.text((50, 50 + i * 70), k, font=label, fill=(60, 110, 160))
        d.text((140, 46 + i * 70), v, font=value, fill=(20, 20, 20))
    d.text((50, 440), "公民身份号码", font=label, fill=(60, 110, 160))
    d.text((240, 436), "11010119900101123X", font=font(34), fill=(20, 20, 20))
    card.paste(_face(deb_root, seed).resize((220, 270)), (590, 60))
    return card


def id_back(seed: int) -> Image.Image:
    card = _card((856, 540), (236, 232, 226), seed)
    d = ImageDraw.Draw(card)
    d.ellipse((60, 50, 200, 190), outline=(200, 40, 40), width=8)
    d.text((260, 80), "中华人民共和国", font=font(56), fill=(30, 30, 30))
    d.text((300, 170), "居民身份证", font=font(70), fill=(30, 30, 30))
    d.text((120, 360), "签发机关", font=font(28), fill=(30, 30, 30))
    d.text((280, 356), "北京市公安局东城分局", font=font(30), fill=(30, 30, 30))
    d.text((120, 430), "有效期限", font=font(28), fill=(30, 30, 30))
    d.text((280, 426), "2015.01.01-2035.01.01", font=font(30), fill=(30, 30, 30))
    return card


def passport(deb_root: Path, seed: int) -> Image.Image:
    page = _card((1250, 880), (226, 236, 228), seed)
    d = ImageDraw.Draw(page)
    d.text((60, 40), "中华人民共和国  护照", font=font(40), fill=(40, 40, 40))
    d.text((60, 95), "PEOPLE'S REPUBLIC OF CHINA   PASSPORT", font=font(30), fill=(40, 40, 40))
    page.paste(_face(deb_root, seed + 1).resize((300, 380)), (60, 170))
    fields = [
        ("类型/Type  P", "国家码/Country Code  CHN"),
        ("姓/Surname", "ZHANG"),
        ("名/Given names", "SAN"),
        ("性别/Sex  M", "出生日期/Date of birth  01 JAN 1990"),
        ("签发日期/Date of issue  01 JAN 2020", "有效期至/Date of expiry  31 DEC 2029"),
    ]
    for i, (a, b) in enumerate(fields):
        d.text((400, 180 + i * 75), a, font=font(26), fill=(30, 30, 30))
        d.text((780, 180 + i * 75), b, font=font(26), fill=(30, 30, 30))
    mrz = font(38)
    d.text((50, 700), "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<", font=mrz, fill=(10, 10, 10))
    d.text((50, 770), "E123456784CHN9001011M2912315<<<<<<<<<<<<<<04", font=mrz, fill=(10, 10, 10))
    return page


def driving_licence(deb_root: Path, seed: int) -> Image.Image:
    card = _card((880, 600), (238, 240, 236), seed)
    d = ImageDraw.Draw(card)
    d.text((90, 30), "中华人民共和国机动车驾驶证", font=font(44), fill=(20, 20, 60))
    d.text((150, 90), "Driving License of the People's Republic of China", font=font(22), fill=(20, 20, 60))
    rows = [
        ("证号", "11010119900101123X"),
        ("姓名 Name", "张三"),
        ("性别 Sex  男", "国籍 Nationality  中国"),
        ("住址 Address", "北京市东城区示例路 1 号"),
        ("出生日期 Date of Birth", "1990-01-01"),
        ("准驾车型 Class", "C1"),
        ("有效期限 Valid Period", "2020-01-01 至 2030-01-01"),
    ]
    for i, (k, v) in enumerate(rows):
        d.text((40, 150 + i * 60), k, font=font(24), fill=(30, 30, 30))
        d.text((330, 148 + i * 60), v, font=font(26), fill=(10, 10, 10))
    card.paste(_face(deb_root, seed + 2).resize((180, 230)), (670, 170))
    return card


def _perspective(card: Image.Image, background: Image.Image, rng: random.Random) -> Image.Image:
    """Place the card at an angle on the background, as a phone photo of a card on a table would show it."""
    import numpy as np

    bw, bh = background.size
    cw = int(bw * rng.uniform(0.45, 0.7))
    ch = int(cw * card.height / card.width)
    cx, cy = bw / 2 + rng.uniform(-0.1, 0.1) * bw, bh / 2 + rng.uniform(-0.08, 0.08) * bh
    angle = np.deg2rad(rng.uniform(-18, 18))
    corners = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = corners @ rot.T + [cx, cy]
    dst[:2, 0] += np.array([1, -1]) * rng.uniform(0, 0.06) * cw  # top edge shorter: camera tilted
    src = np.array([[0, 0], [card.width, 0], [card.width, card.height], [0, card.height]], dtype=float)
    # Solve the 8 perspective coefficients mapping output pixels back to card pixels (what PIL expects).
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    coeffs = np.linalg.solve(np.array(rows), np.array(rhs))
    warped = card.transform((bw, bh), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC)
    mask = Image.new("L", card.size, 255).transform((bw, bh), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC)
    shadow = Image.new("RGB", (bw, bh), (0, 0, 0))
    out = background.copy()
    out.paste(shadow, (12, 16), mask.filter(ImageFilter.GaussianBlur(14)).point(lambda p: p // 3))
    out.paste(warped, (0, 0), mask)
    return out.filter(ImageFilter.GaussianBlur(0.8))


def build_ids(out: Path, deb_root: Path) -> list[dict]:
    items = []
    tables = [resolve(MATE + "Wood.jpg", deb_root), resolve(PLASMA.format("Grey"), deb_root)]
    makers = [
        ("id_front", lambda s: id_front(deb_root, s)),
        ("id_back", id_back),
        ("passport", lambda s: passport(deb_root, s)),
        ("driving_licence", lambda s: driving_licence(deb_root, s)),
    ]
    for name, make in makers:
        for variant in range(4):
            rng = random.Random(f"{name}-{variant}")
            card = make(variant)
            path = out / "synthetic" / "idcard" / f"{name}_{variant}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            if variant == 0:  # flat scan with a margin, no EXIF
                page = Image.new("RGB", (card.width + 80, card.height + 80), (250, 250, 250))
                page.paste(card, (40, 40))
                page.save(path, quality=90)
            else:  # 12 MP phone photo on a table
                table = Image.open(tables[variant % 2]).convert("RGB").resize((4000, 3000), Image.BICUBIC)
                shot = _perspective(card.resize((card.width * 2, card.height * 2), Image.BICUBIC), table, rng)
                exif = Image.Exif()
                for k, v in CAMERA_EXIF.items():
                    exif[k] = v
                shot.save(path, quality=88, exif=exif)
            items.append(
                {"path": str(path.relative_to(out)), "label": "idcard", "kind": "synthetic", "source": name}
            )
    return items


# -- screenshots ----------------------------------------------------------------------------------------------

STATUS = '<div class="bar"><span>{clock}</span><span>5G ▮▮▮ 88%</span></div>'
PAGES = {
    "chat": """<div class="title">微信 (3)</div>{rows}""",
    "settings": """<div class="title">设置</div>{rows}""",
    "shop": """<div class="title">购物车</div>{rows}<div class="btn">结算 (3)</div>""",
    "news": """<div class="title">今日热点</div>{rows}""",
}
ROWS = {
    "chat": [
        ("小王", "周末一起去爬山吗？"),
        ("家人群", "[图片]"),
        ("李老师", "作业已经批改完了"),
        ("订阅号", "新品上市"),
    ],
    "settings": [("无线局域网", "已连接"), ("蓝牙", "打开"), ("通知", ""), ("显示与亮度", ""), ("隐私", "")],
    "shop": [("保温杯 500ml", "¥ 89.00"), ("无线耳机", "¥ 299.00"), ("数据线 2 条装", "¥ 25.90")],
    "news": [
        ("城市马拉松周日开跑", "12 万阅读"),
        ("新地铁线路试运行", "8 万阅读"),
        ("秋季赏枫好去处", "5 万阅读"),
    ],
}
CSS = """body{margin:0;font-family:'WenQuanYi Micro Hei',sans-serif;background:%s;color:%s}
.bar{display:flex;justify-content:space-between;padding:10px 22px 6px;font-size:15px;font-weight:bold}
.title{font-size:20px;font-weight:bold;padding:12px 18px;border-bottom:1px solid #ddd}
.row{display:flex;justify-content:space-between;padding:16px 18px;border-bottom:1px solid #e5e5e5;font-size:16px}
.row small{color:#888}.btn{margin:24px;padding:14px;text-align:center;background:#07c160;color:#fff;border-radius:8px}"""


def _page_html(kind: str, clock: str, dark: bool) -> str:
    rows = "".join(f'<div class="row"><span>{a}</span><small>{b}</small></div>' for a, b in ROWS[kind] * 2)
    colours = ("#111", "#eee") if dark else ("#f7f7f7", "#111")
    body = STATUS.format(clock=clock) + PAGES[kind].format(rows=rows)
    return (
        f"<html><head><meta charset='utf-8'><style>{CSS % colours}</style></head><body>{body}</body></html>"
    )


def render_chromium(html: str, png: Path, css_size: tuple[int, int], dpr: float) -> bool:
    chromium = shutil.which("chromium")
    if chromium is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp}/profile", f"--window-size={css_size[0]},{css_size[1]}",
            f"--force-device-scale-factor={dpr}", f"--screenshot={png}", page.as_uri(),
        ]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return png.exists()


def render_pillow(kind: str, clock: str, dark: bool, png: Path, size: tuple[int, int]) -> None:
    bg, fg = ((17, 17, 17), (238, 238, 238)) if dark else ((247, 247, 247), (17, 17, 17))
    scale = size[0] / 390
    img = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(img)
    d.text((22 * scale, 10 * scale), clock, font=font(int(15 * scale)), fill=fg)
    d.text(
        (18 * scale, 50 * scale), PAGES[kind].split(">")[1].split("<")[0], font=font(int(20 * scale)), fill=fg
    )
    for i, (a, b) in enumerate(ROWS[kind] * 2):
        y = (100 + i * 52) * scale
        d.text((18 * scale, y), a, font=font(int(16 * scale)), fill=fg)
        d.text((250 * scale, y), b, font=font(int(14 * scale)), fill=(136, 136, 136))
        d.line((0, y + 40 * scale, size[0], y + 40 * scale), fill=(229, 229, 229))
    img.save(png)


def build_screenshots(out: Path) -> list[dict]:
    items = []
    phones = [((390, 844), 3.0), ((360, 800), 3.0), ((360, 780), 3.0), ((412, 915), 2.625)]
    clocks = ["9:41", "14:05", "08:30", "23:17"]
    folder = out / "synthetic" / "screenshot"
    folder.mkdir(parents=True, exist_ok=True)
    for i, kind in enumerate(PAGES):
        for j, ((w, h), dpr) in enumerate(phones):
            dark = (i + j) % 3 == 0
            png = folder / f"{kind}_{j}.png"
            size = (round(w * dpr), round(h * dpr))
            if not render_chromium(_page_html(kind, clocks[j], dark), png, (w, h), dpr):
                render_pillow(kind, clocks[j], dark, png, size)
            items.append(
                {
                    "path": str(png.relative_to(out)),
                    "label": "screenshot",
                    "kind": "synthetic",
                    "source": png.name,
                }
            )
            if j % 2 == 0:  # re-shared copy: JPEG at a non-native size, no EXIF (defeats the cheap size rule)
                jpg = folder / f"{kind}_{j}_shared.jpg"
                img = Image.open(png).convert("RGB")
                img.resize((round(img.width * 0.75), round(img.height * 0.75)), Image.BILINEAR).save(
                    jpg, quality=80
                )
                items.append(
                    {
                        "path": str(jpg.relative_to(out)),
                        "label": "screenshot",
                        "kind": "synthetic",
                        "source": jpg.name,
                    }
                )
    return items


def build_real(out: Path, deb_root: Path) -> list[dict]:
    items = []
    for source, label in REAL:
        src = resolve(source, deb_root)
        parts = src.parts
        name = f"{parts[-4]}_{src.name}" if "wallpapers" in parts else src.name
        dest = out / "real" / label / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        items.append({"path": str(dest.relative_to(out)), "label": label, "kind": "real", "source": source})
    return items


# Small committed fixtures (tests/fixtures/photos/<label>/...): (path in the set, longest side or None to copy).
FIXTURES = (
    ("real/pets/chelsea.png", 480),
    ("real/pets/dog.jpg", 480),
    ("real/foods/coffee.png", 480),
    ("real/single_person/astronaut.png", 480),
    ("real/single_person/grace_hopper.jpg", 480),
    ("real/travel_scenery/china.jpg", None),
    ("real/other/motorcycle_left.png", 480),
    ("synthetic/screenshot/chat_1.png", None),
    ("synthetic/screenshot/news_0_shared.jpg", None),
    ("synthetic/idcard/id_back_0.jpg", None),
    ("synthetic/idcard/passport_2.jpg", 2000),
)


def write_fixtures(out: Path, dest: Path) -> None:
    """Copy (and shrink) a few images of the built set into the test fixtures; JPEG keeps them small."""
    for rel, side in FIXTURES:
        src = out / rel
        label = rel.split("/")[1]
        target = dest / label / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if side is None:
            shutil.copyfile(src, target)
            continue
        img = Image.open(src)
        exif = img.getexif()
        img = img.convert("RGB")
        img.thumbnail((side, side), Image.LANCZOS)
        img.save(target.with_suffix(".jpg"), quality=85, exif=exif)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "xintu-eval-debs")
    parser.add_argument("--fixtures", type=Path, help="also write the small committed fixture set here")
    args = parser.parse_args()
    if not (args.fixtures and (args.out / "manifest.json").exists()):
        build(args.out, args.cache)
    if args.fixtures:
        write_fixtures(args.out, args.fixtures)


def build(out: Path, cache: Path) -> None:
    deb_root = fetch_debs(cache)
    out.mkdir(parents=True, exist_ok=True)
    items = build_real(out, deb_root) + build_screenshots(out) + build_ids(out, deb_root)
    (out / "manifest.json").write_text(json.dumps({"items": items}, indent=1, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for it in items:
        counts[f"{it['kind']}/{it['label']}"] = counts.get(f"{it['kind']}/{it['label']}", 0) + 1
    print(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main()
