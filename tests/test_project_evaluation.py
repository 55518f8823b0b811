"""A project's own self-evaluation (项目支出绩效自评, issue 13): the published form of 上海市普陀区
体育事业管理中心 2022 (普陀体育中心与委托运营方结算费用) scored as a project, not posing as a
department — its 自评表 in the standard layout, its report titled and sectioned as a project's."""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from jixiao.adapters.dataset_files import load_dataset, write_dataset
from jixiao.adapters.frameworks import load_framework
from jixiao.adapters.report.build import build_report
from jixiao.core.evaluation import evaluate
from jixiao.core.model import Dataset, Indicator
from jixiao.core.subject import DEPARTMENT, Subject, SubjectKind, default_subject, subjects_of

from .conftest import ROOT

PUTUO = ROOT / "examples" / "putuo-sports-2022-project"
PROJECT = Subject(SubjectKind.PROJECT, "PT2022-01", "普陀体育中心与委托运营方结算费用")


@pytest.fixture(scope="module")
def putuo() -> Dataset:
    return load_dataset(PUTUO)


@pytest.fixture
def putuo_copy(tmp_path: Path) -> Path:
    target = tmp_path / "putuo"
    shutil.copytree(PUTUO, target)
    return target


def test_the_published_project_is_scored_as_a_project(putuo: Dataset) -> None:
    assert default_subject(putuo) == PROJECT
    evaluation = evaluate(putuo, load_framework("national-project-2020"), subject=PROJECT)
    scores = {node.id: node.score for node in evaluation.root.children}
    # 215,457.60 ÷ 250,000.00 = 86.18304% → 86.18% × 10 = 8.618 → 8.62; indicators 90 of 90.
    assert scores == {
        "execution_rate": Decimal("8.62"),
        "output": Decimal(50),
        "effect": Decimal(30),
        "satisfaction": Decimal(10),
    }
    assert (evaluation.score, evaluation.grade) == (Decimal("98.62"), "优")
    assert evaluation.root.children[0].explanation == (
        "项目执行数 215,457.60 元 ÷ 年度预算 250,000.00 元 = 86.18%。得分 = 86.18% × 10 = 8.62 分"
    )
    # The form printed 86.19%: flagged; its total and item scores agree.
    assert [(p.code, p.message) for p in evaluation.problems] == [
        ("W-PUBLISHED-MISMATCH", "预算执行率：按数据计算为 86.18%，报告公布为 86.19%")
    ]


def test_a_department_evaluation_leaves_the_projects_own_indicators_out(
    reference_dataset: Dataset,
) -> None:
    """Adding a project's own indicator to the reference changes nothing of the department's
    93.13; the project's own evaluation scores it alone."""
    first = reference_dataset.projects[0]
    own = Indicator(
        code="OWN-1",
        name="项目自有指标",
        subtype=reference_dataset.indicators[0].subtype,
        comparison=reference_dataset.indicators[0].comparison,
        target=Decimal(10),
        actual=Decimal(5),
        points=Decimal(50),
        project=first.code,
    )
    dataset = replace(reference_dataset, indicators=(*reference_dataset.indicators, own))
    department = evaluate(dataset, load_framework("guangzhou-department-overall-2023"))
    assert department.score == Decimal("93.13")
    assert subjects_of(dataset)[0] == DEPARTMENT
    subject = subjects_of(dataset)[1]
    assert (subject.code, subject.name) == (first.code, first.name)
    project = evaluate(dataset, load_framework("national-project-2020"), subject=subject)
    output = project.root.find("output")
    assert output is not None
    assert output.score == Decimal(25)  # 5 of 10 → 25 of 50 points, 50 × 25 ÷ 50


