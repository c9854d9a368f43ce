"""Rendered app screenshots for the evaluation set: headless Debian ``chromium`` draws HTML pages of common app
kinds (chat, settings, news, shopping grid with product photos, photo gallery, video feed, desktop browser)
with a phone status bar and navigation bar; each is kept as the native PNG and as JPEGs re-shared at other
sizes. Page content and colours come from a seeded RNG so a seed always renders the same page.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

CSS = """body{margin:0;font-family:'%(font)s',sans-serif;background:%(bg)s;color:%(fg)s}
.bar{display:flex;justify-content:space-between;padding:10px 22px 6px;font-size:15px;font-weight:bold}
.title{font-size:20px;font-weight:bold;padding:12px 18px;border-bottom:1px solid %(line)s;display:flex;justify-content:space-between}
.row{display:flex;justify-content:space-between;align-items:center;padding:14px 18px;border-bottom:1px solid %(line)s;font-size:16px}
.row small{color:#888}.avatar{width:44px;height:44px;border-radius:8px;background:%(accent)s;margin-right:12px;flex:none}
.grid{display:grid;grid-template-columns:repeat(%(cols)d,1fr);gap:%(gap)dpx;padding:%(gap)dpx}
.grid img{width:100%%;aspect-ratio:1;object-fit:cover;display:block;border-radius:%(radius)dpx}
.card{background:%(card)s;border-radius:8px;overflow:hidden;font-size:13px}.card p{margin:6px 8px}
.price{color:#e4393c;font-weight:bold}.btn{margin:18px;padding:12px;text-align:center;background:%(accent)s;color:#fff;border-radius:8px}
.nav{position:fixed;bottom:0;left:0;right:0;display:flex;justify-content:space-around;padding:8px 0 18px;border-top:1px solid %(line)s;background:%(bg)s;font-size:12px}
.gesture{position:fixed;bottom:6px;left:35%%;right:35%%;height:5px;border-radius:3px;background:%(fg)s}
.feed img{width:100%%;display:block}.feed .row{border:none}
.window{border:1px solid #999;margin:0}.tabs{background:#dee1e6;padding:8px;font-size:13px}
.url{background:#fff;margin:6px 8px;padding:6px 12px;border-radius:14px;font-size:13px;color:#333}"""

CHATS = [
    "周末一起去爬山吗？",
    "[图片]",
    "作业已经批改完了",
    "新品上市，点击查看",
    "好的，明天见",
    "收到",
    '[语音] 12"',
]
NAMES = ["小王", "家人群", "李老师", "订阅号", "妈妈", "项目组", "快递小哥", "张经理"]
SETTINGS = ["无线局域网", "蓝牙", "移动网络", "通知", "显示与亮度", "声音与振动", "隐私", "电池", "存储空间"]
NEWS = ["城市马拉松周日开跑", "新地铁线路试运行", "秋季赏枫好去处", "本周天气：晴转多云", "博物馆夜场开放"]
PRODUCTS = ["有机苹果 5 斤装", "手冲咖啡豆", "新鲜橙子", "进口水果礼盒", "家庭装零食", "草莓 500g"]


def _status(clock: str, rng: random.Random) -> str:
    right = rng.choice(["5G ▮▮▮ 88%", "4G ▮▮ 61%", "WiFi ▮▮▮▮ 100%", "▮▮▮ 23% ⚡"])
    return f'<div class="bar"><span>{clock}</span><span>{right}</span></div>'


def _nav(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return '<div class="gesture"></div>'
    labels = rng.choice(
        [["首页", "分类", "购物车", "我的"], ["微信", "通讯录", "发现", "我"], ["◁", "○", "□"]]
    )
    return '<div class="nav">' + "".join(f"<span>{x}</span>" for x in labels) + "</div>"


def _rows(items: list[tuple[str, str]], avatar: bool) -> str:
    lead = '<div class="avatar"></div>' if avatar else ""
    return "".join(
        f'<div class="row"><span style="display:flex;align-items:center">{lead}{a}</span><small>{b}</small></div>'
        for a, b in items
    )


def page(kind: str, rng: random.Random, photos: list[Path], font: str) -> tuple[str, bool]:
    """HTML for one page kind; returns (html, landscape)."""
    dark = rng.random() < 0.3
    style = {
        "font": font,
        "bg": "#111" if dark else rng.choice(["#f7f7f7", "#ffffff", "#f2f3f5"]),
        "fg": "#eee" if dark else "#111",
        "line": "#333" if dark else "#e5e5e5",
        "card": "#222" if dark else "#fff",
        "accent": rng.choice(["#07c160", "#1677ff", "#fa541c", "#e4393c"]),
        "cols": rng.choice([2, 3, 4]) if kind == "gallery" else 2,
        "gap": rng.choice([2, 4, 8]),
        "radius": rng.choice([0, 4, 8]),
    }
    clock = f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"
    pick = rng.sample(photos, k=min(len(photos), 12))
    landscape = False
    if kind == "chat":
        body = '<div class="title">微信 (3)<span>＋</span></div>' + _rows(
            [(rng.choice(NAMES), rng.choice(CHATS)) for _ in range(10)], True
        )
    elif kind == "settings":
        body = '<div class="title">设置</div>' + _rows(
            [(s, rng.choice(["", "已连接", "打开", "›"])) for s in SETTINGS], False
        )
    elif kind == "news":
        body = '<div class="title">今日热点</div>'
        for title in rng.sample(NEWS, 4):
            body += f'<div class="row"><span>{title}</span><small>{rng.randint(1, 90)} 万阅读</small></div>'
            if rng.random() < 0.5:
                body += f'<div class="feed"><img src="{pick.pop().as_uri()}" style="height:180px;object-fit:cover"></div>'
    elif kind == "shop":
        cards = "".join(
            f'<div class="card"><img src="{p.as_uri()}"><p>{rng.choice(PRODUCTS)}</p>'
            f'<p class="price">¥ {rng.randint(9, 199)}.{rng.randint(0, 99):02d}</p></div>'
            for p in pick[:6]
        )
        body = '<div class="title">搜索 水果<span>筛选</span></div>' + f'<div class="grid">{cards}</div>'
    elif kind == "gallery":
        imgs = "".join(f'<img src="{p.as_uri()}">' for p in pick)
        body = f'<div class="title">相册<span>选择</span></div><div style="padding:8px 18px;font-size:13px">今天 · {len(pick)} 张</div><div class="grid">{imgs}</div>'
    elif kind == "video":
        body = '<div class="title">推荐<span>搜索</span></div>'
        for p in pick[:3]:
            body += f'<div class="feed"><img src="{p.as_uri()}" style="height:210px;object-fit:cover"></div>'
            body += f'<div class="row"><span>{rng.choice(NEWS)}</span><small>{rng.randint(1, 99)}万次播放</small></div>'
    else:  # desktop browser window
        landscape = True
        imgs = "".join(
            f'<img src="{p.as_uri()}" style="width:23%;margin:1%;height:160px;object-fit:cover">'
            for p in pick[:8]
        )
        body = (
            '<div class="window"><div class="tabs">● ● ●  新标签页 ×   示例网站 ×</div>'
            '<div class="url">https://www.example.com/travel</div>'
            f'<div class="title">{rng.choice(NEWS)}</div><div style="padding:8px">{imgs}</div>'
            + "".join(
                f"<p style='margin:8px 18px'>{t}。{t}，{rng.choice(CHATS)}</p>" for t in rng.sample(NEWS, 3)
            )
            + "</div>"
        )
        return (
            f"<html><head><meta charset='utf-8'><style>{CSS % style}</style></head><body>{body}</body></html>",
            landscape,
        )
    html = _status(clock, rng) + body + _nav(rng)
    return (
        f"<html><head><meta charset='utf-8'><style>{CSS % style}</style></head><body>{html}</body></html>",
        landscape,
    )


KINDS = ("chat", "settings", "news", "shop", "gallery", "video", "desktop")
PHONES = [((390, 844), 3.0), ((360, 800), 3.0), ((412, 915), 2.625), ((393, 852), 3.0), ((360, 780), 2.0)]
DESKTOPS = [((1440, 900), 1.0), ((1280, 800), 1.5), ((1920, 1080), 1.0)]


def render(html: str, png: Path, css_size: tuple[int, int], dpr: float) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("install Debian chromium (apt-get install chromium) to render the screenshots")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "page.html"
        page_file.write_text(html, encoding="utf-8")
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--allow-file-access-from-files", f"--user-data-dir={tmp}/profile",
            f"--window-size={css_size[0]},{css_size[1]}", f"--force-device-scale-factor={dpr}",
            f"--screenshot={png}", page_file.as_uri(),
        ]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=90)


def reshare(png: Path, jpg: Path, scale: float, quality: int) -> None:
    """A screenshot sent through a chat app: JPEG, resized, no EXIF."""
    img = Image.open(png).convert("RGB")
    if scale != 1.0:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BILINEAR)
    img.save(jpg, quality=quality)
