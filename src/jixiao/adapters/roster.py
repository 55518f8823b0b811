"""The bureau's roster of departments in a workbook: one sheet ``部门``, a header row and one
department a row, every problem at its cell (``部门!C7``).

=============  ======  =========================================================================
column         needed  what
=============  ======  =========================================================================
部门编码       yes     the department's code, at most 64 characters, unique in the sheet
部门名称       yes     its name, at most 200 characters
上级单位编码   no      a subordinate unit's first-level unit (its code); blank for a first-level
批次           no      the review groups (批次) it belongs to, names separated by ；; or 、
归口           no      the portfolios (归口) likewise; each name at most 100 characters
=============  ======  =========================================================================

A column left out of the sheet leaves that field of the departments as it is; a blank cell in a
column that is there clears it (no parent, no group of that kind). Reading checks the sheet on
its own (headers, blanks, lengths, repeated codes, a unit its own parent); the web application
checks it against the departments stored (``organizations.roster``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from jixiao.adapters.native import native_stderr_silenced
from jixiao.adapters.xlsx_limits import MB, WorkbookLimits, check_workbook, not_a_workbook
from jixiao.core.problems import Problem, SourceLocation

SHEET = "部门"
COLUMNS = {
    "部门编码": "code",
    "部门名称": "name",
    "上级单位编码": "parent",
    "批次": "review_groups",
    "归口": "portfolios",
}
REQUIRED = ("code", "name")
LENGTHS = {"code": 64, "name": 200, "parent": 64}
GROUP_NAME_CHARS = 100
SEPARATORS = re.compile(r"[;；、]")
LIMITS = WorkbookLimits(unpacked_bytes=20 * MB, rows=20_001, columns=30)
LABELS = {key: label for label, key in COLUMNS.items()}


@dataclass(frozen=True)
class RosterRow:
    """One department as the sheet gives it; ``cells`` the cell of each field."""

    row: int
    code: str
    name: str
    parent: str
    review_groups: tuple[str, ...]
    portfolios: tuple[str, ...]
    cells: dict[str, str] = field(compare=False)


@dataclass(frozen=True)
class Roster:
    rows: list[RosterRow]
    columns: frozenset[str]  # the fields the sheet has a column for
    problems: list[Problem]


def at(file: str, cell: str) -> SourceLocation:
    return SourceLocation(file, sheet=SHEET, cell=cell)


def text_of(value: Any) -> str:
    """A cell as text: a whole number without ``.0`` (a code typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_roster(path: Path, name: str) -> Roster:
    """The roster in the workbook at ``path`` (``name``: its name as the user knows it)."""
    refused = check_workbook(path, name, LIMITS)
    if refused is not None:
        return Roster([], frozenset(), [refused])
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {sheet.strip(): sheet for sheet in book.sheet_names}
        if SHEET not in sheets:
            problem = Problem("E-SHEET-MISSING", f"缺少工作表“{SHEET}”", SourceLocation(name))
            return Roster([], frozenset(), [problem])
        with native_stderr_silenced():
            grid = book.get_sheet_by_name(sheets[SHEET]).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError):
        return Roster([], frozenset(), [not_a_workbook(name)])
    return roster_of(grid, name)


def roster_of(grid: list[list[Any]], name: str) -> Roster:
    """The roster in the sheet's cells (row by row from A1)."""
    problems: list[Problem] = []
    if not grid:
        return Roster([], frozenset(), [Problem("E-SHEET-EMPTY", "工作表为空", at(name, "A1"))])
    where: dict[str, int] = {}
    for index, header in enumerate(grid[0]):
        label = text_of(header)
        cell = f"{get_column_letter(index + 1)}1"
        if label in COLUMNS:
            if COLUMNS[label] in where:
                problems.append(Problem("E-HEADER", f"表头“{label}”重复", at(name, cell)))
            where[COLUMNS[label]] = index
        elif label:
            problems.append(Problem("E-HEADER", f"未识别的表头“{label}”", at(name, cell)))
    for key in REQUIRED:
        if key not in where:
            problems.append(Problem("E-HEADER", f"缺少表头“{LABELS[key]}”", at(name, "A1")))
    if problems:
        return Roster([], frozenset(where), problems)
    rows: list[RosterRow] = []
    seen: dict[str, str] = {}
    for number, values in enumerate(grid[1:], start=2):
        if not any(text_of(v) for v in values):
            continue
        cells = {key: f"{get_column_letter(i + 1)}{number}" for key, i in where.items()}
        read = {key: text_of(values[i]) if i < len(values) else "" for key, i in where.items()}
        for key in REQUIRED:
            if not read[key]:
                problems.append(
                    Problem("E-REQUIRED", f"“{LABELS[key]}”不能为空", at(name, cells[key]))
                )
        for key, limit in LENGTHS.items():
            if len(read.get(key, "")) > limit:
                problems.append(
                    Problem(
                        "E-TOO-LONG",
                        f"“{LABELS[key]}”最多 {limit} 个字符",
                        at(name, cells[key]),
                    )
                )
        groups = {}
        for key in ("review_groups", "portfolios"):
            names = [n.strip() for n in SEPARATORS.split(read.get(key, "")) if n.strip()]
            for group in names:
                if len(group) > GROUP_NAME_CHARS:
                    problems.append(
                        Problem(
                            "E-TOO-LONG",
                            f"分组名称“{group[:20]}…”最多 {GROUP_NAME_CHARS} 个字符",
                            at(name, cells[key]),
                        )
                    )
            groups[key] = tuple(dict.fromkeys(names))
        code = read["code"]
        if code and code in seen:
            problems.append(
                Problem(
                    "E-DUPLICATE",
                    f"部门编码“{code}”与 {seen[code]} 重复",
                    at(name, cells["code"]),
                )
            )
        elif code:
            seen[code] = f"{SHEET}!{cells['code']}"
        if code and read.get("parent") == code:
            problems.append(
                Problem("E-PARENT", "上级单位不能是本单位自己", at(name, cells["parent"]))
            )
        rows.append(
            RosterRow(
                number,
                code,
                read["name"],
                read.get("parent", ""),
                groups["review_groups"],
                groups["portfolios"],
                cells,
            )
        )
    return Roster(rows, frozenset(where), problems)
