"""The accounts workbook: many accounts at once, one a row of the sheet 账号.

Columns (row 1 holds the headers, in any order): 用户名, 姓名, 角色 (the role's Chinese name),
部门编码, 处室, 初始密码 (blank: one is generated). Up to ``MAX_ACCOUNTS`` rows; blank rows are
skipped. This module only reads and writes the file — every cell's text with its place
(``账号!C3``); what the values mean (an existing department, a free username, a password the
validators accept) is checked by ``jixiao.web.accounts_bulk``. The workbook is checked for
bombs (``xlsx_limits``) before calamine opens it; the template and the result workbook are
written through ``xlsx_cells.put``, so a text is never a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from jixiao.adapters.xlsx_cells import put
from jixiao.adapters.xlsx_limits import MB, WorkbookLimits, check_workbook, not_a_workbook
from jixiao.core.problems import Problem, SourceLocation

SHEET = "账号"
HEADERS = ("用户名", "姓名", "角色", "部门编码", "处室", "初始密码")
KEYS = ("username", "full_name", "role", "department", "division", "password")
MAX_ACCOUNTS = 200  # PBKDF2 hashes ~0.3 s each: 200 accounts take about a minute
LIMITS = WorkbookLimits(unpacked_bytes=10 * MB, rows=5000, columns=30)  # blank rows allowed
NOTES = (
    "每行一个账号；第 1 行为列名，请勿修改。",
    "角色填中文名称：处室填报人、财务审核人、单位负责人、部门账号管理员、财政局审核人、系统管理员。",
    "部门编码：处室填报人、财务审核人、单位负责人、部门账号管理员必填，须为已有部门；"
    "财政局审核人和系统管理员留空。",
    "处室：仅处室填报人填写，须为该部门已有的处室。",
    "初始密码留空则自动生成，只在结果页面显示一次并可下载一次；填写的密码须符合密码规则"
    "（至少 10 个字符，不能全为数字、过于常见或与用户名相近）。",
    "用户名不区分大小写，不能与已有账号或本表其他行重复；只能包含字母、数字和 @ . + - _。",
    f"一次最多 {MAX_ACCOUNTS} 个账号。整个工作簿先全部检查：有任何问题则不新建任何账号。",
)


@dataclass
class AccountRow:
    """One row of the sheet: each field's text (stripped) and its cell."""

    row: int
    values: dict[str, str] = field(default_factory=dict)
    cells: dict[str, SourceLocation] = field(default_factory=dict)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_accounts(path: Path, name: str) -> tuple[list[AccountRow], list[Problem]]:
    """The rows of the sheet 账号, and the problems of the file's shape (each at its place)."""
    refused = check_workbook(path, name, LIMITS)
    if refused is not None:
        return [], [refused]
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {sheet.strip(): sheet for sheet in book.sheet_names}
        if SHEET not in sheets:
            return [], [Problem("E-SHEET-MISSING", f"缺少工作表“{SHEET}”", SourceLocation(name))]
        sheet = book.get_sheet_by_name(sheets[SHEET])
        start = sheet.start[1] if sheet.start else 0
        grid = [[""] * start + list(values) for values in sheet.iter_rows()]
    except (CalamineError, OSError, ValueError):
        return [], [not_a_workbook(name)]
    except BaseException as error:  # python-calamine panics on some out-of-range dates
        if type(error).__name__ != "PanicException":
            raise
        return [], [not_a_workbook(name)]
    header = [_text(value) for value in grid[0]] if grid else []
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for key, label in zip(KEYS, HEADERS, strict=True):
        if label in header:
            columns[key] = header.index(label)
        else:
            problems.append(
                Problem(
                    "E-COLUMN-MISSING",
                    f"缺少列“{label}”（第 1 行为列名）",
                    SourceLocation(name, sheet=SHEET, row=1),
                )
            )
    if problems:
        return [], problems
    rows: list[AccountRow] = []
    for number, values in enumerate(grid[1:], start=2):
        texts = {key: _text(values[i]) if i < len(values) else "" for key, i in columns.items()}
        if not any(texts.values()):
            continue
        cells = {
            key: SourceLocation(name, sheet=SHEET, cell=f"{get_column_letter(i + 1)}{number}")
            for key, i in columns.items()
        }
        rows.append(AccountRow(number, texts, cells))
    if not rows:
        problems.append(
            Problem("E-EMPTY", "工作表“账号”没有账号（第 2 行起每行一个）", SourceLocation(name))
        )
    elif len(rows) > MAX_ACCOUNTS:
        problems.append(
            Problem(
                "E-TOO-MANY",
                f"一次最多新建 {MAX_ACCOUNTS} 个账号，本表有 {len(rows)} 个；请分成几个工作簿",
                SourceLocation(name, sheet=SHEET),
            )
        )
    return rows, problems


def _sheet(book: Workbook, rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    for column, label in enumerate(headers, start=1):
        put(sheet, 1, column, label).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = 18
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            put(sheet, number, column, value)


def template() -> bytes:
    """The empty accounts workbook, with its notes on a second sheet."""
    book = Workbook()
    _sheet(book, [], HEADERS)
    notes = book.create_sheet("说明")
    for number, note in enumerate(NOTES, start=1):
        put(notes, number, 1, note)
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def passwords_workbook(rows: list[tuple[str, ...]]) -> bytes:
    """The accounts just created with their generated passwords (for the administrator to
    hand out; never stored on the server)."""
    book = Workbook()
    _sheet(book, rows, ("用户名", "姓名", "角色", "部门", "处室", "初始密码"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
