"""Budget execution: rates per project, funding source, spending group and overall, and the
annual average execution rate (年度平均执行率).

The execution rate is spent ÷ adjusted budget (年度预算), never rounded here.

The annual average execution rate averages the *cumulative* execution rate at the checkpoints of
the year. With monthly checkpoints and the adjusted budget as the base — the default, and what the
reference framework uses — a department with a budget of 1,200 that spends 100 each month has
cumulative rates 1/12, 2/12, … 12/12, whose average is 6.5/12 = 54.17%. Quarterly checkpoints
use the cumulative rates at the end of March, June, September and December.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from jixiao.core.model import Dataset, Project

ZERO = Decimal(0)


class Checkpoints(Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def months(self) -> tuple[int, ...]:
        if self is Checkpoints.MONTHLY:
            return tuple(range(1, 13))
        return (3, 6, 9, 12)

    @property
    def label(self) -> str:
        return "按月" if self is Checkpoints.MONTHLY else "按季度"


class AverageBase(Enum):
    """Which budget the cumulative spending is divided by."""

    ADJUSTED_BUDGET = "adjusted_budget"
    INITIAL_BUDGET = "initial_budget"

    @property
    def label(self) -> str:
        return "年度预算" if self is AverageBase.ADJUSTED_BUDGET else "年初预算"


class TimeProgressBasis(Enum):
    """What time progress (序时进度) is at the end of a month: the share of the year elapsed
    (June: 50%), or the share of the spending plan (用款计划) due by then."""

    LINEAR = "linear"
    PLAN = "plan"

    @property
    def label(self) -> str:
        return "按时间均衡" if self is TimeProgressBasis.LINEAR else "按用款计划"


@dataclass(frozen=True, slots=True)
class Execution:
    """Budget, spending and their ratio for a set of projects."""

    budget: Decimal
    spent: Decimal

    @property
    def rate(self) -> Decimal | None:
        return self.spent / self.budget if self.budget else None


def execution_of(projects: Iterable[Project]) -> Execution:
    budget = ZERO
    spent = ZERO
    for project in projects:
        budget += project.adjusted_budget
        spent += project.spent
    return Execution(budget, spent)


def execution_by(
    projects: Iterable[Project], key: Callable[[Project], str | None]
) -> dict[str, Execution]:
    """Execution grouped by ``key`` in first-seen order; a project whose key is None is left out."""
    groups: dict[str, list[Project]] = {}
    for project in projects:
        name = key(project)
        if name is not None:
            groups.setdefault(name, []).append(project)
    return {name: execution_of(members) for name, members in groups.items()}


@dataclass(frozen=True, slots=True)
class AverageExecution:
    """The annual average execution rate and the cumulative rates it averages."""

    rate: Decimal
    cumulative_rates: tuple[tuple[int, Decimal], ...]
    base: Decimal
    checkpoints: Checkpoints


class MonthlySpendingMissing(ValueError):
    def __init__(self, codes: Sequence[str]) -> None:
        self.codes = tuple(codes)
        super().__init__("缺少月度支出数据的项目：" + "、".join(self.codes))


def annual_average_execution(
    projects: Sequence[Project], base: Decimal, checkpoints: Checkpoints, through_month: int = 12
) -> AverageExecution | None:
    """Average the cumulative execution rate over ``checkpoints`` up to ``through_month`` (the
    average so far, during the year); None when ``base`` is zero or no checkpoint has passed."""
    missing = [project.code for project in projects if project.monthly_spent is None]
    if missing:
        raise MonthlySpendingMissing(missing)
    if not base:
        return None
    monthly_totals = [ZERO] * 12
    for project in projects:
        assert project.monthly_spent is not None
        for month, amount in enumerate(project.monthly_spent):
            monthly_totals[month] += amount
    cumulative = ZERO
    by_month: dict[int, Decimal] = {}
    for month, amount in enumerate(monthly_totals, start=1):
        cumulative += amount
        by_month[month] = cumulative
    rates = tuple(
        (month, by_month[month] / base) for month in checkpoints.months if month <= through_month
    )
    if not rates:
        return None
    average = sum((rate for _, rate in rates), ZERO) / len(rates)
    return AverageExecution(average, rates, base, checkpoints)


def initial_budget_total(dataset: Dataset, funding_source: str | None = None) -> Decimal:
    return sum(
        (
            line.initial_budget
            for line in dataset.budget_lines
            if funding_source is None or line.funding_source == funding_source
        ),
        ZERO,
    )
