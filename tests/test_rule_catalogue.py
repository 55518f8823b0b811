"""The rule catalogue: a kind is one module and one registry line; results say what they
measured; metrics accept only their scopes; problem codes are an enum read as text."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from jixiao.adapters.render_text import render_text
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import FrameworkInvalid, Metric, Parameters, parse_framework
from jixiao.core.model import Carryover, ManagementFacts
from jixiao.core.problems import ProblemCode
from jixiao.core.result import INDICATOR, KEY_TASK, Evaluation
from jixiao.core.rules import RULES, has_children, rate_times_points, rule_label

from . import toy_rule
from .builders import dataset, framework, indicator, project

D = Decimal


@pytest.fixture
def fixed_share() -> Iterator[None]:
    """The toy kind in the catalogue for one test, taken out after it."""
    RULES[toy_rule.RULE.kind] = toy_rule.RULE
    try:
        yield
    finally:
        del RULES[toy_rule.RULE.kind]


@pytest.mark.usefixtures("fixed_share")
def test_a_new_rule_kind_is_one_module_and_one_registry_line() -> None:
    scored = framework(
        {"id": "toy", "name": "固定比例项", "points": 5, "rule": "fixed_share", "share": "80%"},
        {
            "id": "group",
            "name": "合计项",
            "points": 2,
            "rule": "sum",
            "children": [
                {"id": "inner", "name": "内层", "points": 2, "rule": "fixed_share", "share": 0.5}
            ],
        },
    )
    result = evaluate(dataset(), scored)
    node = result.root.find("toy")
    assert node is not None
    assert (node.kind, node.score, node.measures.rate) == ("fixed_share", D(4), D("0.8"))
    assert node.explanation == "按固定比例 80.00% 计，得 4 分"
    assert result.score == D(5)  # 4 + 0.5 × 2
    assert rule_label("fixed_share") == "固定比例"
    assert not has_children("fixed_share")
    assert "固定比例项" in render_text(result)
    # Its key belongs to it: another rule may not use it.
    with pytest.raises(FrameworkInvalid) as caught:
        framework({"id": "m", "name": "人工", "points": 1, "rule": "manual", "share": 1})
    assert [(p.code, str(p.location)) for p in caught.value.problems] == [
        ("E-RULE-FIELD", "test.yaml nodes[0].share")
    ]


def test_the_toy_kind_is_gone_after_its_test() -> None:
    assert "fixed_share" not in RULES
    with pytest.raises(FrameworkInvalid) as caught:
        framework({"id": "toy", "name": "x", "points": 5, "rule": "fixed_share", "share": 1})
    assert [p.code for p in caught.value.problems] == ["E-UNKNOWN-FIELD", "E-CHOICE"]


def test_the_catalogue_lists_the_builtin_kinds_in_order() -> None:
    assert list(RULES) == [
        "sum",
        "indicator_completion",
        "rate_times_points",
        "thresholds",
        "deduction_per_finding",
        "qualitative_tiers",
        "manual",
        "cohort_rank",
    ]
    assert [kind for kind in RULES if has_children(kind)] == ["sum"]
    assert rule_label("rate_times_points") == "比率 × 分值"


def test_results_carry_their_kind_and_measures(reference_evaluation: Evaluation) -> None:
    average = reference_evaluation.root.find("budget_execution_rate")
    assert average is not None
    assert average.kind == "rate_times_points"
    assert average.measures.metric is Metric.ANNUAL_AVERAGE_EXECUTION_RATE
    assert average.measures.rate == D("0.7252")
    carryover = reference_evaluation.root.find("carryover_rate")
    assert carryover is not None
    assert (carryover.kind, carryover.measures.rate) == ("thresholds", D("0.0044"))
    line = reference_evaluation.indicator_node("I102")
    assert line is not None
    assert (line.kind, line.id, line.measures.indicator) == (INDICATOR, "indicator:I102", "I102")
    assert line.measures.completion is not None
    tasks = [n for n in reference_evaluation.root.walk() if n.kind == KEY_TASK]
    assert tasks
    assert all(n.id == f"task:{n.measures.key_task}" for n in tasks)
    assert reference_evaluation.indicator_node("nothing") is None


def test_an_indicator_line_says_what_it_lost_without_its_name() -> None:
    result = evaluate(
        dataset([indicator("a", "87.5", points="0.5"), indicator("b", "160")]),
        framework(
            {"id": "o", "name": "产出", "points": "1.5", "rule": "indicator_completion"},
        ),
    )
    short, over = result.indicator_node("a"), result.indicator_node("b")
    assert short is not None and over is not None
    assert short.measures.completion == D("0.875")
    assert short.measures.shortfall == "完成率 87.50%，未达 100%，扣 0.06 分"
    assert short.deductions[0].reason == "指标a：完成率 87.50%，未达 100%，扣 0.06 分"
    assert (over.measures.over_achieved, over.measures.key_task) == (True, "T1")
    assert over.measures.shortfall == "完成率 160.00%，超过 150%（目标设置偏低），扣 0.5 分"


def test_the_score_at_a_rate_is_the_rules() -> None:
    """What monitoring asks for the annual average so far is what the scorer gives."""
    parameters = Parameters()
    assert rate_times_points.score_at(D("0.72516"), D(5), parameters) == D("3.63")
    assert rate_times_points.score_at(D("1.05"), D(5), parameters) == D(5)
    assert rate_times_points.score_at(D("0.99995"), D(5), parameters) == D(5)  # rounds to 100%


@pytest.mark.parametrize(
    ("metric", "scope"),
    [
        ("carryover_rate", "special_fund"),
        ("three_public_expense_control_rate", "funding_source:city"),
        ("public_expense_control_rate", "special_fund"),
    ],
)
def test_a_metric_refuses_a_scope_it_cannot_be_computed_for(metric: str, scope: str) -> None:
    document = {
        "id": "x",
        "name": "x",
        "version": "1",
        "points": 5,
        "nodes": [
            {
                "id": "n",
                "name": "比率",
                "points": 5,
                "rule": "rate_times_points",
                "metric": metric,
                "scope": scope,
            }
        ],
    }
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(document, "x.yaml")
    label = Metric(metric).label
    assert [str(p) for p in caught.value.problems] == [
        f"x.yaml nodes[0].scope：“{label}”只按部门整体计算，不接受范围“{scope}”"
    ]
    assert caught.value.problems[0].code == "E-SCOPE"


def test_scoped_metrics_accept_every_scope() -> None:
    nodes = [
        {
            "id": f"n{index}",
            "name": f"比率{index}",
            "points": 1,
            "rule": rule,
            "metric": metric,
            "scope": scope,
            **({"bands": [{"score": 1}]} if rule == "thresholds" else {}),
        }
        for index, (rule, metric, scope) in enumerate(
            [
                ("rate_times_points", "execution_rate", "special_fund"),
                ("thresholds", "annual_average_execution_rate", "funding_source:city"),
                ("thresholds", "carryover_rate", "department"),
            ]
        )
    ]
    data = dataset(
        projects=[project("P1", "100", ["10"] * 12)],
        management=ManagementFacts(carryover=Carryover(D(1))),
    )
    result = evaluate(data, framework(*nodes))
    assert [child.score for child in result.root.children] == [D(0), D(1), D(1)]


def test_problem_codes_are_an_enum_read_as_their_text() -> None:
    assert ProblemCode.E_DUPLICATE_CODE == "E-DUPLICATE-CODE"
    assert f"[{ProblemCode.W_NO_INDICATORS}]" == "[W-NO-INDICATORS]"
    result = evaluate(
        dataset([indicator("a", "100")]),
        framework(
            {
                "id": "s",
                "name": "满意",
                "points": 1,
                "rule": "indicator_completion",
                "select": {"category": "satisfaction"},
            }
        ),
    )
    assert [p.code for p in result.problems] == [ProblemCode.W_NO_INDICATORS]
    assert result.problems[0].as_dict()["code"] == "W-NO-INDICATORS"


def test_a_node_with_nothing_under_it_explains_itself_in_the_tree() -> None:
    result = evaluate(
        dataset([indicator("a", "100")]),
        framework(
            {"id": "o", "name": "产出", "points": 1, "rule": "indicator_completion"},
            {
                "id": "s",
                "name": "满意度",
                "points": 1,
                "rule": "indicator_completion",
                "select": {"category": "satisfaction"},
            },
        ),
    )
    text = render_text(result)
    assert "· 没有满意度指标，得 0 分" in text
