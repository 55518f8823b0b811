"""Small in-memory data sets and frameworks for unit and property tests."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from jixiao.core.framework import Framework, parse_framework
from jixiao.core.model import (
    BudgetLine,
    Comparison,
    Dataset,
    Department,
    Indicator,
    IndicatorSubtype,
    KeyTask,
    ManagementFacts,
    Project,
)


def indicator(
    code: str,
    actual: str | None,
    *,
    target: str = "100",
    points: str = "1",
    subtype: IndicatorSubtype = IndicatorSubtype.QUANTITY,
    comparison: Comparison = Comparison.AT_LEAST,
    special_fund: bool = False,
) -> Indicator:
    return Indicator(
        code=code,
        name=f"指标{code}",
        subtype=subtype,
        comparison=comparison,
        target=Decimal(target),
        actual=None if actual is None else Decimal(actual),
        points=Decimal(points),
        key_task=None if special_fund else "T1",
        special_fund=special_fund,
    )


def project(
    code: str, budget: str, monthly: Sequence[str], *, special_fund: bool = False
) -> Project:
    amounts = tuple(Decimal(m) for m in monthly)
    return Project(
        code=code,
        name=f"项目{code}",
        funding_source="city",
        adjusted_budget=Decimal(budget),
        spent=sum(amounts, Decimal(0)),
        monthly_spent=amounts,
        special_fund=special_fund,
    )


def dataset(
    indicators: Sequence[Indicator] = (),
    projects: Sequence[Project] = (),
    management: ManagementFacts | None = None,
    **extra: Any,
) -> Dataset:
    budget = sum((p.adjusted_budget for p in projects), Decimal(0))
    return Dataset(
        department=Department("d", "测试部门"),
        fiscal_year=2023,
        budget_lines=(BudgetLine("city", "市本级", budget, budget),),
        key_tasks=(KeyTask("T1", "任务一"),),
        projects=tuple(projects),
        indicators=tuple(indicators),
        management=management or ManagementFacts(),
        **extra,
    )


def framework(*nodes: dict[str, Any], points: str | None = None, **parameters: Any) -> Framework:
    total = points or str(sum(Decimal(str(node["points"])) for node in nodes))
    return parse_framework(
        {
            "id": "t",
            "name": "测试体系",
            "version": "1",
            "points": total,
            "parameters": parameters,
            "nodes": list(nodes),
        },
        "test.yaml",
    )
