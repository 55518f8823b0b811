"""Every table has a natural key, and a duplicate is an error at its cell in every format
(issue 10, item 5); references are checked in the same pass as the rows that cannot be read
(item 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from jixiao.adapters.assemble import DEPARTMENT, PUBLISHED
from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.tables import ALL_TABLES
from jixiao.adapters.workbook import write_workbook

from .conftest import REFERENCE, digest

# The sheet, its first row's key cell, and the message for the key of that row.
DUPLICATED_FIRST_ROWS = [
    ("采购合同", "A", "合同编号“C01”重复"),
    ("资产配置", "A", "资产类别“台式计算机”重复"),
    ("事前评估", "A", "项目编码“P18”重复"),
    ("审计问题", "A", "问题编码“A1”重复"),
    ("信息公开", "A", "公开类型、公开事项“预算公开、2023 年部门预算”重复"),
    ("评分", "A", "评价项编号“performance_management”重复"),
    ("文字说明", "A", "部分“部门职能”重复"),
    ("公布数", "A", "类型“报告名称”重复"),
]


@pytest.fixture(scope="module")
def reference_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "reference.xlsx"
    write_workbook(load_dataset(REFERENCE), path)
    return path


def test_item5_every_table_has_a_natural_key() -> None:
    for table in (DEPARTMENT, *ALL_TABLES, PUBLISHED):
        keys = {column.key for column in table.columns}
        assert table.natural_key, table.key
        assert set(table.natural_key) <= keys, table.key


@pytest.mark.parametrize(("sheet", "column", "message"), DUPLICATED_FIRST_ROWS)
def test_item5_a_copied_row_is_refused_at_both_cells(
    reference_workbook: Path,
    tmp_path: Path,
    run_cli: Any,
    sheet: str,
    column: str,
    message: str,
) -> None:
    book = openpyxl.load_workbook(reference_workbook)
    table = book[sheet]
    copy = table.max_row + 1
    for cell in table[2]:
        table.cell(row=copy, column=cell.column, value=cell.value)
    edited = tmp_path / "copied.xlsx"
    book.save(edited)
    result = run_cli("import", str(edited), "--into", str(tmp_path / "out"))
    assert result.code == 1
    problems = [line for line in result.err.splitlines() if line.startswith("[E-")]
    assert problems == [
        f"[E-DUPLICATE-CODE] {sheet}!{column}2：{message}（又见 {sheet}!{column}{copy}）",
        f"[E-DUPLICATE-CODE] {sheet}!{column}{copy}：{message}（又见 {sheet}!{column}2）",
    ]
    assert not (tmp_path / "out").exists()


def test_item5_a_copied_contract_in_the_folder_is_refused(
    reference_copy: Path, run_cli: Any
) -> None:
    """The copied row that moved the reference total from 93.13 to 92.13."""
    manifest = reference_copy / "dataset.yaml"
    document = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    contracts = document["management"]["contracts"]
    contracts.append(dict(contracts[0]))
    manifest.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    before = digest(reference_copy)
    result = run_cli("evaluate", str(reference_copy))
    assert result.code == 1
    last = len(contracts) - 1
    assert result.err.splitlines()[:2] == [
        f"[E-DUPLICATE-CODE] dataset.yaml management.contracts[0].code：合同编号“C01”重复"
        f"（又见 dataset.yaml management.contracts[{last}].code）",
        f"[E-DUPLICATE-CODE] dataset.yaml management.contracts[{last}].code：合同编号“C01”重复"
        "（又见 dataset.yaml management.contracts[0].code）",
    ]
    assert digest(reference_copy) == before


def test_item6_unknown_references_are_reported_with_unreadable_rows_in_one_pass(
    reference_workbook: Path, tmp_path: Path, run_cli: Any
) -> None:
    book = openpyxl.load_workbook(reference_workbook)
    tasks, projects = book["重点任务"], book["项目"]
    tasks["B3"] = None  # task T2 cannot be read: its name is missing
    projects["H2"] = "十万"  # a project that cannot be read
    projects["E9"] = "T9"  # a project naming a task no row gives
    edited = tmp_path / "broken.xlsx"
    book.save(edited)
    result = run_cli("import", str(edited), "--into", str(tmp_path / "out"))
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[:3] == [
        "[E-REQUIRED] 重点任务!B3：“重点工作任务名称”为必填项，不能为空",
        "[E-NUMBER] 项目!H2：“年度预算（万元）”不是有效数字：“十万”",
        f"[E-UNKNOWN-TASK] 项目!E9：项目“{projects['B9'].value}”关联的重点任务“T9”不存在",
    ]
    # projects and indicators of T2, whose row is unreadable, are not reported as unknown
    assert not any("“T2”不存在" in line for line in lines)
