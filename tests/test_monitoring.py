"""In-year monitoring: time progress, warnings, the annual average so far, indicator forecasts,
the monthly bulletin and the review table."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from jixiao.adapters.frameworks import load_framework
from jixiao.core.framework import Framework, FrameworkInvalid
from jixiao.core.model import Comparison, Dataset, IndicatorForecast, Origin, SpendingPlan
from jixiao.core.monitoring import Deviation, Level, monitor, monitor_month, monitor_year
from jixiao.core.problems import ProblemsFound, SourceLocation
from jixiao.core.validation import validate_dataset

from .builders import dataset, framework, indicator, project
from .conftest import REFERENCE

AVERAGE_NODE = {
    "id": "avg",
    "name": "部门预算资金支出率",
    "points": 5,
    "rule": "rate_times_points",
    "metric": "annual_average_execution_rate",
}


def test_the_reference_average_reaches_72_52_percent_in_december(
    reference_dataset: Dataset, reference_framework: Framework
) -> None:
    by_month = {
        month: monitor(reference_dataset, reference_framework, month).average
        for month in (1, 6, 12)
    }
    assert by_month[12] is not None and by_month[6] is not None and by_month[1] is not None
    assert f"{by_month[12].rate * 100:.2f}" == "72.52"
    assert (by_month[12].node, by_month[12].score, by_month[12].points) == (
        "部门预算资金支出率",
        Decimal("3.63"),
        Decimal("5"),
    )
    assert f"{by_month[6].rate * 100:.2f}" == "52.99" and by_month[6].score == Decimal("2.65")
    assert f"{by_month[1].rate * 100:.2f}" == "17.43"


def test_june_names_the_projects_behind_time_progress(
    reference_dataset: Dataset, reference_framework: Framework
) -> None:
    june = monitor(reference_dataset, reference_framework, 6)
    assert june.overall.time_progress == Decimal("0.5")
    behind = [(p.code, f"{p.progress.gap_points:.2f}", p.progress.level) for p in june.behind()]
    assert behind == [
        ("P06", "50.00", Level.RED),
        ("P07", "50.00", Level.RED),
        ("P08", "50.00", Level.RED),
        ("P22", "50.00", Level.RED),
        ("P26", "50.00", Level.RED),
        ("P39", "50.00", Level.RED),
        ("P46", "50.00", Level.RED),
        ("P47", "50.00", Level.RED),
        ("R03", "4.90", Level.GREEN),
        ("R02", "1.53", Level.GREEN),
    ]
    assert june.reconstructed  # the monthly spending is reconstructed, and says so


def test_a_threshold_in_the_parameters_changes_the_warnings(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = Path(load_framework.__code__.co_filename).parent.parent / "frameworks"
    text = (source / "guangzhou-department-overall-2023.yaml").read_text(encoding="utf-8")
    stricter = text.replace(
        "warning_gap: {yellow: 5%, red: 15%}", "warning_gap: {yellow: 1%, red: 60%}"
    )
    assert stricter != text
    (tmp_path / "stricter.yaml").write_text(stricter, encoding="utf-8")
    arguments = ("monitor", str(REFERENCE), "--month", "2023-06", "--format", "json")
    default = json.loads(run_cli(*arguments).out)
    changed = json.loads(run_cli(*arguments, "--framework", str(tmp_path / "stricter.yaml")).out)

    def lights(result: dict[str, object]) -> dict[str, str]:
        return {p["code"]: p["level"] for p in result["projects"]}  # type: ignore[attr-defined,index]

    assert (lights(default)["P06"], lights(default)["R03"]) == ("红", "绿")
    assert (lights(changed)["P06"], lights(changed)["R03"]) == ("黄", "黄")
    assert len(changed["warnings"]) > len(default["warnings"])


def test_the_plan_can_be_time_progress() -> None:
    early = project("A", "1200", ["100"] * 12)  # spends evenly
    data = dataset(
        projects=[early],
        spending_plans=(SpendingPlan("A", tuple(Decimal(v) for v in ["600"] + ["54.55"] * 11)),),
    )
    linear = monitor(data, framework(AVERAGE_NODE), 3).projects[0].progress
    planned = monitor(data, framework(AVERAGE_NODE, monitoring={"time_progress": "plan"}), 3)
    assert (linear.time_progress, linear.level) == (Decimal("0.25"), Level.GREEN)
    progress = planned.projects[0].progress
    # The share of the plan due by March: (600 + 2 × 54.55) ÷ 1200.05, the plan's total
    assert f"{progress.time_progress:.4f}" == "0.5909"
    assert f"{progress.gap_points:.2f}" == "34.09" and progress.level is Level.RED
    assert planned.basis.label == "按用款计划"


def forecast(code: str, value: str, reason: str = "", action: str = "") -> IndicatorForecast:
    return IndicatorForecast(code, 6, None, Decimal(value), reason, action)


def test_forecasts_deviate_slightly_or_severely() -> None:
    data = dataset(
        indicators=[indicator("I1", None), indicator("I2", None), indicator("I3", None)],
        projects=[project("A", "1200", ["100"] * 12)],
        forecasts=(
            forecast("I1", "100"),
            forecast("I2", "92", "项目延期", "加快验收"),
            forecast("I3", "80"),
        ),
    )
    statuses = monitor(data, framework(AVERAGE_NODE), 6).indicators
    assert [(s.indicator.code, s.deviation, s.needs_action) for s in statuses] == [
        ("I1", Deviation.NORMAL, False),
        ("I2", Deviation.SLIGHT, False),
        ("I3", Deviation.SEVERE, True),
    ]
    warnings = [w for w in monitor(data, framework(AVERAGE_NODE), 6).warnings if w.kind == "指标"]
    assert [(w.level, w.message) for w in warnings] == [
        (
            Level.RED,
            "指标I3：目标 ≥100，全年预计 80，预计完成率 80.00%，严重偏差；"
            "尚未填写偏差原因和纠偏措施",
        ),
        (Level.YELLOW, "指标I2：目标 ≥100，全年预计 92，预计完成率 92.00%，轻微偏差"),
    ]
    later = monitor(data, framework(AVERAGE_NODE), 5)
    assert later.indicators == ()  # a June review is not known in May


def test_zero_targets_are_forecast_without_dividing_by_zero() -> None:
    """安全事故 ≤0 forecast at 0 completes 100% (正常), at 1 the framework's share (0%: 严重偏差,
    25% with missed_zero_target: 95%, …); a "≤5" indicator forecast at 0 is 正常."""
    data = dataset(
        indicators=[
            indicator("Z1", None, target="0", comparison=Comparison.AT_MOST),
            indicator("Z2", None, target="0", comparison=Comparison.EQUAL),
            indicator("L1", None, target="5", comparison=Comparison.AT_MOST),
        ],
        projects=[project("A", "1200", ["100"] * 12)],
        forecasts=(forecast("Z1", "0"), forecast("Z2", "1"), forecast("L1", "0")),
    )
    statuses = monitor(data, framework(AVERAGE_NODE), 6).indicators
    assert [(s.indicator.code, s.completion_rate, s.deviation) for s in statuses] == [
        ("Z1", Decimal(1), Deviation.NORMAL),
        ("Z2", Decimal(0), Deviation.SEVERE),
        ("L1", None, Deviation.NORMAL),
    ]
    assert [s.explanation for s in statuses] == [
        "指标Z1：目标 ≤0，全年预计 0，预计完成率 100.00%，正常",
        "指标Z2：目标 =0，全年预计 1，预计完成率 0.00%，严重偏差",
        "指标L1：目标 ≤5，全年预计 0，预计完成率 不适用（预计为 0，优于目标），正常",
    ]
    lenient = framework(AVERAGE_NODE, missed_zero_target="95%")
    z2 = monitor(data, lenient, 6).indicators[1]
    assert (z2.completion_rate, z2.deviation) == (Decimal("0.95"), Deviation.SLIGHT)


def test_monitoring_records_are_validated() -> None:
    where = Origin(SourceLocation("dataset.yaml", path="monitoring.spending_plans[0]"))
    data = dataset(
        indicators=[indicator("I1", None)],
        projects=[project("A", "1200", ["100"] * 12)],
        spending_plans=(
            SpendingPlan("A", (Decimal(100),) * 11 + (Decimal(0),), where),
            SpendingPlan("Z", (Decimal(0),) * 12, where),
        ),
        forecasts=(IndicatorForecast("I1", 6, "一半", Decimal(90)),),
    )
    found = [(p.code, p.message) for p in validate_dataset(data)]
    assert found == [
        (
            "W-PLAN-TOTAL",
            "项目“项目A”用款计划合计 0.11 万元与年度预算 0.12 万元不一致；按计划计算的序时进度"
            "以计划合计为准",
        ),
        ("E-UNKNOWN-PROJECT", "用款计划的项目“Z”不存在"),
        ("E-NUMBER", "指标“指标I1”是定量指标，监控值应为数字，实际是“一半”"),
    ]


def test_monitoring_needs_monthly_spending() -> None:
    unknown = replace(project("B", "1", ["0"] * 12), monthly_spent=None)
    with pytest.raises(ProblemsFound) as raised:
        monitor(dataset(projects=[unknown]), framework(AVERAGE_NODE), 6)
    assert [p.message for p in raised.value.problems] == ["监控需要各项目的月度支出，缺：B"]


def test_the_cli_month_and_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    wrong_year = run_cli("monitor", str(REFERENCE), "--month", "2024-06")
    assert (wrong_year.code, wrong_year.err.strip()) == (
        1,
        "监控月份 2024-06 不在数据集的预算年度 2023 年内",
    )
    wrong_form = run_cli("monitor", str(REFERENCE), "--month", "六月")
    assert wrong_form.err.strip() == "监控月份应写成 YYYY-MM（如 2023-06），实际是“六月”"
    result = json.loads(
        run_cli("monitor", str(REFERENCE), "--month", "2023-12", "--format", "json").out
    )
    assert result["annual_average_execution_rate"] == "72.52"
    assert result["annual_average_score"] == {
        "node": "部门预算资金支出率",
        "score": "3.63",
        "max": "5",
    }
    assert result["execution_rate"] == "97.10" and result["time_progress"] == "100.00"
    assert {"level": "红", "kind": "项目", "subject": "中央外经贸发展专项资金",
            "message": "项目“中央外经贸发展专项资金”累计执行率 0.00%，低于序时进度（100.00%）"
                       "100.00 个百分点"} in result["warnings"]  # fmt: skip
    assert {"kind": "处室", "subject": "对外贸易处", "before": "绿", "after": "黄"} in result[
        "changes_since_last_month"
    ]


def test_the_june_bulletin_in_word_and_html(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    word, page = tmp_path / "june.docx", tmp_path / "june.html"
    for path in (word, page):
        done = run_cli("monitor", str(REFERENCE), "--month", "2023-06", "--bulletin", str(path))
        assert done.code == 0, done.err
    text = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert text.startswith("广州市商务局2023年6月预算执行与绩效监控通报")
    assert (
        "截至 6 月末，部门年度预算 307300.00 万元，累计支出 246840.77 万元，累计执行率 80.33%，"
        "序时进度 50.00%（按时间均衡），高于序时进度 30.33 个百分点。" in text
    )
    assert "按此进度“部门预算资金支出率”得 2.65 分（满分 5 分）" in text
    assert (
        "10 个项目累计执行率低于序时进度：“商务经济与社会发展项目广州中欧班列发展财政补助项目”"
        "0.00%，低于 50.00 个百分点" in text
    )
    assert "“部门运转工作经费”45.10%，低于 4.90 个百分点" in text
    assert (
        "本月预警 8 条（红色 8 条、黄色 0 条）：【红】项目“商务经济与社会发展项目广州中欧班列"
        in text
    )
    assert "月度支出为重构值" in text
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "低于序时进度的项目" in html and "公用经费（基本支出）" in html


def test_the_review_table(run_cli, tmp_path: Path, reference_copy: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = reference_copy / "dataset.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + "monitoring:\n  forecasts:\n"
        "    - {indicator: I101, month: 6, to_date: 8, forecast: 14, division: 对外贸易处,\n"
        "       reason: 部分措施待市政府审议, action: 加快报审}\n"
        "    - {indicator: I102, month: 6, to_date: 1100, forecast: 2000}\n",
        encoding="utf-8",
    )
    out = tmp_path / "review.xlsx"
    done = run_cli("monitor", str(reference_copy), "--month", "2023-06", "--review", str(out))
    assert done.code == 0, done.err
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ["指标编码", "指标名称", "年度指标值", "截至当月完成值", "全年预计完成值", "预计完成率",
         "偏差程度", "偏差原因", "纠偏措施"],
        ["I101", "出台促进跨境贸易便利化措施", "≥15条", "8", "14", "93.33%", "轻微偏差",
         "部分措施待市政府审议", "加快报审"],
        ["I102", "跨境电商进出口金额", "≥1300亿元", "1100", "2000", "153.85%", "正常", None, None],
    ]  # fmt: skip
    assert "[黄] 指标“出台促进跨境贸易便利化措施”" not in done.out  # the subject is the indicator
    assert "[黄] 出台促进跨境贸易便利化措施：目标 ≥15条" in done.out


def test_bad_monitoring_parameters_are_refused() -> None:
    with pytest.raises(FrameworkInvalid) as raised:
        framework(AVERAGE_NODE, monitoring={"warning_gap": {"yellow": "20%", "red": "10%"}})
    assert [str(p) for p in raised.value.problems] == [
        "test.yaml parameters.monitoring.warning_gap："
        "黄色预警差距 20% 须不小于 0 且小于红色预警差距 10%"
    ]


def test_december_compared_with_november(
    reference_dataset: Dataset, reference_framework: Framework
) -> None:
    december = monitor_month(reference_dataset, reference_framework, 12)
    assert len(december.department_by_month) == 12
    assert [(c.kind, c.subject, c.before.value, c.after.value) for c in december.changes][:2] == [
        ("处室", "对外贸易处", "绿", "黄"),
        ("处室", "财务处", "绿", "黄"),
    ]


def test_a_plan_belongs_to_its_projects_division() -> None:
    planned = replace(project("A", "1200", ["100"] * 12), division="对外贸易处")
    data = dataset(
        projects=[planned],
        spending_plans=(SpendingPlan("A", (Decimal(100),) * 12, "消费促进处"),),
    )
    assert [(p.code, p.message) for p in validate_dataset(data)] == [
        ("E-DIVISION", "项目“项目A”属于对外贸易处，不是消费促进处")
    ]


def test_a_year_monitored_at_once_is_each_month_monitored_alone(reference_dataset: Any) -> None:
    """``monitor_year`` (what the web application stores) computes each month's report once;
    every month is what ``monitor_month`` gives, and a month that cannot be monitored gives the
    problems ``monitor_month`` raises."""
    framework = load_framework("guangzhou-department-overall-2023")
    year = monitor_year(reference_dataset, framework)
    assert sorted(year) == list(range(1, 13))
    for month in range(1, 13):
        assert year[month] == monitor_month(reference_dataset, framework, month), month
    without = replace(
        reference_dataset,
        projects=tuple(replace(p, monthly_spent=None) for p in reference_dataset.projects),
    )
    with pytest.raises(ProblemsFound) as raised:
        monitor_month(without, framework, 6)
    assert monitor_year(without, framework)[6] == tuple(raised.value.problems)
