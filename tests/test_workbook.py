"""The workbook: template, export/import round trip, errors at their cells, nothing written."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.frameworks import load_framework
from jixiao.adapters.workbook import read_workbook, write_workbook
from jixiao.core.evaluation import evaluate
from jixiao.core.model import Dataset

from .conftest import REFERENCE, digest

TABLE_SHEETS = [
    "预算",
    "重点任务",
    "项目",
    "项目资金",
    "绩效指标",
    "事前评估",
    "审计问题",
    "信息公开",
    "采购合同",
    "资产配置",
    "结转与经费",
    "评分",
    "文字说明",
    "用款计划",
    "指标监控",
    "公布数",
]


@pytest.fixture(scope="module")
def reference_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "reference.xlsx"
    write_workbook(load_dataset(REFERENCE), path)
    return path


def header(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def test_template_is_a_blank_workbook_with_help(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "blank.xlsx"
    assert run_cli("template", str(path), "--year", "2024").code == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "部门", *TABLE_SHEETS]
    department = book["部门"]
    assert [(row[0].value, row[1].value) for row in department.iter_rows(min_row=2)] == [
        ("部门编码", None),
        ("部门名称", None),
        ("预算年度", 2024),
        ("专项资金名称", None),
    ]
    projects = book["项目"]
    assert header(projects)[:9] == [
        "项目编码",
        "项目名称",
        "支出分组",
        "资金来源编码",
        "重点任务编码",
        "专项资金",
        "责任处室",
        "年度预算（万元）",
        "支出金额（万元）",
    ]
    assert header(projects)[9:21] == [f"{m}月支出（元）" for m in range(1, 13)]
    assert projects.max_row == 1
    for name in TABLE_SHEETS:
        assert book[name].freeze_panes == "A2", name
        assert all(cell.comment is not None for cell in book[name][1]), name
    budget_note = projects["H1"].comment
    assert budget_note is not None
    assert budget_note.text.startswith("必填。单位：万元，最多 6 位小数。")
    indicators = book["绩效指标"]
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in indicators.data_validations.dataValidation
    }
    assert (
        lists["E2"] == '"数量指标,质量指标,时效指标,成本指标,经济效益指标,社会效益指标,'
        '生态效益指标,可持续影响指标,服务对象满意度指标"'
    )
    assert lists["G2"] == '"≥,≤,=,定性"'
    assert lists["C2"] == '"是,否"'
    instructions = [row[1].value for row in book["说明"].iter_rows() if row[1].value]
    assert "预算和年度（调整后）预算" in "".join(instructions)


def test_export_formats_amounts(reference_workbook: Path) -> None:
    projects = openpyxl.load_workbook(reference_workbook)["项目"]
    last = projects.max_row
    assert projects.max_row == 54
    assert projects[f"B{last}"].value == "其他商务发展扶持资金（表 2-1 未列示部分）"
    row = next(r for r in projects.iter_rows(min_row=2) if r[0].value == "P47")
    assert (row[1].value, row[7].value) == ("中央外经贸发展专项资金", 3924.185582)
    assert row[7].number_format == "#,##0.00####"
    assert row[9].number_format == "#,##0.00"


def test_round_trip_is_exact(reference_workbook: Path, reference_dataset: Dataset) -> None:
    dataset, problems = read_workbook(reference_workbook)
    assert problems == []
    assert dataset == reference_dataset
    assert dataset is not None
    p47 = next(p for p in dataset.projects if p.code == "P47")
    assert p47.adjusted_budget == Decimal("39241855.82")
    evaluation = evaluate(dataset, load_framework("guangzhou-department-overall-2023"))
    assert evaluation.score == Decimal("93.13")


def test_import_writes_the_dataset_folder(
    reference_workbook: Path,
    tmp_path: Path,
    run_cli,
    reference_dataset: Dataset,  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "imported"
    result = run_cli("import", str(reference_workbook), "--into", str(target))
    assert result.code == 0
    assert result.out.splitlines()[-1] == (
        f"已导入 广州市商务局 2023 年度：53 个项目，33 个指标 → {target}"
    )
    assert load_dataset(target) == reference_dataset
    again = run_cli("evaluate", str(target), "--format", "json")
    assert json.loads(again.out)["total"] == {"score": "93.13", "max": "100"}


def test_five_errors_at_their_cells_and_nothing_written(
    reference_workbook: Path,
    reference_copy: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    book = openpyxl.load_workbook(reference_workbook)
    projects = book["项目"]
    projects["H3"] = "十三万"  # text in an amount cell
    projects["H4"] = -5  # a negative budget
    projects["V1"] = "13月支出（元）"  # a month 13
    projects["E6"] = "T9"  # an unknown task
    projects["B7"] = None  # an empty required cell
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    before = digest(reference_copy)
    result = run_cli("import", str(broken), "--into", str(reference_copy))
    assert result.code == 1
    assert result.err.splitlines() == [
        "[E-COLUMN-UNKNOWN] 项目!V1：月份“13”无效：月度支出只有 1–12 月"
        "（第 13 期调整请计入 12 月）",
        "[E-NUMBER] 项目!H3：“年度预算（万元）”不是有效数字：“十三万”",
        "[E-RANGE] 项目!H4：“年度预算（万元）”不能小于 0，实际为 -5",
        "[E-UNKNOWN-TASK] 项目!E6：项目“广东省促进经济高质量发展专项资金（口岸建设方向）中欧班列”"
        "关联的重点任务“T9”不存在",
        "[E-REQUIRED] 项目!B7：“项目名称”为必填项，不能为空",
        "共 5 个错误。",
        f"未写入：{reference_copy} 保持不变。",
    ]
    assert digest(reference_copy) == before


def test_problems_as_json(reference_workbook: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    book = openpyxl.load_workbook(reference_workbook)
    book["绩效指标"]["E2"] = "数量"
    del book["预算"]
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    result = run_cli("import", str(broken), "--into", str(tmp_path / "out"), "--format", "json")
    assert result.code == 1
    assert json.loads(result.out)["problems"] == [
        {
            "code": "E-SHEET-MISSING",
            "severity": "error",
            "location": "broken.xlsx",
            "message": "缺少工作表“预算”",
        },
        {
            "code": "E-CHOICE",
            "severity": "error",
            "location": "绩效指标!E2",
            "message": "“指标类型”的取值“数量”无效，可选：数量指标、质量指标、时效指标、成本指标、"
            "经济效益指标、社会效益指标、生态效益指标、可持续影响指标、服务对象满意度指标",
        },
    ]
    assert not (tmp_path / "out").exists()


def test_not_a_workbook(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    result = run_cli("import", str(path), "--into", str(tmp_path / "out"))
    assert result.code == 1
    assert result.err.startswith("[E-WORKBOOK] notes.xlsx：无法读取工作簿")


def test_out_of_range_date_cell_is_reported_quietly(
    reference_workbook: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.load_workbook(reference_workbook)
    cell = book["采购合同"]["D3"]
    cell.value = -1e300
    cell.number_format = "yyyy-mm-dd"
    path = tmp_path / "odd-date.xlsx"
    book.save(path)
    _, problems = read_workbook(path)
    assert [str(p) for p in problems if p.code == "E-CELL-UNREADABLE"] == [
        "采购合同 第 3 行：本行有无法识别的单元格（多为超出范围的日期或时间），本表其后各行未读取"
    ]
    assert "panicked" not in capfd.readouterr().err


def test_import_never_replaces_a_folder_that_is_not_a_dataset(
    reference_workbook: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "工作总结.docx").write_bytes(b"precious")
    result = run_cli("import", str(reference_workbook), "--into", str(documents))
    assert result.code == 1
    assert "[E-NOT-DATASET]" in result.err
    assert [p.name for p in documents.iterdir()] == ["工作总结.docx"]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) by its relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def kept_folder(reference_copy: Path) -> Path:
    """A data-set folder where a user also keeps notes and attachments."""
    (reference_copy / "notes.txt").write_text("处室的工作笔记", encoding="utf-8")
    attachments = reference_copy / "attachments"
    attachments.mkdir()
    (attachments / "审计报告.pdf").write_bytes(b"%PDF-1.7 precious")
    return reference_copy


def test_item4_import_refuses_a_folder_that_holds_a_dataset(
    reference_workbook: Path,
    kept_folder: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    before = tree(kept_folder)
    result = run_cli("import", str(reference_workbook), "--into", str(kept_folder))
    assert result.code == 1
    assert result.err.splitlines() == [
        f"[E-DATASET-EXISTS] {kept_folder}：目标目录中已有数据集，未写入。确要用新数据替换其中的"
        "数据集文件（dataset.yaml、projects.csv、indicators.csv），请加 --replace；"
        "目录中的其他文件不受影响",
        "共 1 个错误。",
    ]
    assert tree(kept_folder) == before


def test_item4_import_replace_writes_only_the_dataset_files(
    reference_workbook: Path,
    kept_folder: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    book = openpyxl.load_workbook(reference_workbook)
    book["项目"]["B2"] = "改过名称的项目"
    changed = tmp_path / "changed.xlsx"
    book.save(changed)
    before = tree(kept_folder)
    result = run_cli("import", str(changed), "--into", str(kept_folder), "--replace")
    assert result.code == 0, result.err
    after = tree(kept_folder)
    assert sorted(after) == sorted(before)  # no file gone, no file left behind
    dataset_files = ["dataset.yaml", "projects.csv", "indicators.csv"]
    assert {name: after[name] for name in after if name not in dataset_files} == {
        name: before[name] for name in before if name not in dataset_files
    }
    assert after["projects.csv"] != before["projects.csv"]
    assert load_dataset(kept_folder).projects[0].name == "改过名称的项目"


def test_item4_a_failed_replace_leaves_the_old_dataset(
    reference_workbook: Path,
    kept_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    real_replace = os.replace
    calls: list[str] = []

    def fail_at_the_second_file(source: str, target: str) -> None:
        calls.append(str(target))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    book = openpyxl.load_workbook(reference_workbook)
    book["项目"]["B2"] = "改过名称的项目"
    changed = tmp_path / "changed.xlsx"
    book.save(changed)
    before = tree(kept_folder)
    monkeypatch.setattr(os, "replace", fail_at_the_second_file)
    result = run_cli("import", str(changed), "--into", str(kept_folder), "--replace")
    assert (result.code, result.err.splitlines()) == (
        1,
        [
            f"[E-WRITE] {kept_folder}：无法写入（No space left on device），"
            "目录中原有的文件保持不变",
            "共 1 个错误。",
        ],
    )
    assert len(calls) > 2  # the first file was moved in, then put back
    assert tree(kept_folder) == before


def test_item4_import_into_an_empty_folder_needs_no_replace(
    reference_workbook: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
    reference_dataset: Dataset,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("import", str(reference_workbook), "--into", str(empty))
    assert result.code == 0, result.err
    assert sorted(p.name for p in empty.iterdir()) == [
        "dataset.yaml",
        "indicators.csv",
        "projects.csv",
    ]
    assert load_dataset(empty) == reference_dataset
