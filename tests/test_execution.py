from __future__ import annotations

from decimal import Decimal

from jixiao.core.execution import Checkpoints, annual_average_execution, execution_of
from jixiao.core.model import Project
from jixiao.core.money import format_percent


def project(code: str, budget: int, monthly: list[int]) -> Project:
    amounts = tuple(Decimal(m) for m in monthly)
    return Project(
        code=code,
        name=code,
        funding_source="city",
        adjusted_budget=Decimal(budget),
        spent=sum(amounts, Decimal(0)),
        monthly_spent=amounts,
    )


def test_even_spending_averages_six_and_a_half_twelfths() -> None:
    projects = [project("A", 1200, [100] * 12)]
    average = annual_average_execution(projects, Decimal(1200), Checkpoints.MONTHLY)
    assert average is not None
    assert format_percent(average.rate) == "54.17%"
    assert [rate for _, rate in average.cumulative_rates][:2] == [
        Decimal(100) / 1200,
        Decimal(200) / 1200,
    ]


def test_quarterly_checkpoints() -> None:
    projects = [project("A", 1000, [0, 0, 400, 0, 0, 200, 0, 0, 200, 0, 0, 200])]
    average = annual_average_execution(projects, Decimal(1000), Checkpoints.QUARTERLY)
    assert average is not None
    assert average.rate == Decimal("0.7")  # (40% + 60% + 80% + 100%) / 4
    assert [month for month, _ in average.cumulative_rates] == [3, 6, 9, 12]


def test_execution_of_several_projects() -> None:
    execution = execution_of([project("A", 100, [50] + [0] * 11), project("B", 300, [0] * 12)])
    assert (execution.budget, execution.spent, execution.rate) == (
        Decimal(400),
        Decimal(50),
        Decimal("0.125"),
    )


def test_zero_budget_has_no_rate() -> None:
    assert execution_of([]).rate is None
    assert annual_average_execution([], Decimal(0), Checkpoints.MONTHLY) is None
