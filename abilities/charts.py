"""The radar chart of the ability center, drawn server-side with matplotlib (imported lazily: it is slow).

SVG keeps its text as text (``svg.fonttype: none``), so the browser draws the Chinese names with its own fonts.
PNG is rasterised here and needs a CJK font on the server (see the README); without one the labels fall back to
the dimension codes rather than empty boxes.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import warnings
from dataclasses import dataclass

logger = logging.getLogger(__name__)

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
# Looked up by family name in matplotlib's font list, first found wins.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
NOW_COLOUR, BEFORE_COLOUR = "#d6457a", "#8c8c8c"


@dataclass(frozen=True)
class Axis:
    code: str
    name: str
    now: float | None
    before: float | None


@functools.cache
def cjk_family() -> str | None:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    family = next((name for name in CJK_FAMILIES if name in installed), None)
    if family is None:
        logger.warning("no CJK font found: PNG radar charts label axes with dimension codes")
    return family


def radar(axes: list[Axis], fmt: str, *, compare_days: int = 30) -> bytes:
    """Now against ``compare_days`` ago on one radar; a chart that says so when nothing is scored yet."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cjk = cjk_family()
    chinese = fmt == "svg" or cjk is not None
    families = [*([cjk] if cjk else []), "DejaVu Sans", "sans-serif"]
    rc = {"svg.fonttype": "none", "font.family": families, "svg.hashsalt": "xintu"}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        # SVG text is drawn by the browser: glyphs missing from the server's fonts do not matter there.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure = Figure(figsize=(6, 6), dpi=100)
        FigureCanvasAgg(figure)  # no pyplot, no global backend: safe in a threaded server
        labels = [axis.name if chinese else axis.code for axis in axes]
        if not axes or all(axis.now is None and axis.before is None for axis in axes):
            message = "暂无能力记录\n完成服务并生成效果对比后显示" if chinese else "No ability records yet"
            figure.text(0.5, 0.5, message, ha="center", va="center", fontsize=16, color="#555555")
        else:
            _draw(figure, axes, labels, chinese, compare_days)
        buffer = io.BytesIO()
        # No creation date in the SVG (and fixed ids, svg.hashsalt), so the same data gives the same bytes.
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def _draw(figure, axes: list[Axis], labels: list[str], chinese: bool, compare_days: int) -> None:
    plot = figure.add_subplot(projection="polar")
    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    closed = [*angles, angles[0]]
    series = [
        (
            [a.before for a in axes],
            BEFORE_COLOUR,
            f"{compare_days} 天前" if chinese else f"{compare_days} days ago",
        ),
        ([a.now for a in axes], NOW_COLOUR, "现在" if chinese else "now"),
    ]
    for values, colour, label in series:
        if all(v is None for v in values):
            continue
        points = [v or 0.0 for v in values]
        points.append(points[0])
        plot.plot(closed, points, color=colour, linewidth=2, label=label)
        plot.fill(closed, points, color=colour, alpha=0.15)
    plot.set_xticks(angles, labels, fontsize=12)
    plot.set_ylim(0, 100)
    plot.set_yticks([20, 40, 60, 80, 100], ["20", "40", "60", "80", "100"], fontsize=8, color="#888888")
    plot.set_theta_offset(math.pi / 2)
    plot.set_theta_direction(-1)
    plot.legend(loc="upper right", bbox_to_anchor=(1.15, 1.12), frameon=False)
    figure.subplots_adjust(left=0.12, right=0.88, top=0.85, bottom=0.1)
