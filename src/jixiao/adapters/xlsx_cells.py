"""Writing a value into a worksheet cell: a text is always a text, never a formula.

openpyxl decides a cell's type from the value: a ``str`` that begins with ``=`` becomes a live
formula (``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` typed into a project name would run when
the file is opened), and one of Excel's error codes (``#N/A``) becomes an error cell. Both read
back empty, so an exported workbook would also no longer re-import. Every jixiao writer (the
data-set workbook, the score table, the review table) sets its cells through ``put``, which
keeps every text as a plain string cell (``data_type`` ``s``) holding exactly the text —
no apostrophe or quote is added, so the workbook round-trips unchanged. A string cell is never
evaluated by Excel, LibreOffice or WPS, whatever it begins with (``= + - @``, tab, CR).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.cell.cell import TYPE_STRING, Cell
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from openpyxl.cell import _CellSetValue


def put(sheet: Worksheet, row: int, column: int, value: _CellSetValue) -> Cell:
    """Set the cell at ``row``, ``column`` to ``value``; a text stays a text cell."""
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell), f"{cell.coordinate} lies inside a merged range"
    cell.value = value
    if isinstance(value, str):
        cell.data_type = TYPE_STRING
    return cell