def test_cli_evaluates_the_single_project_without_naming_it(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("evaluate", str(PUTUO))
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[:3] == [
        "普陀体育中心与委托运营方结算费用 2022 年度项目支出绩效自评（上海市普陀区体育局）",
        "评价体系：项目支出绩效自评指标体系（财预〔2020〕10号）（national-project-2020）",
        "总分 98.62 / 100　等级：优",
    ]
    assert "  项目：年度预算 250,000.00 元，执行 215,457.60 元，执行率 86.18%" in lines
    assert not any("亿元" in line or "重点工作任务" in line for line in lines)
    named = run_cli("evaluate", str(PUTUO), "--project", "PT2022-01", "--format", "json")
    assert named.code == 0 and '"score": "98.62"' in named.out


def test_cli_names_the_projects_when_it_cannot_choose(run_cli, putuo_copy: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = load_dataset(putuo_copy)
    second = replace(dataset.projects[0], code="PT2022-02", name="第二个项目")
    twin = replace(dataset.indicators[0], code="PT-99", project="PT2022-02")
    doubled = replace(
        dataset,
        projects=(*dataset.projects, second),
        indicators=(*dataset.indicators, twin),
        budget_lines=(replace(dataset.budget_lines[0], adjusted_budget=Decimal("500000.00")),),
    )
    write_dataset(doubled, putuo_copy, replace=True)
    result = run_cli("evaluate", str(putuo_copy))
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        f"[E-UNKNOWN-PROJECT] {putuo_copy}：数据集含多个项目的自评，请用 --project 指定其一："
        "PT2022-01（普陀体育中心与委托运营方结算费用）、PT2022-02（第二个项目）"
    )
    unknown = run_cli("evaluate", str(putuo_copy), "--project", "P404")
    assert f"[E-UNKNOWN-PROJECT] {putuo_copy}：数据集中没有项目“P404”" in unknown.err
    valid = run_cli("validate", str(putuo_copy))
    assert valid.code == 0
    assert valid.out.splitlines()[-1] == (
        "数据集有效：上海市普陀区体育局 2022 年度，2 个项目，6 个指标；评价："
        "项目“普陀体育中心与委托运营方结算费用”、项目“第二个项目”。"
    )


def test_the_funds_total_is_checked_against_its_kinds(run_cli, putuo_copy: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = putuo_copy / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace("spent_wan: 21.54576", "spent_wan: 20.54576"), encoding="utf-8"
    )
    result = run_cli("evaluate", str(putuo_copy))
    assert result.code == 1
    assert (
        "[E-FUNDS-TOTAL] projects.csv 第 2 行 spent_wan：项目“普陀体育中心与委托运营方结算费用”的"
        "支出金额 21.54576 万元与各类项目资金合计 20.54576 万元不一致（年度资金总额须等于本年财政"
        "拨款、上年结转资金和其他资金之和）"
    ) in result.err.splitlines()


def test_the_folder_round_trip_keeps_every_project_field(putuo: Dataset, tmp_path: Path) -> None:
    write_dataset(putuo, tmp_path / "again")
    again = load_dataset(tmp_path / "again")
    assert again == putuo
    project = again.projects[0]
    assert (project.initial_budget, project.implementing_unit) == (
        Decimal("250000.00"),
        "上海市普陀区体育事业管理中心",
    )
    assert [(f.kind.label, f.spent) for f in again.project_funds] == [
        ("本年财政拨款", Decimal("215457.60")),
        ("上年结转资金", Decimal("0.00")),
        ("其他资金", Decimal("0.00")),
    ]
    assert again.published is not None and again.published.project == "PT2022-01"


def _form_rows(path: Path) -> list[list[str]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [
        [str(value) for value in row if value is not None]
        for row in sheet.iter_rows(values_only=True)
    ]


def test_the_form_in_the_standard_layout(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "自评表.xlsx"
    assert run_cli("scoretable", str(PUTUO), "--out", str(out)).code == 0
    rows = _form_rows(out)
    assert rows[:8] == [
        ["项目支出绩效自评表"],
        ["（2022 年度）"],
        ["项目名称", "普陀体育中心与委托运营方结算费用"],
        ["主管部门", "上海市普陀区体育局", "实施单位", "上海市普陀区体育事业管理中心"],
        [
            "项目资金\n（元）",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        ["年度资金总额", "250,000.00", "250,000.00", "215,457.60", "10", "86.18%", "8.62"],
        ["其中：本年财政拨款", "250,000.00", "250,000.00", "215,457.60", "—", "—", "—"],
        ["上年结转资金", "0.00", "0.00", "0.00", "—", "—", "—"],
    ]
    assert rows[9:12] == [
        ["年度总体目标", "预期目标", "实际完成情况"],
        ["完成普陀体育中心与委托运营方费用结算。", "已完成普陀体育中心与委托运营方费用结算。"],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
    ]
    assert rows[12] == [
        "产出指标",
        "数量指标",
        "与委托运营方结算完成率",
        "=100%",
        "100%",
        "10",
        "10",
    ]
    assert rows[14] == ["时效指标", "费用结算及时性", "及时", "达成", "20", "20"]
    assert rows[15] == [
        "效益指标",
        "社会效益指标",
        "与委托运营方合同完成率",
        "=100%",
        "100%",
        "30",
        "30",
    ]
    assert rows[16] == [
        "满意度指标",
        "服务对象满意度指标",
        "场馆开放满意度",
        "≥90%",
        "100%",
        "10",
        "10",
    ]
    assert rows[17] == ["总分", "100", "98.62", "评价等级：优"]


def test_the_form_as_word(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "自评表.docx"
    assert run_cli("scoretable", str(PUTUO), "--out", str(out)).code == 0
    document = Document(str(out))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    table = document.tables[0]
    total = [cell.text for cell in table.rows[3].cells]
    assert total[1:] == [
        "年度资金总额",
        "年度资金总额",
        "250,000.00",
        "250,000.00",
        "215,457.60",
        "10",
        "86.18%",
        "8.62",
    ]
    assert [cell.text for cell in table.rows[-1].cells][-3:] == ["100", "98.62", "评价等级：优"]
    bad = run_cli("scoretable", str(PUTUO), "--out", str(tmp_path / "自评表.pdf"))
    assert bad.code == 1
    assert bad.err.strip() == "不支持的自评表格式“.pdf”：输出文件须以 .xlsx 或 .docx 结尾。"


def test_the_report_is_a_projects_report(putuo: Dataset) -> None:
    evaluation = evaluate(putuo, load_framework("national-project-2020"), subject=PROJECT)
    report = build_report(putuo, evaluation)
    assert report.title == "普陀体育中心与委托运营方结算费用 2022 年度项目支出绩效自评报告"
    text = report.text()
    assert (
        "年初预算数和全年预算数均为 250,000.00 元；全年执行数 215,457.60 元，预算执行率 86.18%。"
        in text
    )
    assert "项目支出绩效自评得分 98.62 分，自评等级为“优”。" in text
    assert "预算执行率 86.18%，未足额执行：34,542.40 元未支出。" in text
    for department_only in ("部门整体", "年度平均执行率", "表 2-1", "亿元", "部门职能"):
        assert department_only not in text, department_only
