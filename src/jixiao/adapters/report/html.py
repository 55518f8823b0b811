"""The report as one self-contained HTML file: styles inline, charts as inline SVG, no request to
any other address — it opens the same on an intranet PC with no network, and prints on A4."""

from __future__ import annotations

from html import escape
from pathlib import Path

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.report.charts import render_svg
from jixiao.adapters.report.content import Chart, Heading, Paragraph, Report, Table

STYLE = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "仿宋_GB2312", "仿宋", FangSong, "STFangsong", "Noto Serif CJK SC", serif;
       font-size: 16pt; line-height: 28pt; color: #000; max-width: 156mm; margin: 2em auto;
       padding: 0 1em; }
h1 { font-family: "方正小标宋简体", "华文中宋", "Noto Serif CJK SC", serif; font-size: 22pt;
     font-weight: normal; text-align: center; line-height: 36pt; margin: 0 0 28pt; }
h2, h3, h4 { font-size: 16pt; margin: 0; text-indent: 2em; line-height: 28pt; }
h2 { font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif; font-weight: normal; }
h3 { font-family: "楷体_GB2312", "楷体", KaiTi, "AR PL UKai CN", serif; font-weight: normal; }
h4 { font-weight: bold; }
p { margin: 0; text-indent: 2em; }
p.empty { color: #777; }
figure { margin: 12pt 0; text-align: center; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption, .table-title { font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif;
       font-size: 14pt; text-align: center; margin-top: 8pt; }
.note, .unit { font-size: 12pt; line-height: 18pt; }
.unit { text-align: right; }
.note { text-align: center; }
table { border-collapse: collapse; width: 100%; font-size: 11pt; line-height: 15pt;
        margin-bottom: 10pt; }
thead { display: table-header-group; }
th, td { border: 1px solid #000; padding: 3pt 4pt; vertical-align: middle; }
th { font-weight: bold; text-align: center; }
td.number { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; }
"""


def _table(table: Table) -> str:
    widths = sum(table.widths)
    columns = "".join(f'<col style="width:{100 * w / widths:.1f}%">' for w in table.widths)
    head = "".join(f"<th>{escape(text)}</th>" for text in table.header)
    spans: dict[int, int] = {}
    if table.group_column is not None:
        start = 0
        values = [row[table.group_column] for row in table.rows]
        for index in range(1, len(values) + 1):
            if index == len(values) or values[index] != values[start]:
                spans[start] = index - start
                start = index
    body = []
    for index, row in enumerate(table.rows):
        cells = []
        for column, text in enumerate(row):
            if column == table.group_column:
                if index not in spans:
                    continue
                cells.append(f'<td rowspan="{spans[index]}">{escape(text)}</td>')
                continue
            kind = ' class="number"' if column in table.numeric else ""
            cells.append(f"<td{kind}>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if table.total:
        total = "".join(
            f"<td{' class=number' if c in table.numeric else ''}>{escape(t)}</td>"
            for c, t in enumerate(table.total)
        )
        body.append(f'<tr class="total">{total}</tr>')
    unit = f'<div class="unit">{escape(table.unit)}</div>' if table.unit else ""
    return (
        f'<div class="table-title">{escape(table.title)}</div>{unit}'
        f"<table><colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _chart(chart: Chart) -> str:
    note = f'<div class="note">{escape(chart.caption)}</div>' if chart.caption else ""
    return (
        f"<figure>{render_svg(chart)}<figcaption>{escape(chart.title)}</figcaption>{note}</figure>"
    )


def render_html(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
    ]
    for block in report.blocks:
        if isinstance(block, Heading):
            level = block.level + 1
            parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            kind = ' class="empty"' if block.empty else ""
            parts.append(f"<p{kind}>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(_table(block))
        else:
            parts.append(_chart(block))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(report: Report, path: Path) -> None:
    replace_atomically(path, render_html(report).encode("utf-8"))
