"""The Excel workbook finance staff fill in: writing it (blank template or a data set) and reading
it back with every problem located at its cell (``项目!J5``).

One sheet per table of ``jixiao.adapters.tables`` with Chinese headers, notes on every header,
drop-down lists for choices, frozen header rows and number formats in 万元 or 元; the 部门 sheet
holds the department's fields as label/value pairs, and 说明 explains the workbook. Reading uses
python-calamine. Excel stores numbers as binary floating point; each number cell is taken at its
shortest exact decimal form (what Excel shows), and an amount must then be whole 分.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from jixiao.adapters.assemble import (
    DEPARTMENT,
    PUBLISHED,
    Parts,
    assemble,
    disassemble,
    format_cell,
    read_rows,
)
from jixiao.adapters.files import replace_atomically
from jixiao.adapters.native import native_stderr_silenced
from jixiao.adapters.tables import (
    ALL_TABLES,
    NARRATIVE,
    Column,
    Kind,
    NarrativeRow,
    Table,
    cell_text,
)
from jixiao.adapters.xlsx_cells import put
from jixiao.adapters.xlsx_limits import (
    MB,
    WorkbookLimits,
    check_workbook,
    long_cell,
    not_a_workbook,
)
from jixiao.core.model import NARRATIVE_SECTIONS, Dataset, Origin
from jixiao.core.problems import Problem, Severity, SourceLocation

INSTRUCTIONS = "说明"
WORKBOOK_TABLES: tuple[Table[Any], ...] = (*ALL_TABLES, PUBLISHED)
REQUIRED_SHEETS = {DEPARTMENT.sheet, "预算", "项目", "绩效指标"}
FORMATS = {
    Kind.WAN: "#,##0.00####",
    Kind.YUAN: "#,##0.00",
    Kind.DATE: "yyyy-mm-dd",
    Kind.INTEGER: "0",
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
THIN = Side(style="thin", color="9BC2E6")
VALIDATION_ROWS = 2000
MONTH_HEADER = re.compile(r"^\s*(\d+)\s*月")
# What a data-set workbook may hold (docs/dataset-format.md): a department's year is a few
# hundred projects and indicators; anything far beyond is a mistake or an attack, refused before
# calamine reads it (it would lay out every sheet as one dense rectangle in memory).
LIMITS = WorkbookLimits(unpacked_bytes=50 * MB, rows=10_000, columns=100)
FILLING_NOTES = (
    "每张表第 1 行为表头，请勿修改；鼠标悬停在表头上可查看填写说明。",
    "橙色表头为必填列；有下拉箭头的列请从列表中选择。",
    "金额列名中注明单位：“（万元）”最多 6 位小数，“（元）”最多 2 位小数；请填数字，不带单位。",
    "日期填写为 2023-05-06 这样的格式。",
    "“重构字段”：报告未公布、按公布数推算的字段名，用分号分隔，* 表示整行；留空表示均为公布值。",
    "导入：jixiao import 本工作簿.xlsx --into 数据集目录。全部检查通过才会写入；"
    "否则列出每个问题所在的单元格，数据集保持不变。",
)


# --- writing ---------------------------------------------------------------------------------


def write_workbook(dataset: Dataset | None, path: Path, *, fiscal_year: int | None = None) -> None:
    """Write ``dataset`` (or, with None, a blank template) as a workbook, replacing ``path``."""
    book = Workbook()
    instructions = book.active
    assert instructions is not None
    instructions.title = INSTRUCTIONS
    _instructions(instructions)
    records = disassemble(dataset) if dataset is not None else {}
    _department_sheet(book.create_sheet(DEPARTMENT.sheet), records.get(DEPARTMENT.key), fiscal_year)
    for table in WORKBOOK_TABLES:
        rows = records.get(table.key, [])
        if table is NARRATIVE:
            rows = _all_sections(rows)
        _table_sheet(book.create_sheet(table.sheet), table, rows)
    save_atomically(book, path)


def save_atomically(book: Workbook, path: Path) -> None:
    """Save ``book`` so that a reader never sees half a file."""
    buffer = io.BytesIO()
    book.save(buffer)
    replace_atomically(path, buffer.getvalue())


def _all_sections(rows: Sequence[NarrativeRow]) -> list[NarrativeRow]:
    given = {row.section: row for row in rows}
    blank = Origin(SourceLocation("<内存>"))
    ordered = [given.get(key, NarrativeRow(key, "", blank)) for key in NARRATIVE_SECTIONS]
    return ordered + [row for key, row in given.items() if key not in NARRATIVE_SECTIONS]


def _header_note(column: Column) -> str:
    parts = ["必填。" if column.required else "选填。"]
    if column.kind is Kind.WAN:
        parts.append("单位：万元，最多 6 位小数。")
    elif column.kind is Kind.YUAN:
        parts.append("单位：元，最多 2 位小数。")
    elif column.kind is Kind.DATE:
        parts.append("日期，如 2023-05-06。")
    if column.choices:
        parts.append("可选：" + "、".join(dict.fromkeys(c.label for c in column.choices)) + "。")
    if column.help:
        parts.append(column.help)
    parts.append(f"（字段名 {column.key}）")
    return "".join(parts)


def _style_header(cell: Any, required: bool) -> None:
    cell.font = Font(bold=True)
    cell.fill = REQUIRED_FILL if required else HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.border = Border(bottom=THIN)


def _table_sheet(sheet: Worksheet, table: Table[Any], records: Sequence[Any]) -> None:
    for index, column in enumerate(table.columns, start=1):
        cell = put(sheet, 1, index, column.label)
        _style_header(cell, column.required)
        cell.comment = Comment(_header_note(column), "jixiao", width=260, height=140)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        last = max(VALIDATION_ROWS, len(records) + 200)
        if column.choices or column.kind is Kind.FLAG:
            labels = (
                ["是", "否"]
                if column.kind is Kind.FLAG
                else list(dict.fromkeys(c.label for c in column.choices))
            )
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(labels) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="无效的取值",
                error="请从下拉列表中选择。",
            )
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
        if column.kind in FORMATS:
            for row in range(2, len(records) + 2):
                sheet.cell(row=row, column=index).number_format = FORMATS[column.kind]
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32
    for row_number, record in enumerate(records, start=2):
        cells = table.cells(record)
        for index, column in enumerate(table.columns, start=1):
            value = format_cell(column, cells.get(column.key), for_workbook=True)
            if value is not None:
                put(sheet, row_number, index, value)


def _department_sheet(sheet: Worksheet, rows: Sequence[Any] | None, year: int | None) -> None:
    values = DEPARTMENT.cells(rows[0]) if rows else {"fiscal_year": year}
    for index, text in enumerate(("字段", "内容"), start=1):
        _style_header(put(sheet, 1, index, text), False)
    for row, column in enumerate(DEPARTMENT.columns, start=2):
        label = put(sheet, row, 1, column.label)
        label.font = Font(bold=True)
        label.comment = Comment(_header_note(column), "jixiao", width=240, height=100)
        if column.required:
            label.fill = REQUIRED_FILL
        value = values.get(column.key)
        if value not in (None, ""):
            put(sheet, row, 2, value)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 40
    sheet.freeze_panes = "A2"


def _instructions(sheet: Worksheet) -> None:
    lines: list[tuple[str, str]] = [
        ("jixiao 部门整体支出绩效数据填报工作簿", ""),
        ("", ""),
        ("填报要点", ""),
        *((str(number), text) for number, text in enumerate(FILLING_NOTES, start=1)),
        ("", ""),
        ("工作表", "内容"),
        (DEPARTMENT.sheet, DEPARTMENT.description),
    ]
    lines += [(table.sheet, table.description) for table in WORKBOOK_TABLES]
    for row, (first, second) in enumerate(lines, start=1):
        put(sheet, row, 1, first or None)
        put(sheet, row, 2, second or None).alignment = Alignment(wrap_text=True)
    sheet.merge_cells("A1:B1")
    sheet["A1"].font = Font(bold=True, size=14)
    for row in (3, len(FILLING_NOTES) + 5):
        sheet.cell(row=row, column=1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 90
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


# --- reading ---------------------------------------------------------------------------------


def read_workbook(path: Path, *, name: str | None = None) -> tuple[Dataset | None, list[Problem]]:
    """The data set in a workbook, and every problem found, each at its cell.

    ``name`` is the file's name as the user knows it, if not ``path``'s (an upload is stored
    under a token that no message may show). A workbook beyond ``LIMITS`` is refused unread."""
    parts = Parts()
    name = name or path.name
    refused = check_workbook(path, name, LIMITS)
    if refused is not None:
        return None, [refused]
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {sheet_name.strip(): sheet_name for sheet_name in book.sheet_names}
    except (CalamineError, OSError, ValueError):
        return None, [not_a_workbook(name)]
    known = {INSTRUCTIONS, DEPARTMENT.sheet, *(table.sheet for table in WORKBOOK_TABLES)}
    for sheet_name in sheets:
        if sheet_name not in known:
            parts.read.problems.append(
                Problem(
                    "W-SHEET-UNKNOWN",
                    "未识别的工作表，已忽略",
                    SourceLocation(name, sheet=sheet_name),
                    Severity.WARNING,
                )
            )
    for required in sorted(REQUIRED_SHEETS - set(sheets)):
        parts.read.error("E-SHEET-MISSING", f"缺少工作表“{required}”", SourceLocation(name))
    if DEPARTMENT.sheet in sheets:
        parts.department = _read_department(book, sheets[DEPARTMENT.sheet], name, parts)
    for table in WORKBOOK_TABLES:
        if table.sheet not in sheets:
            parts.records[table.key] = []
            if table.sheet in REQUIRED_SHEETS:
                parts.incomplete.add(table.key)
            continue
        grid = _grid(book, sheets[table.sheet], name, parts, table.key)
        rows = _table_rows(grid, table, name, parts)
        records = read_rows(table, rows, parts.read, parts)
        if table is PUBLISHED:
            parts.published = records
        else:
            parts.records[table.key] = records
    return assemble(parts)


def _grid(
    book: CalamineWorkbook, sheet_name: str, file: str, parts: Parts, key: str
) -> list[list[Any]]:
    """The sheet's cells from A1, row by row; a row calamine cannot decode, or one with a cell
    longer than Excel allows, ends the sheet."""
    where = SourceLocation(file, sheet=sheet_name.strip())
    grid: list[list[Any]] = []
    try:
        sheet = book.get_sheet_by_name(sheet_name)
        # iter_rows starts at row 1 but at the sheet's first used column.
        start_column = sheet.start[1] if sheet.start else 0
        with native_stderr_silenced():
            for values in sheet.iter_rows():
                row = [""] * start_column + list(values)
                long = _long_cell(row)
                if long is not None:
                    cell = f"{get_column_letter(long + 1)}{len(grid) + 1}"
                    parts.read.problems.append(
                        long_cell(file, str(where.sheet), cell, LIMITS, "本表其后各行未读取")
                    )
                    parts.incomplete.add(key)
                    break
                grid.append(row)
    except (CalamineError, ValueError):
        parts.read.error("E-WORKBOOK", "无法读取工作表：内容已损坏", where)
    except BaseException as error:  # python-calamine panics on some out-of-range date cells
        if type(error).__name__ != "PanicException":
            raise
        parts.read.error(
            "E-CELL-UNREADABLE",
            "本行有无法识别的单元格（多为超出范围的日期或时间），本表其后各行未读取",
            SourceLocation(file, sheet=where.sheet, row=len(grid) + 1),
        )
    return grid


def _long_cell(row: Sequence[Any]) -> int | None:
    """The index of the first text in ``row`` longer than a cell may be."""
    return next(
        (i for i, v in enumerate(row) if isinstance(v, str) and len(v) > LIMITS.cell_chars), None
    )


def _column_key(table: Table[Any], header: str) -> str | None:
    normalized = header.replace("(", "（").replace(")", "）").replace(" ", "")
    for column in table.columns:
        if normalized in (column.label.replace(" ", ""), column.key):
            return column.key
    return None


def _table_rows(
    grid: list[list[Any]], table: Table[Any], file: str, parts: Parts
) -> list[tuple[Mapping[str, object], SourceLocation]]:
    sheet = table.sheet
    if not grid:
        parts.read.error(
            "E-HEADER", "工作表是空的：第 1 行应为表头", SourceLocation(file, sheet=sheet)
        )
        parts.incomplete.add(table.key)
        return []
    keys: list[str | None] = []
    for index, value in enumerate(grid[0]):
        header = cell_text(value)
        letter = get_column_letter(index + 1)
        key = _column_key(table, header) if header else None
        if header and key is None:
            parts.unclear.add(table.key)
            parts.incomplete.add(table.key)
            month = MONTH_HEADER.match(header)
            if month and not 1 <= int(month.group(1)) <= 12:
                message = (
                    f"月份“{month.group(1)}”无效：月度支出只有 1–12 月（第 13 期调整请计入 12 月）"
                )
            else:
                message = f"未知列“{header}”"
            parts.read.error(
                "E-COLUMN-UNKNOWN", message, SourceLocation(file, sheet=sheet, cell=f"{letter}1")
            )
        if key is not None and key in keys:
            parts.read.error(
                "E-COLUMN-DUPLICATE",
                f"列“{header}”重复",
                SourceLocation(file, sheet=sheet, cell=f"{letter}1"),
            )
            key = None
        keys.append(key)
    missing = [c.label for c in table.columns if c.required and c.key not in keys]
    if missing:
        parts.read.error(
            "E-COLUMN-MISSING",
            "缺少必填列：" + "、".join(missing),
            SourceLocation(file, sheet=sheet, row=1),
        )
        parts.incomplete.add(table.key)
        parts.unclear.add(table.key)
        return []
    letters = [get_column_letter(index + 1) for index in range(len(keys))]
    rows: list[tuple[Mapping[str, object], SourceLocation]] = []
    for number, values in enumerate(grid[1:], start=2):
        if all(cell_text(value) == "" for value in values):
            continue
        cells = {key: value for key, value in zip(keys, values, strict=False) if key is not None}
        cell_map = tuple(
            (key, f"{letter}{number}") for key, letter in zip(keys, letters, strict=True) if key
        )
        rows.append((cells, SourceLocation(file, sheet=sheet, row=number, cell_map=cell_map)))
    return rows


def _read_department(book: CalamineWorkbook, sheet_name: str, file: str, parts: Parts) -> Any:
    grid = _grid(book, sheet_name, file, parts, DEPARTMENT.key)
    sheet = DEPARTMENT.sheet
    cells: dict[str, object] = {}
    cell_map = []
    for number, values in enumerate(grid, start=1):
        if not values:
            continue
        label = cell_text(values[0])
        key = _column_key(DEPARTMENT, label)
        if key is None:
            if number > 1 and label:
                parts.read.error(
                    "E-FIELD-UNKNOWN",
                    f"未知字段“{label}”",
                    SourceLocation(file, sheet=sheet, cell=f"A{number}"),
                )
            continue
        cells[key] = values[1] if len(values) > 1 else None
        cell_map.append((key, f"B{number}"))
    where = SourceLocation(file, sheet=sheet, cell_map=tuple(cell_map))
    found = read_rows(DEPARTMENT, [(cells, where)], parts.read, parts)
    return found[0] if found else None
