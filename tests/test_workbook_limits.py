"""Issue 10, item 12: workbook bombs are refused before python-calamine reads them — with a
Chinese message naming the file, the sheet and the limit — in every path that reads a workbook:
``read_workbook`` (``jixiao import`` and the web upload) and the .xlsx ledger. How quickly and in
how much memory is measured by benchmarks/upload_bombs.py."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from jixiao.adapters.ledger import read_ledger
from jixiao.adapters.workbook import read_workbook, write_workbook
from jixiao.core.model import Dataset

from .xlsx_bombs import (
    declare_size,
    numbered_rows,
    one_sheet,
    set_inline_text,
    text_cell,
    wide_rows,
)

SHEET = "xl/worksheets/sheet1.xml"
NOT_A_WORKBOOK = (
    "无法读取工作簿：文件不是 .xlsx 工作簿或已损坏，请在 Excel 中打开后另存为 .xlsx 再导入"
)


def refusal(path: Path) -> list[str]:
    dataset, problems = read_workbook(path)
    assert dataset is None
    return [f"[{p.code}] {p}" for p in problems]


def test_item12_a_zip_bomb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    one_sheet(path, "项目", wide_rows(10_000, 6000))
    assert refusal(path) == ["[E-WORKBOOK-TOO-LARGE] bomb.xlsx：工作簿解压后超过 50 MB"]


def test_item12_a_zip_bomb_that_declares_a_small_size_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    one_sheet(path, "项目", wide_rows(10_000, 6000))
    declare_size(path, SHEET, 1000)
    with zipfile.ZipFile(path) as archive:
        assert sum(entry.file_size for entry in archive.infolist()) < 50 * 1024 * 1024
    assert refusal(path) == ["[E-WORKBOOK-TOO-LARGE] bomb.xlsx：工作簿解压后超过 50 MB"]


def test_item12_too_many_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    one_sheet(path, "项目", numbered_rows(10_001))
    assert refusal(path) == ["[E-SHEET-TOO-LARGE] rows.xlsx：“项目”表超过 10000 行"]


def test_item12_one_cell_far_down_or_right(tmp_path: Path) -> None:
    """A cell at XFD1048576 would make calamine lay out 17 billion cells."""
    path = tmp_path / "far.xlsx"
    one_sheet(path, "项目", [b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'])
    assert refusal(path) == ["[E-SHEET-TOO-LARGE] far.xlsx：“项目”表超过 10000 行"]
    one_sheet(path, "项目", [b'<row r="1"><c r="A1"><v>1</v></c><c r="CW1"><v>1</v></c></row>'])
    assert refusal(path) == [
        "[E-SHEET-TOO-LARGE] far.xlsx：“项目”表超过 100 列（最后一列为 CV 列）"
    ]


@pytest.mark.parametrize(
    "row",
    [
        b'<row r="1"><c r="A1" r="A10001"><v>1</v></c></row>',  # calamine takes the last r
        b'<row r="1"><c r="A1" x="<"><v>1</v></c><c r="A10001" y=">"><v>2</v></c></row>',
        b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="10001">'
        b'<x:c r="A10001"><x:v>1</x:v></x:c></x:row>',
        b'<row r="10000"><c r="A10000"><v>1</v></c></row><row><c><v>1</v></c></row>',
    ],
)
def test_item12_rows_written_oddly_are_counted_as_calamine_counts_them(
    tmp_path: Path, row: bytes
) -> None:
    path = tmp_path / "odd.xlsx"
    one_sheet(path, "项目", [row])
    assert refusal(path) == ["[E-SHEET-TOO-LARGE] odd.xlsx：“项目”表超过 10000 行"]


def test_item12_one_cell_written_over_and_over(tmp_path: Path) -> None:
    """calamine keeps every copy until it lays the sheet out."""
    path = tmp_path / "copies.xlsx"
    copies = b'<c r="A1" x="1"><v>1</v></c>' * 100_000
    one_sheet(path, "项目", [b'<row r="1">', *[copies] * 11, b"</row>"])
    assert refusal(path) == ["[E-SHEET-TOO-LARGE] copies.xlsx：“项目”表的单元格超过 1000000 个"]


def test_item12_empty_formatted_cells_do_not_count(tmp_path: Path) -> None:
    """Excel writes a formatted empty cell as ``<c r="A50000" s="1"/>``; calamine skips it."""
    path = tmp_path / "formatted.xlsx"
    one_sheet(path, "项目", [b'<row r="50000"><c r="A50000" s="0"/></row>'])
    assert not any("E-SHEET-TOO-LARGE" in line for line in refusal(path))


def test_item12_a_huge_cell(tmp_path: Path) -> None:
    path = tmp_path / "cell.xlsx"
    one_sheet(path, "项目", text_cell("B7", megabytes=5))
    assert refusal(path) == [
        "[E-CELL-TOO-LONG] cell.xlsx：“项目”表中有单元格超过 32767 个字符（Excel 单元格的上限）"
    ]


def test_item12_a_long_cell_is_named(reference_dataset: Dataset, tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    write_workbook(reference_dataset, path)
    assert openpyxl.load_workbook(path).sheetnames[4] == "项目"
    set_inline_text(path, "xl/worksheets/sheet5.xml", "B7", "长" * 32_768)
    _, problems = read_workbook(path)
    assert [str(p) for p in problems] == [
        "项目!B7：超过 32767 个字符（Excel 单元格的上限），本表其后各行未读取"
    ]


def test_item12_not_a_workbook_or_a_broken_one(
    reference_dataset: Dataset, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    write_workbook(reference_dataset, broken)
    broken.write_bytes(broken.read_bytes()[:30_000])
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert refusal(text) == [f"[E-WORKBOOK] notes.xlsx：{NOT_A_WORKBOOK}"]
    assert refusal(broken) == [f"[E-WORKBOOK] broken.xlsx：{NOT_A_WORKBOOK}"]
    assert refusal(old) == [
        "[E-WORKBOOK] old.xlsx：无法读取工作簿：这是旧版 .xls 或设有密码的工作簿，"
        "请在 Excel 中另存为不设密码的 .xlsx 再导入"
    ]
    result = run_cli("import", str(broken), "--into", str(tmp_path / "out"))
    assert (result.code, result.err.splitlines()[0]) == (
        1,
        f"[E-WORKBOOK] broken.xlsx：{NOT_A_WORKBOOK}",
    )


def test_item12_a_missing_file_or_a_folder(tmp_path: Path) -> None:
    assert refusal(tmp_path / "gone.xlsx") == ["[E-FILE-MISSING] gone.xlsx：文件不存在"]
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert refusal(folder) == ["[E-WORKBOOK] folder.xlsx：无法打开文件：不是文件，或没有读取权限"]


def test_item12_a_zip_of_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "entries.xlsx"
    one_sheet(path, "项目", numbered_rows(1), extra_entries=1000)
    assert refusal(path) == [
        "[E-WORKBOOK-TOO-LARGE] entries.xlsx：工作簿内的文件超过 1000 个，不是正常的 .xlsx 工作簿"
    ]


def test_item12_jixiao_import_refuses_a_bomb(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rows.xlsx"
    one_sheet(path, "项目", numbered_rows(10_001))
    result = run_cli("import", str(path), "--into", str(tmp_path / "out"))
    assert (result.code, result.err.splitlines()[0]) == (
        1,
        "[E-SHEET-TOO-LARGE] rows.xlsx：“项目”表超过 10000 行",
    )
    assert not (tmp_path / "out").exists()


# --- the .xlsx ledger: the limits of a year's payments --------------------------------------


def ledger_problems(path: Path) -> list[str]:
    result = read_ledger(path, fiscal_year=2023, projects=["P01"])
    assert result.monthly == {}
    return [f"[{p.code}] {p}" for p in result.problems]


def ledger_header() -> bytes:
    labels = ("日期", "项目编码", "金额（元）", "凭证号")
    cells = "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{label}</t></is></c>'
        for letter, label in zip("ABCD", labels, strict=True)
    )
    return f'<row r="1">{cells}</row>'.encode()


def test_item12_a_ledger_may_be_long_but_not_longer_than_a_sheet(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    far = b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>'
    one_sheet(path, "账簿", [ledger_header(), far])
    assert ledger_problems(path) == ["[E-SHEET-TOO-LARGE] ledger.xlsx：“账簿”表超过 1048576 行"]
    one_sheet(path, "账簿", [ledger_header(), b'<row r="2"><c r="AO2"><v>1</v></c></row>'])
    assert ledger_problems(path) == [
        "[E-SHEET-TOO-LARGE] ledger.xlsx：“账簿”表超过 40 列（最后一列为 AN 列）"
    ]


def test_item12_a_ledger_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    one_sheet(path, "账簿", [ledger_header()])
    declare_size(path, SHEET, 600 * 1024 * 1024)
    assert ledger_problems(path) == ["[E-WORKBOOK-TOO-LARGE] ledger.xlsx：工作簿解压后超过 500 MB"]


def test_item12_a_ledger_with_a_long_cell_or_none_at_all(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    one_sheet(path, "账簿", [ledger_header(), *text_cell("B5", characters=40_000)])
    assert ledger_problems(path) == [
        "[E-CELL-TOO-LONG] 账簿!B5：超过 32767 个字符（Excel 单元格的上限），账簿未读取"
    ]
    path.write_bytes(b"PK\x03\x04 but no more")
    assert ledger_problems(path) == [f"[E-WORKBOOK] ledger.xlsx：{NOT_A_WORKBOOK}"]


def test_item12_no_raw_decompressor_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    for line in [*refusal(path), *ledger_problems(path)]:
        english = re.findall(r"[A-Za-z]{3,}", line.split("：", 1)[1])
        assert set(english) <= {"xlsx", "Excel"}, line
