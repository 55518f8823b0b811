"""Spending from a transaction ledger (支出明细账): one row per payment — date, project code,
amount in 元, voucher number — aggregated into each project's monthly spending.

The ledger is checked as a whole, in columns (polars), so a million rows take a fraction of a
second: every bad date, date outside the fiscal year, amount that is not whole 分, unknown
project and duplicate voucher number is reported with its row (CSV) or cell (XLSX). Amounts stay
exact: they are validated as text and summed as decimals, never as floats.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from python_calamine import CalamineError, CalamineWorkbook
from tqdm import tqdm

from jixiao.adapters.tables import cell_text
from jixiao.adapters.xlsx_limits import (
    MB,
    WorkbookLimits,
    check_workbook,
    long_cell,
    not_a_workbook,
)
from jixiao.core.model import Dataset, Project
from jixiao.core.problems import Problem, SourceLocation

COLUMNS = {  # key → accepted headers
    "date": ("date", "日期", "记账日期", "支付日期"),
    "project": ("project", "项目编码", "项目代码"),
    "amount": ("amount", "金额（元）", "金额", "支出金额（元）", "支付金额（元）"),
    "voucher": ("voucher", "凭证号", "凭证编号"),
}
LABELS = {"date": "日期", "project": "项目编码", "amount": "金额（元）", "voucher": "凭证号"}
AMOUNT = r"^-?\d{1,13}(\.\d{1,2})?$"
ROW = "__row"
CHUNK = 1 << 20
ZERO = Decimal("0.00")
# A ledger may have a row for every payment of the year: as many rows as an Excel sheet holds,
# but no more columns than a finance system's export (docs/dataset-format.md).
XLSX_LIMITS = WorkbookLimits(unpacked_bytes=500 * MB, rows=1_048_576, columns=40)


@dataclass(frozen=True)
class LedgerResult:
    """Monthly spending by project code (12 amounts each), the number of rows, and problems."""

    monthly: dict[str, tuple[Decimal, ...]]
    rows: int
    problems: list[Problem]


class _Source:
    """Where ledger rows come from, and how to name the place of one cell."""

    def __init__(self, file: str, sheet: str | None, letters: dict[str, str]) -> None:
        self.file = file
        self.sheet = sheet
        self.letters = letters

    def at(self, row: int, key: str) -> SourceLocation:
        if self.sheet is not None:
            cell = f"{self.letters[key]}{row}"
            return SourceLocation(self.file, row=row, sheet=self.sheet, cell=cell)
        return SourceLocation(self.file, row=row, column=LABELS[key])

    def whole(self) -> SourceLocation:
        return SourceLocation(self.file, sheet=self.sheet)


def _header_keys(header: list[str], source: _Source, problems: list[Problem]) -> dict[str, int]:
    """Column positions by key; missing columns are recorded."""
    positions: dict[str, int] = {}
    normalized = [h.strip().lstrip("\ufeff").replace("(", "（").replace(")", "）") for h in header]
    for key, names in COLUMNS.items():
        for index, name in enumerate(normalized):
            if name in names:
                positions[key] = index
                break
        else:
            problems.append(
                Problem(
                    "E-COLUMN-MISSING",
                    f"缺少列“{LABELS[key]}”（可用表头：{'、'.join(names)}）",
                    source.whole(),
                )
            )
    return positions


def _progress(total: int | None, unit: str, show: bool) -> tqdm[Any] | None:
    if not show:
        return None
    return tqdm(
        total=total, unit=unit, unit_scale=True, desc="读取账簿", file=sys.stderr, leave=False
    )


def _read_csv(
    path: Path, show_progress: bool, problems: list[Problem]
) -> tuple[pl.DataFrame | None, _Source]:
    source = _Source(path.name, None, {})
    size = path.stat().st_size
    bar = _progress(size, "B", show_progress and size > CHUNK)
    if bar is None:
        data = path.read_bytes()
    else:
        buffer = io.BytesIO()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                buffer.write(chunk)
                bar.update(len(chunk))
        bar.close()
        data = buffer.getvalue()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        frame = pl.read_csv(
            data,
            infer_schema=False,
            row_index_name=ROW,
            row_index_offset=2,
            empty_string_is_null=False,
        ).with_columns(pl.exclude(ROW).fill_null(""))
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        problems.append(
            Problem(
                "E-FILE-READ", f"无法读取账簿（须为 UTF-8 编码的 CSV）：{error}", source.whole()
            )
        )
        return None, source
    positions = _header_keys([c for c in frame.columns if c != ROW], source, problems)
    if len(positions) < len(COLUMNS):
        return None, source
    names = [c for c in frame.columns if c != ROW]
    return frame.select(
        pl.col(ROW), *(pl.col(names[positions[key]]).alias(key) for key in COLUMNS)
    ), source


def _read_xlsx(
    path: Path, show_progress: bool, problems: list[Problem]
) -> tuple[pl.DataFrame | None, _Source]:
    refused = check_workbook(path, path.name, XLSX_LIMITS)
    if refused is not None:
        problems.append(refused)
        return None, _Source(path.name, None, {})
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError, IndexError):
        problems.append(not_a_workbook(path.name))
        return None, _Source(path.name, None, {})
    rows = iter(sheet.iter_rows())
    header = [cell_text(value) for value in next(rows, [])]
    source = _Source(path.name, sheet.name, {})
    positions = _header_keys(header, source, problems)
    if len(positions) < len(COLUMNS):
        return None, source
    source.letters = {key: _letter(index) for key, index in positions.items()}
    columns: dict[str, list[str]] = {key: [] for key in COLUMNS}
    numbers: list[int] = []
    bar = _progress(sheet.total_height, "行", show_progress and sheet.total_height > 50_000)
    for number, values in enumerate(rows, start=2):
        cells = [
            cell_text(values[positions[key]]) if positions[key] < len(values) else ""
            for key in COLUMNS
        ]
        if bar is not None and number % 10_000 == 0:
            bar.update(10_000)
        if not any(cells):
            continue
        numbers.append(number)
        for key, text in zip(COLUMNS, cells, strict=True):
            columns[key].append(text)
    if bar is not None:
        bar.close()
    frame = pl.DataFrame(
        {ROW: numbers, **columns}, schema={ROW: pl.Int64, **dict.fromkeys(COLUMNS, pl.String)}
    )
    for key in COLUMNS:
        long = frame.filter(pl.col(key).str.len_chars() > XLSX_LIMITS.cell_chars)
        if long.height:
            cell = f"{source.letters[key]}{long.item(0, ROW)}"
            problems.append(long_cell(path.name, sheet.name, cell, XLSX_LIMITS, "账簿未读取"))
            return None, source
    return frame, source


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_ledger(
    path: Path, *, fiscal_year: int, projects: Iterable[str], show_progress: bool = False
) -> LedgerResult:
    """Aggregate the ledger at ``path`` (.csv or .xlsx) into monthly spending by project."""
    problems: list[Problem] = []
    if not path.is_file():
        return LedgerResult(
            {}, 0, [Problem("E-FILE-MISSING", "文件不存在", SourceLocation(str(path)))]
        )
    reader = _read_xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
    frame, source = reader(path, show_progress, problems)
    if frame is None:
        return LedgerResult({}, 0, problems)
    known = sorted(set(projects))
    day = pl.col("date").str.to_date("%Y-%m-%d", strict=False)
    if frame.get_column("date").str.contains("/", literal=True).any():
        day = pl.coalesce(day, pl.col("date").str.to_date("%Y/%m/%d", strict=False))
    checked = (
        frame.lazy()
        .with_columns(pl.col(key).str.strip_chars() for key in COLUMNS)
        .filter(pl.any_horizontal(pl.col(key) != "" for key in COLUMNS))
        .with_columns(
            day=day,
            amount_ok=pl.col("amount").str.contains(AMOUNT),
            project_ok=pl.col("project").is_in(known),
        )
        .with_columns(
            ok=pl.col("day").is_not_null()
            & (pl.col("day").dt.year() == fiscal_year)
            & pl.col("amount_ok")
            & pl.col("project_ok")
            & (pl.col("voucher") != ""),
        )
        .collect()
    )
    found = [
        *_row_problems(checked.filter(~pl.col("ok")), source, fiscal_year),
        *_duplicate_vouchers(checked, source),
    ]
    problems += sorted(found, key=lambda problem: problem.location.row or 0)
    totals = (
        checked.lazy()
        .filter(pl.col("ok"))
        .with_columns(
            cents=pl.col("amount").cast(pl.Decimal(18, 2)), month=pl.col("day").dt.month()
        )
        .group_by("project", "month")
        .agg(pl.col("cents").sum())
        .collect()
    )
    monthly: dict[str, list[Decimal]] = {}
    for project, month, amount in totals.iter_rows():
        monthly.setdefault(project, [ZERO] * 12)[month - 1] = Decimal(amount).quantize(ZERO)
    return LedgerResult({k: tuple(v) for k, v in monthly.items()}, checked.height, problems)


def _row_problems(bad: pl.DataFrame, source: _Source, year: int) -> Iterator[Problem]:
    for row in bad.iter_rows(named=True):
        number = row[ROW]
        for key in COLUMNS:
            if row[key] == "":
                yield Problem(
                    "E-REQUIRED", f"“{LABELS[key]}”为必填项，不能为空", source.at(number, key)
                )
        if row["date"] and row["day"] is None:
            yield Problem(
                "E-DATE", f"日期“{row['date']}”无效（应如 2023-05-06）", source.at(number, "date")
            )
        elif row["day"] is not None and row["day"].year != year:
            yield Problem(
                "E-LEDGER-YEAR", f"日期 {row['day']} 不在 {year} 年度内", source.at(number, "date")
            )
        if row["amount"] and not row["amount_ok"]:
            yield Problem(
                "E-AMOUNT",
                f"金额“{row['amount']}”应为最多两位小数的数字（单位：元）",
                source.at(number, "amount"),
            )
        if row["project"] and not row["project_ok"]:
            yield Problem(
                "E-UNKNOWN-PROJECT",
                f"项目编码“{row['project']}”不在数据集的项目中",
                source.at(number, "project"),
            )


def _duplicate_vouchers(frame: pl.DataFrame, source: _Source) -> Iterator[Problem]:
    vouchers = frame.filter(pl.col("voucher") != "").select(ROW, "voucher")
    # Hashes are cheap to count; only when two collide is the exact (slower) check needed.
    if vouchers.select(pl.col("voucher").hash().n_unique()).item() == vouchers.height:
        return
    repeated = vouchers.filter(pl.col("voucher").is_duplicated()).sort(ROW)
    first: dict[str, int] = {}
    for number, voucher in repeated.iter_rows():
        if voucher in first:
            yield Problem(
                "E-DUPLICATE-VOUCHER",
                f"凭证号“{voucher}”重复，首次出现在第 {first[voucher]} 行",
                source.at(number, "voucher"),
            )
        else:
            first[voucher] = number


def apply_ledger(dataset: Dataset, monthly: dict[str, tuple[Decimal, ...]]) -> Dataset:
    """The data set with the ledger's spending for every project that has entries in it."""

    def updated(project: Project) -> Project:
        months = monthly.get(project.code)
        if months is None:
            return project
        return replace(project, monthly_spent=months, spent=sum(months, ZERO))

    return replace(dataset, projects=tuple(updated(project) for project in dataset.projects))
