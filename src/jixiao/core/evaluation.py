"""``evaluate(dataset, framework, cohort=...)``: the whole self-evaluation, as a tree that explains
itself; ``cohort_figures(datasets, framework, ...)``: the figures of a cohort its ``cohort_rank``
items rank a department among."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from jixiao.core.cohort import Cohort, CohortFigure, CohortMeasure, CohortMember
from jixiao.core.execution import (
    MonthlySpendingMissing,
    annual_average_execution,
    execution_by,
    execution_of,
)
from jixiao.core.framework import DEPARTMENT_SCOPE, Framework
from jixiao.core.indicators import IndicatorScore, score_indicator
from jixiao.core.metrics import average_base, compute_metric, projects_in
from jixiao.core.model import Dataset
from jixiao.core.money import ZERO, format_score, round_half_up
from jixiao.core.problems import Problem, ProblemCode, ProblemsFound, SourceLocation
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
from jixiao.core.rules.cohort_rank import CohortRankParameters
from jixiao.core.rules.metric_parameters import scored_rate
from jixiao.core.subject import DEPARTMENT, Subject, view_of


def evaluate(
    dataset: Dataset,
    framework: Framework,
    cohort: Cohort | None = None,
    *,
    subject: Subject = DEPARTMENT,
) -> Evaluation:
    """Score ``subject`` — the department's year as a whole, or one project's own
    self-evaluation — on ``framework``, from what it sees of ``dataset``
    (:func:`jixiao.core.subject.view_of`); its ``cohort_rank`` items rank the department among
    ``cohort`` (without one they are pending: 0 points and a ``W-COHORT-PENDING`` warning).

    Evaluation never raises on data it can read: a value it cannot compute scores 0 and is
    reported in ``Evaluation.problems`` with the reason.
    """
    dataset = view_of(dataset, subject)
    scores = {
        indicator.code: score_indicator(indicator, framework.parameters)
        for indicator in dataset.indicators
    }
    context = Context(dataset, framework, scores, RULES, cohort, subject)
    children = tuple(context.score(node) for node in framework.nodes)
    total = sum((child.score for child in children), ZERO)
    explanation = f"总分 {format_score(total)} 分，等级“{framework.grade_for(total)}”"
    pending = [
        node.name
        for child in children
        for node in child.walk()
        if node.measures.cohort is not None and node.measures.cohort.pending
    ]
    if pending:
        explanation += f"（{'、'.join(pending)}待评，暂按 0 分计）"
    root = NodeResult(
        id=TOTAL_ID,
        name=framework.name,
        points=framework.points,
        score=total,
        kind=sum_rule.RULE.kind,
        explanation=explanation,
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
        subject=subject,
    )
    if dataset.published is None:
        return evaluation
    return replace(
        evaluation, problems=evaluation.problems + tuple(reconcile(dataset.published, evaluation))
    )


def cohort_measures(framework: Framework) -> tuple[CohortMeasure, ...]:
    """What the framework's ``cohort_rank`` items rank on, each once, in the framework's order."""
    measures: dict[str, CohortMeasure] = {}
    for node in framework.walk():
        if isinstance(node.parameters, CohortRankParameters):
            measure = node.parameters.measure
            measures.setdefault(measure.key, measure)
    return tuple(measures.values())


def cohort_figures(
    datasets: Sequence[Dataset],
    framework: Framework,
    *,
    name: str,
    cut_off: date,
    fiscal_year: int | None = None,
) -> Cohort:
    """The cohort of ``datasets`` as ``framework``'s cohort items rank on it, taken at ``cut_off``.

    Each department's value of each measure is computed from its own data set as the rules
    compute it: a metric rounded half-up to ``rate_places`` (a department whose metric cannot be
    computed has no value, with the reason, and is not ranked), an item's score — evaluated
    without a cohort, as such an item does not depend on one — rounded to ``score_places``. The
    data sets must be of one fiscal year (``fiscal_year`` when given) and each department's code
    appear once; otherwise :class:`ProblemsFound` lists every offender and nothing is computed.
    """
    where = SourceLocation(f"同批部门 {name}")
    problems: list[Problem] = []
    years = Counter(dataset.fiscal_year for dataset in datasets)
    if fiscal_year is None and not years:
        raise ProblemsFound([Problem(ProblemCode.E_COHORT, "同批部门没有数据集", where)])
    year = fiscal_year if fiscal_year is not None else years.most_common(1)[0][0]
    codes = Counter(dataset.department.code for dataset in datasets)
    for dataset in datasets:
        here = replace(where, path=f"部门 {dataset.department.code}（{dataset.department.name}）")
        if dataset.fiscal_year != year:
            problems.append(
                Problem(
                    ProblemCode.E_COHORT,
                    f"是 {dataset.fiscal_year} 年度的数据，同批部门是 {year} 年度",
                    here,
                )
            )
        if codes[dataset.department.code] > 1:
            problems.append(
                Problem(
                    ProblemCode.E_DUPLICATE_CODE,
                    f"部门编码“{dataset.department.code}”在同批部门中出现 "
                    f"{codes[dataset.department.code]} 次",
                    here,
                )
            )
    if problems:
        raise ProblemsFound(problems)
    measures = cohort_measures(framework)
    members = [
        CohortMember(
            dataset.department.code,
            dataset.department.name,
            _figures(dataset, framework, measures),
        )
        for dataset in datasets
    ]
    return Cohort(
        name=name,
        fiscal_year=year,
        cut_off=cut_off,
        framework_id=framework.id,
        measures=tuple(measure.key for measure in measures),
        members=tuple(sorted(members, key=lambda member: member.code)),
    )


def _figures(
    dataset: Dataset, framework: Framework, measures: Sequence[CohortMeasure]
) -> dict[str, CohortFigure]:
    parameters = framework.parameters
    evaluation = evaluate(dataset, framework) if any(m.item for m in measures) else None
    figures: dict[str, CohortFigure] = {}
    for measure in measures:
        if measure.metric is not None:
            value = compute_metric(measure.metric, measure.scope, dataset, parameters)
            figures[measure.key] = (
                CohortFigure(None, value.account)
                if value.rate is None
                else CohortFigure(scored_rate(value.rate, parameters))
            )
            continue
        assert evaluation is not None and measure.item is not None
        node = evaluation.root.find(measure.item)
        assert node is not None  # the parser checked the item exists
        figures[measure.key] = CohortFigure(round_half_up(node.score, parameters.score_places))
    return figures


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
