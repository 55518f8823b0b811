"""CSV tables: header checks, rows with their locations, and writing in a stable form."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from jixiao.adapters.tables import Column
from jixiao.core.fields import FieldReader
from jixiao.core.problems import SourceLocation


def read_table(
    path: Path, label: str, columns: Sequence[Column], read: FieldReader
) -> tuple[list[tuple[dict[str, object], SourceLocation]], bool]:
    """The non-blank rows of a CSV file with their locations (the header is row 1), and
    whether the header is sound.

    Problems with the header are recorded in ``read``. A table missing a required column
    yields no rows, since every row would only repeat that problem; one with an unknown column
    still yields its rows, so that their other problems are found.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            missing, unknown = _header_problems(header, label, columns, read)
            if missing:
                return [], False
            rows: list[tuple[dict[str, object], SourceLocation]] = []
            for number, values in enumerate(reader, start=2):
                if not any(value.strip() for value in values):
                    continue
                if len(values) > len(header):
                    read.error(
                        "E-ROW-WIDTH", "本行单元格多于表头列数", SourceLocation(label, number)
                    )
                cells: dict[str, object] = dict(zip(header, values, strict=False))
                rows.append((cells, SourceLocation(label, row=number)))
            return rows, not unknown
    except FileNotFoundError:
        read.error("E-FILE-MISSING", "文件不存在", SourceLocation(label))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        read.error(
            "E-FILE-READ", f"无法读取（须为 UTF-8 编码的 CSV）：{error}", SourceLocation(label)
        )
    return [], False


def _header_problems(
    header: list[str], label: str, columns: Sequence[Column], read: FieldReader
) -> tuple[list[str], list[str]]:
    """The required columns missing from ``header`` and its unknown columns, both recorded."""
    where = SourceLocation(label, row=1)
    known = {column.key for column in columns}
    for name in header:
        if name not in known:
            read.error("E-COLUMN-UNKNOWN", f"未知列“{name}”", where)
    missing = [column.key for column in columns if column.required and column.key not in header]
    for name in missing:
        read.error("E-COLUMN-MISSING", f"缺少列“{name}”", where)
    return missing, [name for name in header if name not in known]


def table_text(columns: Sequence[Column], rows: Sequence[Mapping[str, str]]) -> str:
    """A table as CSV text: the column keys as header, one line per row, ``\\n`` line ends."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    # The writer quotes a value holding "\n" but not one holding a lone "\r" (its line end is
    # "\n"), and a reader would end the row there: such a row is written all quoted.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writerow([column.key for column in columns])
    for row in rows:
        cells = [row.get(column.key, "") for column in columns]
        (quoted if any("\r" in str(cell) for cell in cells) else plain).writerow(cells)
    return buffer.getvalue()
