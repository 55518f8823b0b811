"""A broken data set reports every error at once, with its location, and exits 1."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from jixiao.adapters.dataset_files import load_dataset
from jixiao.core.model import Comparison
from jixiao.core.problems import ProblemsFound
from jixiao.core.validation import validate_dataset

from .builders import dataset, indicator


def edit_csv(path: Path, row_number: int, column: str, value: str) -> None:
    """Set one cell; ``row_number`` counts as a spreadsheet does (header = 1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    rows[row_number - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def problems_of(folder: Path) -> list[tuple[str, str]]:
    with pytest.raises(ProblemsFound) as caught:
        load_dataset(folder)
    return [(p.code, str(p.location)) for p in caught.value.problems]


def test_field_errors_are_all_reported(reference_copy: Path) -> None:
    edit_csv(reference_copy / "projects.csv", 3, "name", "")
    edit_csv(reference_copy / "projects.csv", 4, "adjusted_budget_wan", "三百")
    edit_csv(reference_copy / "indicators.csv", 5, "points", "-1")
    edit_csv(reference_copy / "indicators.csv", 6, "comparison", "大于")
    edit_csv(reference_copy / "projects.csv", 2, "m03_yuan", "12.345")
    manifest = reference_copy / "dataset.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("fiscal_year: 2023", "fiscal_year: 二〇二三"),
        encoding="utf-8",
    )
    assert problems_of(reference_copy) == [
        ("E-NUMBER", "dataset.yaml department.fiscal_year"),
        ("E-RANGE", "indicators.csv 第 5 行 points"),
        ("E-CHOICE", "indicators.csv 第 6 行 comparison"),
        ("E-CENTS", "projects.csv 第 2 行 m03_yuan"),
        ("E-REQUIRED", "projects.csv 第 3 行 name"),
        ("E-NUMBER", "projects.csv 第 4 行 adjusted_budget_wan"),
    ]


def test_cross_record_errors_are_all_reported(reference_copy: Path) -> None:
    edit_csv(reference_copy / "indicators.csv", 2, "target", "0")
    edit_csv(reference_copy / "indicators.csv", 3, "key_task", "T9")
    edit_csv(reference_copy / "projects.csv", 2, "spent_wan", "20000")
    edit_csv(reference_copy / "projects.csv", 5, "funding_source", "central")
    problems = problems_of(reference_copy)
    assert problems == [
        ("E-BUDGET-TOTAL", "dataset.yaml budget_lines[0].adjusted_wan"),
        ("E-ZERO-TARGET", "indicators.csv 第 2 行 target"),
        ("E-UNKNOWN-TASK", "indicators.csv 第 3 行 key_task"),
        ("E-OVERSPENT", "projects.csv 第 2 行 spent_wan"),
        ("E-MONTHLY-TOTAL", "projects.csv 第 2 行"),
        ("E-UNKNOWN-FUNDING-SOURCE", "projects.csv 第 5 行 funding_source"),
    ]


def test_zero_target_message(reference_copy: Path) -> None:
    edit_csv(reference_copy / "indicators.csv", 2, "target", "0")
    with pytest.raises(ProblemsFound) as caught:
        load_dataset(reference_copy)
    assert str(caught.value.problems[0]) == (
        "indicators.csv 第 2 行 target：指标“出台促进跨境贸易便利化措施”的目标为 ≥0，"
        "任何实际值都能达成，无法衡量完成情况；“≥”指标的目标值须大于 0，零目标请写“≤0”或“=0”"
    )


def test_zero_targets_at_most_and_equal_are_valid(reference_copy: Path) -> None:
    """安全事故 ≤0 and 投诉 =0 load; a negative target is refused."""
    edit_csv(reference_copy / "indicators.csv", 2, "comparison", "≤")
    edit_csv(reference_copy / "indicators.csv", 2, "target", "0")
    edit_csv(reference_copy / "indicators.csv", 3, "comparison", "=")
    edit_csv(reference_copy / "indicators.csv", 3, "target", "0")
    loaded = load_dataset(reference_copy)
    assert [(i.comparison.value, i.target) for i in loaded.indicators[:2]] == [
        ("≤", 0),
        ("=", 0),
    ]
    edit_csv(reference_copy / "indicators.csv", 3, "target", "-1")
    assert problems_of(reference_copy) == [("E-RANGE", "indicators.csv 第 3 行 target")]


def test_validation_refuses_a_negative_target_and_at_least_zero() -> None:
    """A data set from elsewhere than a file (the web's records) is checked the same way."""
    data = dataset(
        [
            indicator("a", "1", target="0", comparison=Comparison.AT_MOST),
            indicator("b", "1", target="0", comparison=Comparison.EQUAL),
            indicator("c", "1", target="-1", comparison=Comparison.AT_MOST),
            indicator("d", "1", target="0", comparison=Comparison.AT_LEAST),
        ]
    )
    assert [(p.code, p.message) for p in validate_dataset(data)] == [
        ("E-ZERO-TARGET", "指标“指标c”的目标值为 -1，定量指标的目标值不能为负数"),
        (
            "E-ZERO-TARGET",
            "指标“指标d”的目标为 ≥0，任何实际值都能达成，无法衡量完成情况；“≥”指标的目标值须"
            "大于 0，零目标请写“≤0”或“=0”",
        ),
    ]


def test_missing_files_and_columns(reference_copy: Path) -> None:
    (reference_copy / "indicators.csv").unlink()
    text = (reference_copy / "projects.csv").read_text(encoding="utf-8")
    (reference_copy / "projects.csv").write_text(text.replace(",name,", ",名称,", 1), "utf-8")
    assert problems_of(reference_copy) == [
        ("E-FILE-MISSING", "indicators.csv"),
        ("E-COLUMN-UNKNOWN", "projects.csv 第 1 行"),
        ("E-COLUMN-MISSING", "projects.csv 第 1 行"),
    ]


def test_validate_command_lists_problems_and_exits_1(run_cli, reference_copy: Path) -> None:  # type: ignore[no-untyped-def]
    edit_csv(reference_copy / "indicators.csv", 2, "target", "0")
    edit_csv(reference_copy / "projects.csv", 3, "name", "")
    result = run_cli("validate", str(reference_copy))
    assert result.code == 1
    assert result.err.splitlines() == [
        "[E-ZERO-TARGET] indicators.csv 第 2 行 target：指标“出台促进跨境贸易便利化措施”的"
        "目标为 ≥0，任何实际值都能达成，无法衡量完成情况；“≥”指标的目标值须大于 0，"
        "零目标请写“≤0”或“=0”",
        "[E-REQUIRED] projects.csv 第 3 行 name：“项目名称”为必填项，不能为空",
        "共 2 个错误。",
    ]


def test_validate_json(run_cli, reference_copy: Path) -> None:  # type: ignore[no-untyped-def]
    edit_csv(reference_copy / "projects.csv", 4, "adjusted_budget_wan", "abc")
    result = run_cli("validate", str(reference_copy), "--format", "json")
    assert result.code == 1
    assert '"code": "E-NUMBER"' in result.out
    assert '"location": "projects.csv 第 4 行 adjusted_budget_wan"' in result.out


def test_missing_dataset_folder(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("evaluate", str(tmp_path / "nowhere"))
    assert result.code == 1
    assert "数据集目录不存在" in result.err


def test_installed_command_never_shows_a_traceback(reference_copy: Path) -> None:
    (reference_copy / "dataset.yaml").write_bytes(b"\xff\xfe not utf-8 [")
    completed = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", "evaluate", str(reference_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert "dataset.yaml：无法读取文件（须为 UTF-8 编码）" in completed.stderr


BROKEN_FRAMEWORK = """
id: broken
name: 有问题的评价体系
version: "2024"
points: 100
nodes:
  - id: a
    name: 履职
    points: 60
    rule: sum
    children:
      - {id: a1, name: 产出, points: 30, rule: indicator_completion, select: {category: output}}
      - {id: a2, name: 效益, points: 20, rule: indicator_completion, select: {category: effect}}
  - {id: b, name: 管理, points: 40, rule: magic}
"""


def test_broken_data_set_and_framework_report_everything_at_once(  # type: ignore[no-untyped-def]
    run_cli, reference_copy: Path, tmp_path: Path
) -> None:
    framework = tmp_path / "broken.yaml"
    framework.write_text(BROKEN_FRAMEWORK, encoding="utf-8")
    edit_csv(reference_copy / "projects.csv", 3, "name", "")  # a missing field
    edit_csv(reference_copy / "projects.csv", 4, "adjusted_budget_wan", "1,000")  # a bad number
    edit_csv(reference_copy / "indicators.csv", 2, "target", "0")  # a zero target
    result = run_cli("evaluate", str(reference_copy), "--framework", str(framework))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"[E-POINTS-SUM] {framework} nodes[0].children：子节点分值合计 50 不等于“履职”的分值 60",
        f"[E-CHOICE] {framework} nodes[1].rule：“rule”的取值“magic”无效，可选：sum、"
        "indicator_completion、rate_times_points、thresholds、deduction_per_finding、"
        "qualitative_tiers、manual、cohort_rank",
        "[E-ZERO-TARGET] indicators.csv 第 2 行 target：指标“出台促进跨境贸易便利化措施”的"
        "目标为 ≥0，任何实际值都能达成，无法衡量完成情况；“≥”指标的目标值须大于 0，"
        "零目标请写“≤0”或“=0”",
        "[E-REQUIRED] projects.csv 第 3 行 name：“项目名称”为必填项，不能为空",
        "[E-NUMBER] projects.csv 第 4 行 adjusted_budget_wan：“年度预算（万元）”不是有效数字："
        "“1,000”",
        "共 5 个错误。",
    ]


def test_numbers_out_of_range_are_errors_not_crashes(reference_copy: Path) -> None:
    edit_csv(reference_copy / "projects.csv", 2, "adjusted_budget_wan", "1e30")
    edit_csv(reference_copy / "indicators.csv", 2, "actual", "0.000000000001")
    edit_csv(reference_copy / "indicators.csv", 3, "target", "NaN")
    assert problems_of(reference_copy) == [
        ("E-RANGE", "indicators.csv 第 2 行 actual"),
        ("E-NUMBER", "indicators.csv 第 3 行 target"),
        ("E-RANGE", "projects.csv 第 2 行 adjusted_budget_wan"),
    ]


def test_control_characters_are_refused_at_their_cell(reference_copy: Path) -> None:
    edit_csv(reference_copy / "projects.csv", 3, "name", "口岸\x00经费")
    with pytest.raises(ProblemsFound) as caught:
        load_dataset(reference_copy)
    assert [str(p) for p in caught.value.problems] == [
        "projects.csv 第 3 行 name：“项目名称”含有不可见的控制字符，请删除后重新填写"
    ]
