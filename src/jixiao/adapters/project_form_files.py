"""The 项目支出绩效自评表 (``project_form.Form``) drawn as a workbook and as a Word file, A4.

Both draw the same grid: each cell at its column, merged across its width and down its height;
labels bold and shaded, figures right-aligned. The workbook prints on one A4 page wide
(portrait); the Word file is an A4 page with the title in 小标宋 and the table in 仿宋 五号.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.project_form import COLUMNS, Cell, Form
from jixiao.adapters.render_text import display_width
from jixiao.adapters.report.word import BODY_FONT, TITLE_FONT, set_fonts
from jixiao.adapters.workbook import save_atomically
from jixiao.adapters.xlsx_cells import put

SIDE = Side(style="thin", color="000000")
BOX = Border(left=SIDE, right=SIDE, top=SIDE, bottom=SIDE)
HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
LINE_HEIGHT = 15
TABLE_SIZE = Pt(10)
DOCX_COLUMNS = (13, 16, 16, 24, 24, 24, 13, 16, 24)  # mm, 170 in all: A4 less 20 mm a side


def _grid(form: Form) -> list[tuple[int, Cell]]:
    """Every cell with its row index (0-based)."""
    return [(row, cell) for row, cells in enumerate(form.rows) for cell in cells]


def _lines(cell: Cell) -> int:
    """How many printed lines a cell's text takes in its columns (a CJK character is about
    two units of column width)."""
    width = sum(COLUMNS[cell.column : cell.column + cell.width])
    return sum(
        max(1, math.ceil(display_width(part) / max(width - 1, 1))) for part in cell.text.split("\n")
    )


def write_form_xlsx(form: Form, path: Path) -> None:
    """The form on one sheet, 自评表, set up for A4 portrait, one page wide."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "项目支出绩效自评表"
    last = get_column_letter(len(COLUMNS))
    for row, text, size in ((1, form.file_title, 16), (2, form.year, 11)):
        sheet.merge_cells(f"A{row}:{last}{row}")
        title = put(sheet, row, 1, text)
        title.font = Font(bold=True, size=size)
        title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    top = 3
    heights = [1] * len(form.rows)
    for row, cell in _grid(form):
        _draw_xlsx(sheet, top + row, cell)
        if cell.height == 1:
            heights[row] = max(heights[row], _lines(cell))
    for row, lines in enumerate(heights):
        sheet.row_dimensions[top + row].height = LINE_HEIGHT * lines + 4
    below = top + len(form.rows)
    for offset, note in enumerate(form.notes):
        sheet.merge_cells(f"A{below + offset}:{last}{below + offset}")
        put(sheet, below + offset, 1, f"注：{note}").alignment = Alignment(wrap_text=True)
    for index, width in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    setup = sheet.page_setup
    setup.orientation = "portrait"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    save_atomically(book, path)


def _draw_xlsx(sheet: Any, row: int, cell: Cell) -> None:
    column = cell.column + 1
    target = put(sheet, row, column, cell.text)
    for r in range(row, row + cell.height):
        for c in range(column, column + cell.width):
            sheet.cell(row=r, column=c).border = BOX
    if cell.width > 1 or cell.height > 1:
        sheet.merge_cells(
            start_row=row,
            start_column=column,
            end_row=row + cell.height - 1,
            end_column=column + cell.width - 1,
        )
    horizontal = "right" if cell.number else ("center" if cell.head else "left")
    target.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    if cell.head:
        target.font = Font(bold=True)
        target.fill = HEAD_FILL


def form_document(form: Form) -> Any:
    """The form as a python-docx document: A4 portrait, one table."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)
    for text, font, size in ((form.file_title, TITLE_FONT, Pt(18)), (form.year, BODY_FONT, Pt(12))):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.font.size = size
        set_fonts(run._element, font)
    table = document.add_table(rows=len(form.rows), cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table, Mm(1))
    widths = [Mm(width) for width in DOCX_COLUMNS]
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(Emu(width).twips))  # what LibreOffice lays out by
    for row in table.rows:
        row.height = Mm(7)  # at least: a row grows with its text
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width  # what Word lays out by
    for row, cell in _grid(form):
        _draw_docx(table, row, cell)
    for note in form.notes:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(f"注：{note}")
        run.font.size = TABLE_SIZE
        set_fonts(run._element, BODY_FONT)
    return document


def _cell_margins(table: Any, margin: Mm) -> None:
    """Left and right cell margins of ``margin`` (Word's default 1.9 mm wraps the amounts)."""
    properties = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(Emu(margin).twips))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties.append(margins)


def _draw_docx(table: Any, row: int, cell: Cell) -> None:
    target = table.cell(row, cell.column)
    if cell.width > 1 or cell.height > 1:
        target = target.merge(table.cell(row + cell.height - 1, cell.column + cell.width - 1))
    target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = target.paragraphs[0]
    paragraph.alignment = (
        WD_ALIGN_PARAGRAPH.RIGHT
        if cell.number
        else WD_ALIGN_PARAGRAPH.CENTER
        if cell.head
        else WD_ALIGN_PARAGRAPH.LEFT
    )
    run = paragraph.add_run(cell.text)
    run.font.size = TABLE_SIZE
    run.bold = cell.head
    set_fonts(run._element, BODY_FONT)
    if cell.head:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "F2F2F2")
        target._tc.get_or_add_tcPr().append(shading)


def write_form_docx(form: Form, path: Path) -> None:
    buffer = io.BytesIO()
    form_document(form).save(buffer)
    replace_atomically(path, buffer.getvalue())
