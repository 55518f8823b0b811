"""The in-year indicator review table (绩效监控表) as a workbook: one row per monitored
indicator with its target, progress to date, forecast, forecast completion rate, deviation, and
the division's reason and corrective action; A4 landscape, header repeated on every page."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from jixiao.adapters.report.bulletin import REVIEW_HEADER, review_rows
from jixiao.adapters.workbook import save_atomically
from jixiao.adapters.xlsx_cells import put
from jixiao.core.monitoring import MonitoringReport

WIDTHS = (10, 30, 14, 14, 14, 11, 10, 30, 30)
THIN = Side(style="thin", color="999999")
DEVIATION_FILLS = {"轻微偏差": "FFF3CD", "严重偏差": "F8D7DA"}


def write_review_xlsx(report: MonitoringReport, path: Path, *, draft: str = "") -> None:
    """Write the review table; ``draft`` (the 草稿 mark while the data have errors) goes
    before its title."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "绩效监控表"
    title = f"{report.department}{report.fiscal_year}年绩效监控表（截至{report.month}月）"
    if draft:
        title = f"【{draft}】{title}"
    heading = put(sheet, 1, 1, title)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REVIEW_HEADER))
    heading.font = Font(bold=True, size=14)
    heading.alignment = Alignment(horizontal="center")
    for column, text in enumerate(REVIEW_HEADER, start=1):
        label = put(sheet, 2, column, text)
        label.font = Font(bold=True)
        label.fill = PatternFill("solid", fgColor="DDE6F0")
    for number, values in enumerate(review_rows(report), start=3):
        for column, value in enumerate(values, start=1):
            put(sheet, number, column, value)
        fill = DEVIATION_FILLS.get(values[6])
        if fill:
            sheet.cell(number, 7).fill = PatternFill("solid", fgColor=fill)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    save_atomically(workbook, path)
