"""The rates a framework can score, each with a plain-Chinese account of how it was computed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.execution import (
    AverageBase,
    MonthlySpendingMissing,
    annual_average_execution,
    execution_of,
    initial_budget_total,
)
from jixiao.core.framework import Metric, Parameters, Scope, ScopeKind
from jixiao.core.model import Dataset, ExpenseControl, Project
from jixiao.core.money import (
    AmountUnit,
    amount_unit,
    format_amount,
    format_percent,
    format_wan,
)
from jixiao.core.subject import DEPARTMENT, Subject


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A computed rate, or ``None`` with the reason it cannot be computed."""

    rate: Decimal | None
    account: str
    references: tuple[str, ...] = ()


def projects_in(dataset: Dataset, scope: Scope) -> list[Project]:
    if scope.kind is ScopeKind.SPECIAL_FUND:
        return [project for project in dataset.projects if project.special_fund]
    if scope.kind is ScopeKind.FUNDING_SOURCE:
        return [p for p in dataset.projects if p.funding_source == scope.funding_source]
    return list(dataset.projects)


def compute_metric(
    metric: Metric,
    scope: Scope,
    dataset: Dataset,
    parameters: Parameters,
    subject: Subject = DEPARTMENT,
) -> MetricValue:
    """``metric`` over ``scope``'s projects of ``dataset`` — the data set as ``subject``'s
    evaluation sees it (a project's own: the scope ``department`` is the project)."""
    if metric is Metric.EXECUTION_RATE:
        return _execution_rate(dataset, scope, subject)
    if metric is Metric.ANNUAL_AVERAGE_EXECUTION_RATE:
        return _annual_average(dataset, scope, parameters)
    if metric is Metric.CARRYOVER_RATE:
        return _carryover_rate(dataset)
    if metric is Metric.THREE_PUBLIC_EXPENSE_CONTROL_RATE:
        return _control_rate("“三公”经费", dataset.management.three_public_expenses)
    return _control_rate("公用经费", dataset.management.public_expenses)


def _execution_rate(dataset: Dataset, scope: Scope, subject: Subject) -> MetricValue:
    """执行数 ÷ 年度预算, in 万元 or, for small amounts, 元 (a project's own form: 215,457.60 元
    ÷ 250,000.00 元 = 86.18%)."""
    projects = projects_in(dataset, scope)
    execution = execution_of(projects)
    label = subject.kind.label if scope.kind is ScopeKind.DEPARTMENT else scope.label
    if execution.rate is None:
        return MetricValue(None, f"{label}没有预算（年度预算为 0），无法计算执行率")
    unit = amount_unit((execution.spent, execution.budget), up_to=AmountUnit.WAN)
    count = "" if subject.is_project else f"（{len(projects)} 个项目）"
    return MetricValue(
        execution.rate,
        f"{label}执行数 {format_amount(execution.spent, unit)} {unit.value} ÷ 年度预算 "
        f"{format_amount(execution.budget, unit)} {unit.value} = "
        f"{format_percent(execution.rate)}{count}",
    )


def average_base(
    dataset: Dataset, scope: Scope, projects: Sequence[Project], base: AverageBase
) -> Decimal | None:
    if base is AverageBase.ADJUSTED_BUDGET:
        return execution_of(projects).budget
    if scope.kind is ScopeKind.SPECIAL_FUND:
        return None
    return initial_budget_total(dataset, scope.funding_source)


def _annual_average(dataset: Dataset, scope: Scope, parameters: Parameters) -> MetricValue:
    projects = projects_in(dataset, scope)
    base = average_base(dataset, scope, projects, parameters.average_base)
    if base is None:
        return MetricValue(None, "专项资金没有年初预算数，无法以年初预算为基数计算年度平均执行率")
    try:
        average = annual_average_execution(projects, base, parameters.average_checkpoints)
    except MonthlySpendingMissing as error:
        return MetricValue(None, f"无法计算年度平均执行率：{error}")
    if average is None:
        return MetricValue(None, f"{scope.label}{parameters.average_base.label}为 0，无法计算")
    points = "、".join(
        f"{month}月 {format_percent(rate)}" for month, rate in average.cumulative_rates
    )
    return MetricValue(
        average.rate,
        f"{scope.label}{parameters.average_checkpoints.label}各时点累计执行率"
        f"（以{parameters.average_base.label} {format_wan(base)} 万元为基数）：{points}；"
        f"平均 {format_percent(average.rate)}",
    )


def _carryover_rate(dataset: Dataset) -> MetricValue:
    carryover = dataset.management.carryover
    budget = execution_of(dataset.projects).budget
    if carryover is None:
        return MetricValue(None, "未填报结转结余金额")
    if not budget:
        return MetricValue(None, "年度预算为 0，无法计算结转结余率")
    rate = carryover.amount / budget
    return MetricValue(
        rate,
        f"结转结余 {format_wan(carryover.amount)} 万元 ÷ 年度预算 {format_wan(budget)} 万元 = "
        f"{format_percent(rate)}",
        (str(carryover.origin.location),),
    )


def _control_rate(label: str, control: ExpenseControl | None) -> MetricValue:
    if control is None:
        return MetricValue(None, f"未填报{label}预算与支出")
    if not control.budget:
        return MetricValue(None, f"{label}预算为 0，无法计算控制率")
    rate = control.spent / control.budget
    return MetricValue(
        rate,
        f"{label}支出 {format_wan(control.spent)} 万元 ÷ 预算 {format_wan(control.budget)} 万元 = "
        f"{format_percent(rate)}",
        (str(control.origin.location),),
    )
