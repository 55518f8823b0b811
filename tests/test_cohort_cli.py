"""``jixiao evaluate DATASET --cohort FOLDER``: the cohort read from a folder of data sets.

The folder holds the seven departments of ``tests/test_cohort.py``: A–F as data-set subfolders,
G as a workbook — both read by the readers ``jixiao load`` uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from jixiao.adapters.dataset_files import write_dataset
from jixiao.adapters.workbook import write_workbook

from .conftest import DATA, CliResult
from .test_cohort import COHORT_SPENT, department

FRAMEWORK = str(DATA / "cohort-framework.yaml")
RANKING = [
    "同批排名（同批部门“第一批”，2023 年度，截止 2024-03-31，7 个部门）",
    "  预算执行率排名                                          4 / 5",
    "    · 预算执行率 98.00%，在 6 个部门中排名第 2（前 33.33%），属“前 50%”档，得 4 分",
    "  产出指标得分排名                                        3 / 5",
    "    · “产出指标”得分 4.5 分，在 7 个部门中排名第 3（前 42.86%），属“前 3 名”档，得 3 分",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    cohort = tmp_path / "第一批"
    cohort.mkdir()
    for code, (spent, output) in COHORT_SPENT.items():
        member = department(code, spent, output)
        if code == "G":
            write_workbook(member, cohort / "g.xlsx")
        else:
            write_dataset(member, cohort / code.lower())
    (cohort / "说明.txt").write_text("同批部门的数据", encoding="utf-8")  # not a member
    return cohort


def evaluate_b(run_cli: Callable[..., CliResult], folder: Path, *more: str) -> CliResult:
    return run_cli(
        "evaluate",
        str(folder / "b"),
        "--framework",
        FRAMEWORK,
        "--cohort",
        str(folder),
        "--cut-off",
        "2024-03-31",
        *more,
    )


def section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def test_where_the_department_stands_in_its_cohort(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    result = evaluate_b(run_cli, folder)
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines()[2] == "总分 16.4 / 20　等级：差"
    assert section(result.out, "同批排名") == RANKING
    assert "提示" not in result.out


def test_the_json_has_the_cohort_figures_used(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    result = evaluate_b(run_cli, folder, "--format", "json", "--cohort-name", "甲批")
    assert result.code == 0
    shown = json.loads(result.out)
    cohort = shown["cohort"]
    assert {key: cohort[key] for key in ("name", "fiscal_year", "cut_off", "framework")} == {
        "name": "甲批",
        "fiscal_year": 2023,
        "cut_off": "2024-03-31",
        "framework": "test-cohort-2023",
    }
    assert cohort["measures"] == ["execution_rate", "item:output"]
    assert cohort["unreadable"] == []
    figures = {m["code"]: m["figures"] for m in cohort["members"]}
    assert list(figures) == list("ABCDEFG")
    assert figures["D"] == {
        "execution_rate": {"value": "95.00", "reason": None},
        "item:output": {"value": "4", "reason": None},
    }
    assert figures["G"]["execution_rate"] == {
        "value": None,
        "reason": "部门整体没有预算（年度预算为 0），无法计算执行率",
    }
    rank = shown["nodes"][0]["children"][1]
    assert rank["rule"] == "cohort_rank"
    assert rank["measures"] == {
        "metric": "execution_rate",
        "rate": "98.00",
        "cohort": {
            "measure": "execution_rate",
            "cohort": "甲批",
            "cut_off": "2024-03-31",
            "value": "98.00",
            "rank": 2,
            "ranked": 6,
            "top_share": "33.33",
            "band": 1,
        },
    }


def break_two(folder: Path) -> None:
    (folder / "h").mkdir()
    (folder / "h" / "dataset.yaml").write_text("department: [\n", encoding="utf-8")
    (folder / "i.xlsx").write_bytes(b"not a workbook")


UNREADABLE = [
    "[E-COHORT] 同批部门的数据集无法读取：{folder}/h（3 个错误）",
    "    [E-YAML] dataset.yaml 第 2 行：YAML 格式错误：expected the node content, but found "
    "'<stream end>'",
    "    [E-FILE-MISSING] indicators.csv：文件不存在",
    "    [E-FILE-MISSING] projects.csv：文件不存在",
    "[E-COHORT] 同批部门的数据集无法读取：{folder}/i.xlsx（1 个错误）",
    "    [E-WORKBOOK] i.xlsx：无法读取工作簿：文件不是 .xlsx 工作簿或已损坏，请在 Excel 中打开后"
    "另存为 .xlsx 再导入",
]


def test_unreadable_members_are_named_and_nothing_is_evaluated(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    break_two(folder)
    result = evaluate_b(run_cli, folder)
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines() == [
        *(line.format(folder=folder) for line in UNREADABLE),
        "同批部门中 2 个数据集无法读取，未评价：每个部门的排名取决于同批的全部部门。"
        "改正后重试；或加 --skip-unreadable 不计入它们而继续评价。",
    ]
    shown = json.loads(evaluate_b(run_cli, folder, "--format", "json").out)
    assert [member["file"] for member in shown["cohort_unreadable"]] == [
        str(folder / "h"),
        str(folder / "i.xlsx"),
    ]


def test_skip_unreadable_ranks_among_the_members_read(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    break_two(folder)
    result = evaluate_b(run_cli, folder, "--cohort-name", "第一批", "--skip-unreadable")
    assert result.code == 0
    assert result.err.splitlines() == [
        *(line.format(folder=folder) for line in UNREADABLE),
        "同批部门中 2 个数据集无法读取，未计入排名（--skip-unreadable）。",
    ]
    assert section(result.out, "同批排名") == RANKING
    shown = json.loads(evaluate_b(run_cli, folder, "--format", "json", "--skip-unreadable").out)
    assert [m["file"] for m in shown["cohort"]["unreadable"]] == [
        str(folder / "h"),
        str(folder / "i.xlsx"),
    ]
    assert shown["cohort"]["unreadable"][1]["problems"][0]["code"] == "E-WORKBOOK"


def test_a_subfolder_that_is_not_a_data_set_is_an_unreadable_member(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    (folder / "附件").mkdir()
    result = evaluate_b(run_cli, folder)
    assert result.code == 1
    assert result.err.splitlines()[:2] == [
        f"[E-COHORT] 同批部门的数据集无法读取：{folder}/附件（1 个错误）",
        f"    [E-NOT-DATASET] {folder}/附件：子目录中没有 dataset.yaml，不是数据集目录",
    ]


def test_without_a_cohort_the_items_are_pending(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    result = run_cli("evaluate", str(folder / "b"), "--framework", FRAMEWORK)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[2] == "总分 9.4 / 20　等级：差"
    assert section(result.out, "同批排名") == [
        "同批排名（未提供同批部门数据）",
        "  预算执行率排名                                          0 / 5",
        "    · 待评：缺少同批部门数据，无法按预算执行率排名；暂按 0 分计",
        "  产出指标得分排名                                        0 / 5",
        "    · 待评：缺少同批部门数据，无法按“产出指标”得分排名；暂按 0 分计",
    ]
    assert section(result.out, "提示") == [
        "提示",
        "  [W-COHORT-PENDING] 评价体系 test-cohort-2023 节点 execution_rank："
        "待评：缺少同批部门数据，无法按预算执行率排名",
        "  [W-COHORT-PENDING] 评价体系 test-cohort-2023 节点 output_rank："
        "待评：缺少同批部门数据，无法按“产出指标”得分排名",
    ]


def test_a_missing_or_empty_folder_or_another_year_is_refused(
    run_cli: Callable[..., CliResult], folder: Path, tmp_path: Path
) -> None:
    missing = evaluate_b(run_cli, folder, "--cohort", str(tmp_path / "无"))
    assert (missing.code, missing.err.splitlines()) == (
        1,
        [f"[E-FILE-MISSING] {tmp_path}/无：同批部门数据目录不存在", "共 1 个错误。"],
    )
    (tmp_path / "空").mkdir()
    empty = evaluate_b(run_cli, folder, "--cohort", str(tmp_path / "空"))
    assert empty.err.splitlines()[0] == (
        f"[E-COHORT] {tmp_path}/空：同批部门数据目录中没有数据集（子目录）或工作簿（.xlsx）"
    )
    later = tmp_path / "2024"
    write_dataset(department("A", "1", "1", year=2024), later / "a")
    other_year = evaluate_b(run_cli, folder, "--cohort", str(later), "--cohort-name", "乙批")
    assert (other_year.code, other_year.err.splitlines()) == (
        1,
        [
            "[E-COHORT] 同批部门 乙批 部门 A（部门A）：是 2024 年度的数据，同批部门是 2023 年度",
            "共 1 个错误。",
        ],
    )


def test_a_wrong_cut_off_is_refused_by_the_parser(
    run_cli: Callable[..., CliResult], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        evaluate_b(run_cli, folder, "--cut-off", "2024-13-01")
    assert caught.value.code == 2
    assert "须为日期 YYYY-MM-DD，现为“2024-13-01”" in capsys.readouterr().err


def test_cohort_options_without_a_cohort_are_refused(
    run_cli: Callable[..., CliResult], folder: Path
) -> None:
    result = run_cli(
        "evaluate", str(folder / "b"), "--framework", FRAMEWORK, "--cut-off", "2024-03-31"
    )
    assert (result.code, result.out, result.err) == (
        1,
        "",
        "--cut-off 须与 --cohort FOLDER 一起使用。\n",
    )
