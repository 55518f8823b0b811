"""The acceptance test: the reference report's evaluation reproduced from data."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from jixiao.core.money import format_percent, format_wan, format_yi, round_half_up
from jixiao.core.problems import Severity
from jixiao.core.result import Evaluation

from .conftest import DATA, REFERENCE

PUBLISHED_SCORES = {
    "performance_effectiveness": "47.13",
    "output_indicators": "9",
    "effect_indicators": "9.5",
    "budget_execution_rate": "3.63",
    "special_fund_indicators": "20",
    "special_fund_execution_rate": "5",
    "management_efficiency": "46",
    "budget_preparation": "3",
    "budget_execution": "2",
    "carryover_rate": "2",
    "financial_compliance": "0",
    "disclosure": "4",
    "performance_management": "15",
    "procurement": "9",
    "asset_management": "9",
    "running_costs": "4",
}


def test_total_and_grade(reference_evaluation: Evaluation) -> None:
    assert reference_evaluation.score == Decimal("93.13")
    assert reference_evaluation.grade == "优"


@pytest.mark.parametrize(("node_id", "score"), PUBLISHED_SCORES.items())
def test_every_framework_item_as_published(
    reference_evaluation: Evaluation, node_id: str, score: str
) -> None:
    node = reference_evaluation.root.find(node_id)
    assert node is not None
    assert node.score == Decimal(score)


def test_key_tasks_as_published(reference_evaluation: Evaluation) -> None:
    tasks = {
        task.name: (task.points, task.score, task.indicator_count, len(task.over_achieved))
        for task in reference_evaluation.key_tasks
    }
    assert tasks == {
        "创新推动贸易高质量发展": (Decimal("6.5"), Decimal("5.75"), 10, 2),
        "加强对外开放合作平台建设": (Decimal("6.5"), Decimal("6.5"), 6, 0),
        "提升国际消费中心城市能级": (Decimal(3), Decimal("2.5"), 4, 1),
        "促进会展之都扩容提质": (Decimal(3), Decimal(3), 5, 0),
        "强化产业链招商": (Decimal(1), Decimal("0.75"), 2, 1),
    }


def test_output_and_effect_each_lose_points_on_two_indicators(
    reference_evaluation: Evaluation,
) -> None:
    for node_id, lost in (("output_indicators", "1"), ("effect_indicators", "0.5")):
        node = reference_evaluation.root.find(node_id)
        assert node is not None
        assert [d.points for d in node.deductions] == [Decimal(lost) / 2] * 2


def test_annual_average_execution_rate_scores_3_63(reference_evaluation: Evaluation) -> None:
    average = reference_evaluation.execution.annual_average
    assert average is not None
    assert format_percent(average.rate) == "72.52%"
    assert average.cumulative_rates[-1][1] == reference_evaluation.execution.overall.rate
    node = reference_evaluation.root.find("budget_execution_rate")
    assert node is not None
    assert "72.52% × 5 = 3.63 分" in node.explanation


def test_budget_figures_as_published(reference_evaluation: Evaluation) -> None:
    execution = reference_evaluation.execution
    assert format_yi(execution.overall.budget) == "30.73"
    assert format_yi(execution.overall.spent) == "29.84"
    assert execution.overall.rate is not None
    assert format_percent(execution.overall.rate) == "97.10" + "%"
    by_source = execution.by_funding_source
    assert format_yi(by_source["市本级"].budget) == "25.68"
    assert format_yi(by_source["转移支付"].budget) == "5.05"
    assert execution.special_fund.rate == 1


def test_initial_budget_and_spending_split(reference_dataset) -> None:  # type: ignore[no-untyped-def]
    initial = sum(line.initial_budget for line in reference_dataset.budget_lines)
    assert format_yi(initial) == "12.05"
    running = sum(p.spent for p in reference_dataset.projects if p.code in {"R01", "R02", "R03"})
    support = sum(p.spent for p in reference_dataset.projects) - running
    assert (format_yi(running), format_yi(support)) == ("2.90", "26.93")

    def family(prefix: str) -> str:
        return format_yi(
            sum(p.spent for p in reference_dataset.projects if p.name.startswith(prefix))
        )

    assert family("中央外经贸发展专项资金") == "4.40"
    assert family("广东省促进经济高质量发展专项资金") == "7.35"
    assert family("商务经济与社会发展项目") == "8.18"
    assert family("广州市促进商务高质量发展专项资金") == "5.85"


def test_carryover_rate(reference_evaluation: Evaluation) -> None:
    node = reference_evaluation.root.find("carryover_rate")
    assert node is not None
    assert "= 0.44%" in node.explanation


def test_table_2_1_rows_and_rates_as_published(reference_evaluation: Evaluation) -> None:
    with (DATA / "table_2_1_published.tsv").open(encoding="utf-8") as handle:
        published = list(csv.DictReader(handle, delimiter="\t"))
    listed = [p for p in reference_evaluation.execution.projects if p.spending_group]
    assert len(published) == len(listed) == 47
    for row, project in zip(published, listed, strict=True):
        assert (project.spending_group, project.name) == (row["spending_group"], row["name"])
        assert format_wan(project.execution.budget, 6) == format_wan(
            Decimal(row["adjusted_budget_wan"]) * 10_000, 6
        )
        assert project.execution.spent == Decimal(row["spent_wan"] or 0) * 10_000
        assert project.execution.rate is not None
        assert format_percent(project.execution.rate) == row["rate"], project.name


def test_reconciliation_notices_the_reports_inconsistency(
    reference_evaluation: Evaluation,
) -> None:
    assert [(p.code, p.severity) for p in reference_evaluation.problems] == [
        ("W-PUBLISHED-INCONSISTENT", Severity.WARNING)
    ]
    message = reference_evaluation.problems[0].message
    assert "报告称 2 个指标完成率超过 150%，列出 3 个" in message
    assert "“一般贸易进出口比重”并未超过 150%" in message


def test_explanations_label_reconstructed_values(reference_evaluation: Evaluation) -> None:
    node = reference_evaluation.root.find("indicator:I102")
    assert node is not None
    assert node.explanation == (
        "跨境电商进出口金额：目标 ≥1300 亿元（重构值），实际 2004.7 亿元，完成率 154.21%，"
        "超过 150%（目标设置偏低），扣所占分值的 50%：1 × 50% = 0.5 分"
    )
    assert node.references == ("indicators.csv 第 3 行",)


def test_procurement_counts_chinese_working_days(reference_evaluation: Evaluation) -> None:
    node = reference_evaluation.root.find("procurement")
    assert node is not None
    assert [d.reason for d in node.deductions] == [
        "合同“电子卖场办公设备采购合同”于 2023-04-27 签订、2023-05-06 备案，"
        "超过签订之日起 2 个工作日的时限（2023-05-04）"
    ]


def test_cli_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("evaluate", str(REFERENCE), "--format", "json")
    assert result.code == 0
    document = json.loads(result.out)
    assert document["total"] == {"score": "93.13", "max": "100"}
    assert document["grade"] == "优"
    assert document["execution_rate"] == "97.10"
    assert document["annual_average_execution_rate"] == "72.52"
    first = document["nodes"][0]
    assert (first["name"], first["max"], first["score"]) == ("履职效能", "50", "47.13")
    assert set(first) >= {"name", "max", "score", "explanation", "children"}


def test_cli_text_tree(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("evaluate", str(REFERENCE))
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[2] == "总分 93.13 / 100　等级：优"
    assert any(line.startswith("履职效能") and line.endswith("47.13 / 50") for line in lines)
    assert any(line.startswith("管理效率") and line.endswith("46 / 50") for line in lines)
    assert "  部门整体：年度预算 30.73 亿元，执行 29.84 亿元，执行率 97.10%" in lines


def test_rounding_is_half_up() -> None:
    assert round_half_up(Decimal("3.625"), 2) == Decimal("3.63")
