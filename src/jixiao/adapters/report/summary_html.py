"""The bureau's summary report as HTML. The web page renders the blocks of ``content.Report``
through a Django template (``summary/blocks.html``, from :func:`page_blocks`: every text escaped
by Django, no ``|safe``) under the Content-Security-Policy — no script, no ``style`` element or
attribute: charts are SVG bars (:func:`bars`) with presentation attributes, tables styled by
the site's CSS. For ``jixiao summary --out FILE.html`` the same blocks are written here as one
self-contained file whose only style is its own ``<style>`` element (a file opened from disk
has no site CSS).

Charts (``count_bars``) are drawn here rather than by matplotlib, whose SVG carries ``style``
attributes the policy refuses; Word keeps matplotlib's PNG (``charts.render_png``)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.report.content import Chart, Heading, Paragraph, Report, Table
from jixiao.adapters.report.html import STYLE
from jixiao.adapters.report.summary import ADDRESSEE

INK = "#1f3b5b"
NUMBER = ' class="number"'
WIDTH, HEIGHT, BASE, TOP = 600, 240, 200, 24
LABEL_Y = BASE + 22


@dataclass(frozen=True)
class Bar:
    """One bar of a ``count_bars`` chart in the SVG's coordinates (``WIDTH`` × ``HEIGHT``)."""

    x: str
    y: str
    width: str
    height: str
    middle: str  # the centre of the bar's slot, for its labels
    count_y: str  # where its count is written, above it
    label: str
    count: int


def bars(chart: Chart) -> list[Bar]:
    """The bars of ``chart``, heights relative to the largest count (coordinates as text with
    one decimal, ready for the SVG's attributes)."""
    counts = [int(v) for v in chart.values]
    top = max(counts, default=0) or 1
    slot = WIDTH / max(len(counts), 1)
    found = []
    for index, (label, count) in enumerate(zip(chart.labels, counts, strict=True)):
        height = (BASE - TOP) * count / top
        found.append(
            Bar(
                x=f"{slot * index + slot * 0.2:.1f}",
                y=f"{BASE - height:.1f}",
                width=f"{slot * 0.6:.1f}",
                height=f"{height:.1f}",
                middle=f"{slot * index + slot / 2:.1f}",
                count_y=f"{BASE - height - 6:.1f}",
                label=label,
                count=count,
            )
        )
    return found


def chart_svg(chart: Chart) -> str:
    """The chart as SVG with presentation attributes only (the web page draws the same
    :func:`bars` in its template).

    >>> from decimal import Decimal
    >>> svg = chart_svg(Chart("图", "count_bars", ("优", "良"), (Decimal(1), Decimal(2))))
    >>> svg.count("<rect"), "style" in svg
    (2, False)
    """
    parts = [
        f'<svg class="summary-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(chart.title)}">',
        f'<line x1="0" x2="{WIDTH}" y1="{BASE}" y2="{BASE}" stroke="#777" stroke-width="1"/>',
    ]
    for bar in bars(chart):
        parts.append(
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" '
            f'fill="{INK}"><title>{escape(bar.label)}：{bar.count}</title></rect>'
            f'<text x="{bar.middle}" y="{bar.count_y}" text-anchor="middle" font-size="14" '
            f'fill="{INK}">{bar.count}</text>'
            f'<text x="{bar.middle}" y="{LABEL_Y}" text-anchor="middle" font-size="13">'
            f"{escape(bar.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def page_blocks(report: Report) -> list[dict[str, object]]:
    """The report's blocks as plain data for a Django template, which escapes every text
    (``summary/blocks.html``): the web page needs no ``|safe``."""
    found: list[dict[str, object]] = []
    for block in report.blocks:
        if isinstance(block, Heading):
            found.append({"kind": "heading", "level": block.level, "text": block.text})
        elif isinstance(block, Paragraph):
            found.append({"kind": "paragraph", "text": block.text})
        elif isinstance(block, Table):
            rows = [
                [(text, column in block.numeric) for column, text in enumerate(row)]
                for row in block.rows
            ]
            total = (
                [(text, column in block.numeric) for column, text in enumerate(block.total)]
                if block.total
                else None
            )
            found.append(
                {
                    "kind": "table",
                    "title": block.title,
                    "unit": block.unit,
                    "header": block.header,
                    "rows": rows,
                    "total": total,
                }
            )
        else:
            found.append(
                {
                    "kind": "chart",
                    "title": block.title,
                    "caption": block.caption,
                    "bars": bars(block),
                }
            )
    return found


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(text)}</th>" for text in table.header)
    rows = list(table.rows) + ([table.total] if table.total else [])
    body = []
    for index, row in enumerate(rows):
        kind = ' class="total"' if table.total and index == len(rows) - 1 else ""
        cells = "".join(
            f"<td{NUMBER if column in table.numeric else ''}>{escape(text)}</td>"
            for column, text in enumerate(row)
        )
        body.append(f"<tr{kind}>{cells}</tr>")
    unit = f'<div class="unit">{escape(table.unit)}</div>' if table.unit else ""
    return (
        f'<div class="table-title">{escape(table.title)}</div>{unit}'
        f'<table class="list summary-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_blocks(report: Report, addressee: str = ADDRESSEE) -> str:
    """The report under its title as an HTML fragment, every text escaped."""
    parts = [
        f'<h1 class="summary-title">{escape(report.title)}</h1>',
        f'<p class="addressee">{escape(addressee)}：</p>',
    ]
    for block in report.blocks:
        if isinstance(block, Heading):
            level = block.level + 1
            parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(_table(block))
        else:
            note = f'<div class="note">{escape(block.caption)}</div>' if block.caption else ""
            parts.append(
                f"<figure>{chart_svg(block)}<figcaption>{escape(block.title)}</figcaption>"
                f"{note}</figure>"
            )
    return "\n".join(parts)


def render_summary_html(report: Report) -> str:
    """A self-contained HTML file of the report (styles in its own ``<style>`` element)."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN"><head><meta charset="utf-8">',
            f"<title>{escape(report.title)}</title><style>{STYLE}"
            "p.addressee { text-indent: 0; }</style></head><body>",
            render_blocks(report),
            "</body></html>",
        ]
    )


def write_summary_html(report: Report, path: Path) -> None:
    replace_atomically(path, render_summary_html(report).encode("utf-8"))
