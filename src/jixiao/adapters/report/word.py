"""The report as a Word document laid out after GB/T 9704-2012 (党政机关公文格式).

A4 paper; margins 37 mm top, 35 mm bottom, 28 mm left (binding side) and 26 mm right, leaving
the standard 156 × 225 mm type area; title in 方正小标宋简体 二号 (22 pt); body in 仿宋_GB2312
三号 (16 pt) with a two-character first-line indent and 28 pt fixed line spacing; headings of
the first level in 黑体, the second in 楷体_GB2312, the third in 仿宋 bold; page numbers as
“— 1 —” in 四号宋体 at the outside edge (right on odd pages, left on even). Tables carry a title
and a unit line, and their header row repeats on every page. Fonts are named as government PCs
have them; where one is missing, Word and LibreOffice substitute (``pdf.py`` names the free
substitutes used for PDF).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.report.charts import render_png
from jixiao.adapters.report.content import Chart, Heading, Paragraph, Report, Table

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312", 3: BODY_FONT}
PAGE_NUMBER_FONT = "宋体"
WESTERN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)
TABLE_SIZE = Pt(10.5)  # 五号
LINE = Pt(28)
TYPE_AREA_WIDTH = Mm(156)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}


def set_fonts(element: Any, east_asian: str, western: str = WESTERN_FONT) -> None:
    """Name the East Asian and Western fonts of a run or style (python-docx sets only the
    Western ones)."""
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute, value in (
        ("w:ascii", western),
        ("w:hAnsi", western),
        ("w:eastAsia", east_asian),
        ("w:cs", western),
    ):
        fonts.set(qn(attribute), value)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the names above


def _style(
    document: Any, name: str, font: str, size: Pt, *, bold: bool = False, indent: bool = True
) -> None:
    style = document.styles[name]
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element, font)
    paragraph = style.paragraph_format
    paragraph.first_line_indent = Pt(size.pt * 2) if indent else Pt(0)
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.line_spacing = LINE
    paragraph.keep_with_next = name.startswith("Heading")


def _page(document: Any) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = MARGINS["top"]
    section.bottom_margin = MARGINS["bottom"]
    section.left_margin = MARGINS["left"]
    section.right_margin = MARGINS["right"]
    section.footer_distance = Mm(25)
    document.settings.odd_and_even_pages_header_footer = True
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        paragraph.paragraph_format.first_line_indent = Pt(0)
        if alignment is WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(14)
        else:
            paragraph.paragraph_format.left_indent = Pt(14)
        _page_number(paragraph)


def _page_number(paragraph: Any) -> None:
    """“— N —” with N a PAGE field."""

    def run(text: str | None = None) -> Any:
        created = paragraph.add_run(text)
        created.font.size = Pt(14)
        set_fonts(created._element, PAGE_NUMBER_FONT, PAGE_NUMBER_FONT)
        return created

    run("— ")
    for kind in ("begin", None, "separate", "end"):
        field = run("1" if kind == "separate" else None)
        if kind is None:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            field._element.append(instruction)
        else:
            character = OxmlElement("w:fldChar")
            character.set(qn("w:fldCharType"), kind)
            if kind == "separate":
                field._element.insert(0, character)
            else:
                field._element.append(character)
    run(" —")


def _row_flag(row: Any, name: str) -> None:
    """Set a row property such as ``w:tblHeader`` (repeat on every page) or ``w:cantSplit``."""
    flag = OxmlElement(name)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _cell_text(
    cell: Any, text: str, *, bold: bool = False, right: bool = False, center: bool = False
) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size = TABLE_SIZE
    run.font.bold = bold
    set_fonts(run._element, BODY_FONT)


def _table(document: Any, table: Table) -> None:
    title = document.add_paragraph(style="Table Title")
    title.add_run(table.title)
    if table.unit:
        unit = document.add_paragraph(style="Table Unit")
        unit.add_run(table.unit)
    rows = list(table.rows) + ([table.total] if table.total else [])
    grid = document.add_table(rows=1 + len(rows), cols=len(table.header))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    total_width = sum(table.widths)
    widths = [int(TYPE_AREA_WIDTH * w / total_width) for w in table.widths]
    for index, text in enumerate(table.header):
        _cell_text(grid.rows[0].cells[index], text, bold=True, center=True)
    _row_flag(grid.rows[0], "w:tblHeader")
    for row in grid.rows:
        _row_flag(row, "w:cantSplit")
    for row_index, values in enumerate(rows, start=1):
        is_total = table.total is not None and row_index == len(rows)
        cells = grid.rows[row_index].cells
        for column, text in enumerate(values):
            _cell_text(cells[column], text, bold=is_total, right=column in table.numeric)
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    for row in grid.rows:
        for column_index, cell in enumerate(row.cells):
            cell.width = widths[column_index]
    if table.group_column is not None:
        _merge_groups(grid, table)


def _merge_groups(grid: Any, table: Table) -> None:
    """Merge runs of equal cells in the group column (表 2-1's 重点任务)."""
    column = table.group_column
    assert column is not None
    start = 0
    values = [row[column] for row in table.rows]
    for index in range(1, len(values) + 1):
        if index == len(values) or values[index] != values[start]:
            if index - start > 1:
                top = grid.cell(start + 1, column)
                merged = top.merge(grid.cell(index, column))
                for extra in merged.paragraphs[1:]:
                    extra._element.getparent().remove(extra._element)
            start = index


def _chart(document: Any, chart: Chart) -> None:
    paragraph = document.add_paragraph(style="Figure")
    paragraph.add_run().add_picture(io.BytesIO(render_png(chart)), width=Mm(150))
    caption = document.add_paragraph(style="Table Title")
    caption.add_run(chart.title)
    if chart.caption:
        note = document.add_paragraph(style="Table Unit")
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        note.add_run(chart.caption)


def _custom_styles(document: Any) -> None:
    for name, font, size, alignment, bold in (
        ("Report Title", TITLE_FONT, Pt(22), WD_ALIGN_PARAGRAPH.CENTER, False),
        ("Table Title", "黑体", Pt(14), WD_ALIGN_PARAGRAPH.CENTER, False),
        ("Table Unit", BODY_FONT, Pt(12), WD_ALIGN_PARAGRAPH.RIGHT, False),
        ("Figure", BODY_FONT, Pt(12), WD_ALIGN_PARAGRAPH.CENTER, False),
    ):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        _style(document, name, font, size, bold=bold, indent=False)
        style.paragraph_format.alignment = alignment
    title = document.styles["Report Title"].paragraph_format
    title.line_spacing = Pt(36)
    title.space_after = Pt(28)
    figure = document.styles["Figure"].paragraph_format
    figure.line_spacing_rule = WD_LINE_SPACING.SINGLE  # an exact spacing would crop the picture
    figure.keep_with_next = True
    document.styles["Table Title"].paragraph_format.space_before = Pt(8)
    document.styles["Table Title"].paragraph_format.keep_with_next = True
    document.styles["Table Unit"].paragraph_format.keep_with_next = True


def build_document(report: Report) -> Any:
    document = Document()
    _page(document)
    _style(document, "Normal", BODY_FONT, BODY_SIZE)
    for level, font in HEADING_FONTS.items():
        _style(document, f"Heading {level}", font, BODY_SIZE, bold=level == 3)
    _custom_styles(document)
    document.core_properties.title = report.title
    document.core_properties.author = report.department
    document.add_paragraph(report.title, style="Report Title")
    for block in report.blocks:
        if isinstance(block, Heading):
            document.add_paragraph(block.text, style=f"Heading {block.level}")
        elif isinstance(block, Paragraph):
            document.add_paragraph(block.text, style="Normal")
        elif isinstance(block, Table):
            _table(document, block)
        else:
            _chart(document, block)
    return document


def write_docx(report: Report, path: Path) -> None:
    document = build_document(report)
    buffer = io.BytesIO()
    document.save(buffer)
    replace_atomically(path, buffer.getvalue())
