"""Properties that hold for every data set, checked on generated ones (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.adapters.frameworks import builtin_framework_names, load_framework
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import Parameters
from jixiao.core.indicators import score_indicator
from jixiao.core.model import (
    Assessment,
    AssetHolding,
    AuditFinding,
    Carryover,
    Comparison,
    Dataset,
    ExpenseControl,
    Indicator,
    IndicatorSubtype,
    ManagementFacts,
    ProcurementContract,
)

from .builders import dataset, indicator, project

FRAMEWORKS = [load_framework(name) for name in builtin_framework_names()]

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2, allow_nan=False)
points = st.decimals(min_value=Decimal("0.25"), max_value=10, places=2)


@st.composite
def indicators(draw: st.DrawFn, code: str) -> Indicator:
    comparison = draw(
        st.sampled_from(
            [Comparison.AT_LEAST, Comparison.AT_MOST, Comparison.EQUAL, Comparison.QUALITATIVE]
        )
    )
    subtype = draw(st.sampled_from(list(IndicatorSubtype)))
    special = draw(st.booleans())
    if comparison is Comparison.QUALITATIVE:
        target: Decimal | str = "达成目标"
        actual: Decimal | str | None = draw(st.sampled_from(["达成", "基本达成", "未达成", "乱填"]))
    else:
        target = draw(positive)
        actual = draw(st.none() | st.decimals(min_value=0, max_value=10**7, places=3))
    return Indicator(
        code=code,
        name=code,
        subtype=subtype,
        comparison=comparison,
        target=target,
        actual=actual,
        points=draw(points),
        key_task=None if special else "T1",
        special_fund=special,
    )


@st.composite
def projects(draw: st.DrawFn, code: str):  # type: ignore[no-untyped-def]
    monthly = draw(
        st.lists(st.decimals(min_value=0, max_value=10**7, places=2), min_size=12, max_size=12)
    )
    spent = sum(monthly, Decimal(0))
    budget = spent + draw(amounts)
    return project(code, str(budget), [str(m) for m in monthly], special_fund=draw(st.booleans()))


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    n_indicators = draw(st.integers(min_value=0, max_value=12))
    n_projects = draw(st.integers(min_value=0, max_value=6))
    day = st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 1))
    signed = draw(st.lists(day, max_size=3))
    facts = ManagementFacts(
        carryover=draw(st.none() | st.builds(Carryover, amounts)),
        audit_findings=tuple(
            AuditFinding(f"A{i}", "报告", "问题") for i in range(draw(st.integers(0, 6)))
        ),
        contracts=tuple(
            ProcurementContract(f"C{i}", "合同", d, d + timedelta(days=draw(st.integers(0, 20))))
            for i, d in enumerate(signed)
        ),
        assets=tuple(
            AssetHolding("计算机", draw(st.integers(0, 50)), draw(st.integers(0, 50)))
            for _ in range(draw(st.integers(0, 2)))
        ),
        three_public_expenses=draw(st.none() | st.builds(ExpenseControl, amounts, amounts)),
        public_expenses=draw(st.none() | st.builds(ExpenseControl, amounts, amounts)),
    )
    return dataset(
        [draw(indicators(f"I{i}")) for i in range(n_indicators)],
        [draw(projects(f"P{i}")) for i in range(n_projects)],
        facts,
        assessments=(
            Assessment("performance_management", "理由", draw(st.decimals(0, 20, places=1))),
        ),
    )


@settings(max_examples=150, deadline=None)
@given(data=datasets(), framework_index=st.integers(0, len(FRAMEWORKS) - 1))
def test_no_score_exceeds_its_points_or_falls_below_zero(
    data: Dataset, framework_index: int
) -> None:
    evaluation = evaluate(data, FRAMEWORKS[framework_index])
    for node in evaluation.root.walk():
        assert Decimal(0) <= node.score <= node.points, node
    for task in evaluation.key_tasks:
        assert Decimal(0) <= task.score <= task.points


@settings(max_examples=60, deadline=None)
@given(data=datasets(), framework_index=st.integers(0, len(FRAMEWORKS) - 1))
def test_evaluation_is_deterministic(data: Dataset, framework_index: int) -> None:
    framework = FRAMEWORKS[framework_index]
    assert evaluate(data, framework) == evaluate(data, framework)


@settings(max_examples=300)
@given(
    target=positive,
    weight=points,
    shares=st.lists(
        st.decimals(min_value=0, max_value=Decimal("1.5"), places=4), min_size=2, max_size=6
    ),
    threshold=st.decimals(min_value=1, max_value=3, places=2),
)
def test_at_least_score_never_falls_as_actual_rises_to_the_threshold(
    target: Decimal, weight: Decimal, shares: list[Decimal], threshold: Decimal
) -> None:
    parameters = Parameters(over_achievement_threshold=threshold)
    scores = [
        score_indicator(
            indicator(
                "x",
                str(target * share * threshold / Decimal("1.5")),
                target=str(target),
                points=str(weight),
            ),
            parameters,
        ).score
        for share in sorted(shares)
    ]
    assert scores == sorted(scores)
