"""The bureau's summary report as a Word document: the department report's GB/T 9704 layout
(``word.build_document``: A4 type area, 方正小标宋 title, 黑体/楷体 headings, 仿宋 body, “— N —”
page numbers, repeated table headers, charts as PNG) with the 主送机关 line after the title, flush
left with no indent, as GB/T 9704 places it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx.shared import Pt

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.report.content import Report
from jixiao.adapters.report.summary import ADDRESSEE
from jixiao.adapters.report.word import build_document


def build_summary_document(report: Report, addressee: str = ADDRESSEE) -> Any:
    document = build_document(report)
    title = document.paragraphs[0]
    line = document.add_paragraph(f"{addressee}：", style="Normal")
    line.paragraph_format.first_line_indent = Pt(0)
    title._p.addnext(line._p)  # moved from the end to right after the title
    return document


def summary_docx_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    build_summary_document(report).save(buffer)
    return buffer.getvalue()


def write_summary_docx(report: Report, path: Path) -> None:
    replace_atomically(path, summary_docx_bytes(report))
