"""Drawing the report's charts with matplotlib: PNG for Word and PDF, SVG for HTML.

Chinese labels need a CJK font. The first one found among the usual free and Windows fonts is
used; with none installed, :class:`NoChineseFont` says which Debian package to install rather
than drawing empty boxes. SVG text is drawn as paths, so the HTML needs no font at all.
"""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from jixiao.adapters.report.content import Chart

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UKai CN",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
INK = "#1f3b5b"
LIGHT = "#d6e0ec"
ACCENT = "#c0392b"


class NoChineseFont(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "未找到可用于图表的中文字体。请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install "
            "fonts-noto-cjk），或文泉驿正黑（fonts-wqy-zenhei），然后重试。"
        )


@cache
def chinese_font() -> str:
    """The family name of an installed CJK font; :class:`NoChineseFont` when there is none."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FONTS:
        if family in installed:
            return family
    raise NoChineseFont


def _percent(value: Decimal) -> float:
    return float(value * 100)


def _settings() -> dict[Any, Any]:
    """Drawing settings, applied only while a chart is drawn (never to matplotlib's globals)."""
    return {"font.family": [chinese_font()], "axes.unicode_minus": False, "svg.fonttype": "path"}


def _figure(chart: Chart) -> Figure:
    if chart.kind == "progress_lines":
        figure, axes = plt.subplots(figsize=(7.2, 3.4), dpi=150)
        positions = range(len(chart.labels))
        axes.plot(
            positions,
            [_percent(v) for v in chart.values],
            marker="o",
            color=INK,
            linewidth=2,
            label="累计支出进度",
        )
        axes.plot(
            positions,
            [_percent(v) for v in chart.second],
            linestyle="--",
            color=ACCENT,
            linewidth=1.5,
            label="序时进度",
        )
        axes.set_xticks(list(positions), chart.labels, fontsize=8)
        axes.set_ylim(0, 105)
        axes.set_ylabel("%", fontsize=9)
        axes.legend(fontsize=8, frameon=False, loc="lower right")
        for position, value in zip(positions, chart.values, strict=True):
            axes.annotate(
                f"{_percent(value):.1f}",
                (position, _percent(value)),
                fontsize=7,
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                color=INK,
            )
    elif chart.kind == "count_bars":  # how many departments in each class (the bureau's summary)
        figure, axes = plt.subplots(figsize=(7.2, 3.0), dpi=150)
        columns = list(range(len(chart.labels)))
        counts = [int(v) for v in chart.values]
        axes.bar(columns, counts, color=INK, width=0.6)
        for column, count in zip(columns, counts, strict=True):
            axes.annotate(
                str(count),
                (column, count),
                fontsize=8,
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                color=INK,
            )
        axes.set_xticks(columns, chart.labels, fontsize=8)
        axes.set_ylim(0, max(counts, default=0) * 1.2 + 1)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("个", fontsize=9)
    else:
        height = max(2.4, 0.34 * len(chart.labels) + 0.8)
        figure, axes = plt.subplots(figsize=(7.2, height), dpi=150)
        bars = list(range(len(chart.labels)))[::-1]
        if chart.kind == "score_bars":
            axes.barh(bars, [float(v) for v in chart.second], color=LIGHT, label="分值")
            axes.barh(bars, [float(v) for v in chart.values], color=INK, height=0.5, label="得分")
            for position, score, points in zip(bars, chart.values, chart.second, strict=True):
                axes.text(
                    float(points) + 0.3,
                    position,
                    f"{score.normalize():f} / {points.normalize():f}",
                    va="center",
                    fontsize=7,
                )
            axes.legend(fontsize=8, frameon=False, loc="lower right")
            axes.set_xlim(0, float(max(chart.second, default=Decimal(1))) * 1.2)
        else:
            axes.barh(bars, [_percent(v) for v in chart.values], color=INK, height=0.55)
            axes.axvline(100, color=ACCENT, linestyle="--", linewidth=1)
            for position, value in zip(bars, chart.values, strict=True):
                axes.text(
                    _percent(value) + 1,
                    position,
                    f"{_percent(value):.2f}%",
                    va="center",
                    fontsize=7,
                )
            axes.set_xlim(0, 118)
            axes.set_xlabel("%", fontsize=9)
        axes.set_yticks(bars, chart.labels, fontsize=8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return figure


def render_png(chart: Chart) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context(_settings()):
        figure = _figure(chart)
        figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def render_svg(chart: Chart) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_settings()):
        figure = _figure(chart)
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]
