"""Reading CSV tables row by row, with every cell problem located by file, row and column."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jixiao.core.fields import FieldReader
from jixiao.core.money import NotWholeCents, exact_cents, wan_to_yuan
from jixiao.core.problems import SourceLocation


@dataclass(frozen=True)
class Row:
    """One data row; ``number`` counts as a spreadsheet does (the header is row 1)."""

    file: str
    number: int
    cells: dict[str, str]

    def where(self, column: str | None = None) -> SourceLocation:
        return SourceLocation(self.file, row=self.number, column=column)

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()


def read_table(
    path: Path, label: str, required: Sequence[str], optional: Sequence[str], read: FieldReader
) -> Iterator[Row]:
    """Yield the rows of a CSV file; header problems are recorded in ``read``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            known = set(required) | set(optional)
            for column in required:
                if column not in header:
                    read.error(
                        "E-COLUMN-MISSING", f"缺少列“{column}”", SourceLocation(label, row=1)
                    )
            for column in header:
                if column not in known:
                    read.error(
                        "E-COLUMN-UNKNOWN", f"未知列“{column}”", SourceLocation(label, row=1)
                    )
            if any(column not in header for column in required):
                return  # rows of a table without its columns would only repeat the problem
            for number, raw in enumerate(reader, start=2):
                cells = {str(k).strip(): v or "" for k, v in raw.items() if k is not None}
                if None in raw:
                    read.error(
                        "E-ROW-WIDTH", "本行单元格多于表头列数", SourceLocation(label, number)
                    )
                if any(value.strip() for value in cells.values()):
                    yield Row(label, number, cells)
    except FileNotFoundError:
        read.error("E-FILE-MISSING", "文件不存在", SourceLocation(label))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        read.error(
            "E-FILE-READ", f"无法读取（须为 UTF-8 编码的 CSV）：{error}", SourceLocation(label)
        )


def cell_text(row: Row, column: str, read: FieldReader, *, required: bool = True) -> str | None:
    value = row.get(column)
    if not value:
        if required:
            read.error("E-REQUIRED", "必填单元格为空", row.where(column))
        return None
    return value


def cell_decimal(
    row: Row,
    column: str,
    read: FieldReader,
    *,
    required: bool = True,
    minimum: Decimal | None = None,
) -> Decimal | None:
    text = cell_text(row, column, read, required=required)
    if text is None:
        return None
    return read.number(text, row.where(column), label=column, minimum=minimum)


def amount_from_wan(value: Decimal, where: SourceLocation, read: FieldReader) -> Decimal | None:
    try:
        return wan_to_yuan(value)
    except NotWholeCents:
        read.error("E-CENTS", f"金额 {value} 万元不是整分（万元最多 6 位小数）", where)
        return None


def amount_in_yuan(value: Decimal, where: SourceLocation, read: FieldReader) -> Decimal | None:
    try:
        return exact_cents(value)
    except NotWholeCents:
        read.error("E-CENTS", f"金额 {value} 元不是整分（最多 2 位小数）", where)
        return None


def cell_flag(row: Row, column: str, read: FieldReader) -> bool | None:
    value = row.get(column).lower()
    if value in ("", "否", "no", "false", "0"):
        return False
    if value in ("是", "yes", "true", "1"):
        return True
    read.error("E-FLAG", f"应填“是”或“否”，实际是“{row.get(column)}”", row.where(column))
    return None
