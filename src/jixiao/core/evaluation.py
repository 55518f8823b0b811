"""``evaluate(dataset, framework)``: the whole self-evaluation, as a tree that explains itself."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from jixiao.core.execution import (
    MonthlySpendingMissing,
    annual_average_execution,
    execution_by,
    execution_of,
)
from jixiao.core.framework import DEPARTMENT_SCOPE, Framework
from jixiao.core.indicators import IndicatorScore, score_indicator
from jixiao.core.metrics import average_base, projects_in
from jixiao.core.model import Dataset
from jixiao.core.money import ZERO, format_score
from jixiao.core.reconcile import reconcile
from jixiao.core.result import (
    TOTAL_ID,
    Evaluation,
    ExecutionReport,
    NodeResult,
    ProjectExecution,
    TaskResult,
)
from jixiao.core.rules import RULES, Context
from jixiao.core.rules import sum as sum_rule


def evaluate(dataset: Dataset, framework: Framework) -> Evaluation:
    """Score ``dataset`` on ``framework``.

    Evaluation never raises on data it can read: a value it cannot compute scores 0 and is
    reported in ``Evaluation.problems`` with the reason.
    """
    scores = {
        indicator.code: score_indicator(indicator, framework.parameters)
        for indicator in dataset.indicators
    }
    context = Context(dataset, framework, scores, RULES)
    children = tuple(context.score(node) for node in framework.nodes)
    total = sum((child.score for child in children), ZERO)
    root = NodeResult(
        id=TOTAL_ID,
        name=framework.name,
        points=framework.points,
        score=total,
        kind=sum_rule.RULE.kind,
        explanation=f"总分 {format_score(total)} 分，等级“{framework.grade_for(total)}”",
        children=children,
    )
    evaluation = Evaluation(
        framework_id=framework.id,
        framework_name=framework.name,
        department=dataset.department.name,
        fiscal_year=dataset.fiscal_year,
        root=root,
        grade=framework.grade_for(total),
        execution=execution_report(dataset, framework),
        key_tasks=task_results(dataset, scores),
        problems=tuple(context.problems),
        over_achievement_threshold=framework.parameters.over_achievement_threshold,
    )
    if dataset.published is None:
        return evaluation
    return replace(
        evaluation, problems=evaluation.problems + tuple(reconcile(dataset.published, evaluation))
    )


def execution_report(dataset: Dataset, framework: Framework) -> ExecutionReport:
    projects = dataset.projects
    source_names = {line.funding_source: line.name for line in dataset.budget_lines}
    base = average_base(
        dataset,
        DEPARTMENT_SCOPE,
        projects_in(dataset, DEPARTMENT_SCOPE),
        framework.parameters.average_base,
    )
    try:
        average = annual_average_execution(
            projects, base or ZERO, framework.parameters.average_checkpoints
        )
    except MonthlySpendingMissing:
        average = None
    return ExecutionReport(
        overall=execution_of(projects),
        by_funding_source=execution_by(
            projects, lambda p: source_names.get(p.funding_source, p.funding_source)
        ),
        by_spending_group=execution_by(projects, lambda p: p.spending_group),
        special_fund=execution_of(p for p in projects if p.special_fund),
        projects=tuple(
            ProjectExecution(p.code, p.name, p.spending_group, p.funding_source, execution_of([p]))
            for p in projects
        ),
        annual_average=average,
    )


def task_results(dataset: Dataset, scores: dict[str, IndicatorScore]) -> tuple[TaskResult, ...]:
    results = []
    for task in dataset.key_tasks:
        entries = [s for s in scores.values() if s.indicator.key_task == task.code]
        points: Decimal = sum((s.indicator.points for s in entries), ZERO)
        score: Decimal = sum((s.score for s in entries), ZERO)
        results.append(
            TaskResult(
                code=task.code,
                name=task.name,
                points=points,
                score=score,
                indicator_count=len(entries),
                over_achieved=tuple(s.indicator.name for s in entries if s.over_achieved),
                below_target=tuple(
                    s.indicator.name
                    for s in entries
                    if not s.over_achieved and s.score < s.indicator.points
                ),
            )
        )
    return tuple(results)
