"""Each rule of the catalogue, on small data sets, with exact scores and explanations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from jixiao.core.evaluation import evaluate
from jixiao.core.framework import FrameworkInvalid
from jixiao.core.model import (
    Assessment,
    AuditFinding,
    Carryover,
    Disclosure,
    DisclosureKind,
    ExpenseControl,
    IndicatorCategory,
    IndicatorSubtype,
    ManagementFacts,
    ProcurementContract,
)
from jixiao.core.problems import Severity
from jixiao.core.rules.indicator_completion import IndicatorSelection

from .builders import dataset, framework, indicator, project

D = Decimal


def test_indicator_completion_scales_to_node_points() -> None:
    data = dataset([indicator("a", "50", points="2"), indicator("b", "100", points="2")])
    result = evaluate(
        data,
        framework(
            {
                "id": "o",
                "name": "产出",
                "points": 50,
                "rule": "indicator_completion",
                "select": {"category": "output"},
            },
        ),
    )
    node = result.root.find("o")
    assert node is not None
    assert node.score == D("37.5")  # 50 × 3 / 4
    assert node.explanation.endswith("按本项分值折算：50 × 3 ÷ 4 = 37.5 分")
    assert [child.id for child in node.children] == ["task:T1"]


def test_no_indicators_scores_zero_with_a_warning() -> None:
    result = evaluate(
        dataset([indicator("a", "100")]),
        framework(
            {
                "id": "s",
                "name": "满意度",
                "points": 10,
                "rule": "indicator_completion",
                "select": {"category": "satisfaction"},
            },
        ),
    )
    assert result.score == 0
    assert [(p.code, p.severity) for p in result.problems] == [
        ("W-NO-INDICATORS", Severity.WARNING)
    ]


def test_one_node_scores_several_categories() -> None:
    """效益与满意度 40 points over an effect indicator (8 points, 75% → 6) and a satisfaction
    indicator (2 points, met → 2): 40 × 8 ÷ 10 = 32; the output indicator is not selected."""
    data = dataset(
        [
            indicator("a", "100", points="4"),
            indicator("b", "75", points="8", subtype=IndicatorSubtype.SOCIAL),
            indicator("c", "100", points="2", subtype=IndicatorSubtype.SATISFACTION),
        ]
    )
    result = evaluate(
        data,
        framework(
            {
                "id": "es",
                "name": "效益与满意度",
                "points": 40,
                "rule": "indicator_completion",
                "select": {"category": ["effect", "satisfaction"]},
            },
        ),
    )
    node = result.root.find("es")
    assert node is not None
    assert node.score == D(32)
    assert node.explanation == (
        "效益、满意度指标 2 个，分值合计 10 分，得 8 分；1 个指标未完成目标：指标b；"
        "按本项分值折算：40 × 8 ÷ 10 = 32 分"
    )
    assert [leaf.id for leaf in node.walk() if leaf.kind == "indicator"] == [
        "indicator:b",
        "indicator:c",
    ]


def test_a_list_of_one_category_is_the_single_category() -> None:
    single = {"category": "effect", "special_fund": True}
    listed = {"category": ["effect"], "special_fund": True}
    nodes = [
        framework(
            {
                "id": "e",
                "name": "效益",
                "points": 5,
                "rule": "indicator_completion",
                "select": select,
            }
        ).nodes[0]
        for select in (single, listed)
    ]
    assert nodes[0].parameters == nodes[1].parameters
    selection = IndicatorSelection((IndicatorCategory.EFFECT, IndicatorCategory.SATISFACTION))
    assert selection.describe() == "效益、满意度指标"
    assert replace(selection, special_fund=True).describe() == "专项资金效益、满意度指标"
    assert IndicatorSelection(special_fund=False).describe() == "重点工作任务指标"
    assert IndicatorSelection().describe() == "全部指标"


def test_category_list_errors_name_their_item() -> None:
    def problems(category: object) -> list[str]:
        node = {
            "id": "e",
            "name": "效益",
            "points": 5,
            "rule": "indicator_completion",
            "select": {"category": category},
        }
        with pytest.raises(FrameworkInvalid) as caught:
            framework(node)
        return [f"{p.code} {p}" for p in caught.value.problems]

    assert problems(["effect", "happiness", "effect", 3]) == [
        "E-CHOICE test.yaml nodes[0].select.category[1]：“category”的第 2 项“happiness”无效，"
        "可选：output、effect、satisfaction",
        "E-CHOICE test.yaml nodes[0].select.category[2]：指标类别“effect”在“category”中重复列出",
        "E-CHOICE test.yaml nodes[0].select.category[3]：“category”的第 4 项“3”无效，"
        "可选：output、effect、satisfaction",
    ]
    assert problems([]) == [
        "E-REQUIRED test.yaml nodes[0].select.category：“category”列表至少需要一个指标类别"
    ]
    assert problems("benefit") == [
        "E-CHOICE test.yaml nodes[0].select.category：“category”的取值“benefit”无效，"
        "可选：output、effect、satisfaction，或其中几个组成的列表"
    ]


def test_rate_times_points_rounds_rate_then_score() -> None:
    # 1,000 budget; cumulative 0, 0, … 0, then everything in December: average = 1/12 × rate.
    data = dataset(projects=[project("p", "1000", ["0"] * 11 + ["1000"])])
    result = evaluate(
        data,
        framework(
            {
                "id": "r",
                "name": "支出率",
                "points": 5,
                "rule": "rate_times_points",
                "metric": "annual_average_execution_rate",
            },
        ),
    )
    assert result.score == D("0.42")  # 8.33% × 5 = 0.4165 → 0.42
    node = result.root.find("r")
    assert node is not None
    assert node.explanation.endswith("平均 8.33%。得分 = 8.33% × 5 = 0.42 分")


def test_special_fund_execution_rate() -> None:
    data = dataset(
        projects=[
            project("p", "100", ["50"] + ["0"] * 11, special_fund=True),
            project("q", "100", ["0"] * 12),
        ]
    )
    result = evaluate(
        data,
        framework(
            {
                "id": "r",
                "name": "专项资金支出率",
                "points": 5,
                "rule": "rate_times_points",
                "metric": "execution_rate",
                "scope": "special_fund",
            },
        ),
    )
    assert result.score == D("2.5")


def test_thresholds_first_matching_band() -> None:
    rule = {
        "id": "c",
        "name": "结转结余率",
        "points": 2,
        "rule": "thresholds",
        "metric": "carryover_rate",
        "bands": [{"at_most": "5%", "score": 2}, {"at_most": "10%", "score": 1}],
    }
    for carryover, score in (("50", "2"), ("80", "1"), ("101", "0")):
        facts = ManagementFacts(carryover=Carryover(D(carryover)))
        data = dataset(projects=[project("p", "1000", ["0"] * 12)], management=facts)
        assert evaluate(data, framework(rule)).score == D(score), carryover


def execution_bands(*bands: dict[str, object]) -> dict[str, object]:
    return {
        "id": "x",
        "name": "预算执行率",
        "points": 5,
        "rule": "thresholds",
        "metric": "execution_rate",
        "bands": list(bands),
    }


def test_threshold_edges_at_least_includes_above_excludes() -> None:
    """90% exactly is in ``at_least: 90%`` and not in ``above: 90%``. The rate is rounded to
    rate_places first: 89.996% and 90.004% are scored as 90.00%, 89.994% as 89.99%."""
    inclusive = framework(
        execution_bands({"at_least": "90%", "score": 5}, {"at_least": "80%", "score": 3})
    )
    exclusive = framework(
        execution_bands({"above": "90%", "score": 5}, {"above": "80%", "score": 3})
    )
    for spent, at_least, above in (
        ("90000", "5", "3"),
        ("89996", "5", "3"),
        ("89994", "3", "3"),
        ("90004", "5", "3"),  # 90.004% is scored as 90.00%: not above 90%
        ("90005", "5", "5"),  # 90.005% → 90.01%
        ("80000", "3", "0"),
    ):
        data = dataset(projects=[project("p", "100000", [spent] + ["0"] * 11)])
        assert evaluate(data, inclusive).score == D(at_least), spent
        assert evaluate(data, exclusive).score == D(above), spent
    data = dataset(projects=[project("p", "100000", ["90000"] + ["0"] * 11)])
    node = evaluate(data, exclusive).root.find("x")
    assert node is not None
    assert node.explanation == (
        "部门整体执行数 9.00 万元 ÷ 年度预算 10.00 万元 = 90.00%（1 个项目），高于 80.00%，得 3 分"
    )


def test_threshold_edges_at_most_includes_below_excludes() -> None:
    """结转结余率 5% exactly is in ``at_most: 5%`` and not in ``below: 5%``."""
    facts = ManagementFacts(carryover=Carryover(D(50)))
    data = dataset(projects=[project("p", "1000", ["0"] * 12)], management=facts)
    bands = [{"at_most": "5%", "score": 2}, {"at_most": "10%", "score": 1}]
    rule = {"id": "c", "name": "结转结余率", "points": 2, "rule": "thresholds"}
    rule |= {"metric": "carryover_rate"}
    assert evaluate(data, framework(rule | {"bands": bands})).score == 2
    below = [{"below": "5%", "score": 2}, {"below": "10%", "at_least": "5%", "score": 1}]
    result = evaluate(data, framework(rule | {"bands": below}))
    node = result.root.find("c")
    assert node is not None
    assert (node.score, node.explanation) == (
        D(1),
        "结转结余 0.01 万元 ÷ 年度预算 0.10 万元 = 5.00%，低于 10.00%、不低于 5.00%，得 1 分",
    )


def test_a_band_has_one_bound_on_each_side() -> None:
    with pytest.raises(FrameworkInvalid) as caught:
        framework(execution_bands({"at_least": "90%", "above": "90%", "score": 5}))
    assert [f"{p.code} {p}" for p in caught.value.problems] == [
        "E-THRESHOLDS test.yaml nodes[0].bands[0].above：档位只能有一个下限：“at_least”（含边界）"
        "或“above”（不含边界）"
    ]


def test_control_rates() -> None:
    facts = ManagementFacts(three_public_expenses=ExpenseControl(D(100), D("100.01")))
    result = evaluate(
        dataset(management=facts),
        framework(
            {
                "id": "t",
                "name": "三公",
                "points": 2,
                "rule": "thresholds",
                "metric": "three_public_expense_control_rate",
                "bands": [{"at_most": "100%", "score": 2}],
            },
        ),
    )
    assert result.score == 0
    node = result.root.find("t")
    assert node is not None
    assert node.explanation == (
        "“三公”经费支出 0.01 万元 ÷ 预算 0.01 万元 = 100.01%，不在任何得分档位内，得 0 分"
    )


def test_deduction_per_finding_stops_at_the_floor() -> None:
    findings = tuple(AuditFinding(f"A{i}", "审计报告", f"问题{i}") for i in range(1, 5))
    data = dataset(management=ManagementFacts(audit_findings=findings))
    result = evaluate(
        data,
        framework(
            {
                "id": "f",
                "name": "合规性",
                "points": 2,
                "rule": "deduction_per_finding",
                "findings": "audit_findings",
                "deduction": "0.75",
                "floor": "0.25",
            },
        ),
    )
    node = result.root.find("f")
    assert node is not None
    assert node.score == D("0.25")
    assert [d.points for d in node.deductions] == [D("0.75"), D("0.75"), D("0.25"), D(0)]


def test_late_disclosure_and_contract_findings() -> None:
    facts = ManagementFacts(
        disclosures=(
            Disclosure(DisclosureKind.BUDGET, "预算", date(2023, 2, 17), date(2023, 2, 20)),
            Disclosure(DisclosureKind.PERFORMANCE, "绩效", date(2023, 8, 31), None),
            Disclosure(DisclosureKind.FINAL_ACCOUNTS, "决算", date(2023, 8, 31), date(2023, 8, 1)),
        ),
        contracts=(
            ProcurementContract("c1", "按时", date(2023, 9, 28), date(2023, 10, 8)),
            ProcurementContract("c2", "逾期", date(2023, 9, 28), date(2023, 10, 9)),
        ),
    )
    result = evaluate(
        dataset(management=facts),
        framework(
            {
                "id": "d",
                "name": "信息公开",
                "points": 4,
                "rule": "deduction_per_finding",
                "findings": "late_disclosures",
                "deduction": 1,
            },
            {
                "id": "p",
                "name": "采购",
                "points": 10,
                "rule": "deduction_per_finding",
                "findings": "late_contract_filings",
                "deduction": 1,
            },
        ),
    )
    disclosure = result.root.find("d")
    procurement = result.root.find("p")
    assert disclosure is not None
    assert procurement is not None
    assert [d.reason for d in disclosure.deductions] == [
        "预算公开“预算”于 2023-02-20 公开，晚于规定时限 2023-02-17",
        "绩效信息公开“绩效”未公开（应于 2023-08-31 前）",
    ]
    assert [d.reason for d in procurement.deductions] == [
        "合同“逾期”于 2023-09-28 签订、2023-10-09 备案，"
        "超过签订之日起 2 个工作日的时限（2023-10-08）"
    ]


def test_manual_score_needs_an_assessment() -> None:
    rule = {"id": "m", "name": "绩效管理", "points": 15, "rule": "manual"}
    missing = evaluate(dataset(), framework(rule))
    assert [(p.code, p.severity) for p in missing.problems] == [
        ("E-ASSESSMENT-MISSING", Severity.ERROR)
    ]
    given = evaluate(
        dataset(assessments=(Assessment("m", "制度健全，但结果应用不足", D("13.5")),)),
        framework(rule),
    )
    assert given.score == D("13.5")
    node = given.root.find("m")
    assert node is not None
    assert node.deductions[0].reason == "制度健全，但结果应用不足"
    too_high = evaluate(dataset(assessments=(Assessment("m", "理由", D(16)),)), framework(rule))
    assert [p.code for p in too_high.problems] == ["E-RANGE"]


def test_qualitative_tiers_rule() -> None:
    rule = {
        "id": "q",
        "name": "内控",
        "points": 5,
        "rule": "qualitative_tiers",
        "tiers": {"好": "100%", "较好": "80%", "一般": "60%"},
    }
    result = evaluate(
        dataset(assessments=(Assessment("q", "制度较完善", tier="较好"),)), framework(rule)
    )
    assert result.score == 4
    wrong = evaluate(dataset(assessments=(Assessment("q", "理由", tier="优秀"),)), framework(rule))
    assert [p.code for p in wrong.problems] == ["E-TIER"]


def test_sum_explains_lost_points() -> None:
    data = dataset(
        [
            indicator("a", "50", points="2"),
            indicator("b", "100", points="2", subtype=IndicatorSubtype.SOCIAL),
        ]
    )
    result = evaluate(
        data,
        framework(
            {
                "id": "s",
                "name": "履职",
                "points": 4,
                "rule": "sum",
                "children": [
                    {
                        "id": "o",
                        "name": "产出",
                        "points": 2,
                        "rule": "indicator_completion",
                        "select": {"category": "output"},
                    },
                    {
                        "id": "e",
                        "name": "效益",
                        "points": 2,
                        "rule": "indicator_completion",
                        "select": {"category": "effect"},
                    },
                ],
            }
        ),
    )
    assert result.score == 3
    assert result.root.children[0].explanation == "各子项得分合计 3 分。产出扣 1 分"
    assert result.grade == "差"
