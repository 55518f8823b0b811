"""Checking an evaluation against what a report published, so that jixiao notices a report's
arithmetic or wording that does not follow from its own data instead of copying it.

Example: the reference report says of one task that "等 2 个指标完成率超 150%" and names three
indicators. Given the data, reconciliation reports which two exceed 150% and which named one
does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from jixiao.core.model import PublishedFigures
from jixiao.core.money import format_percent, format_score, round_half_up
from jixiao.core.problems import Problem, ProblemCode, Severity, SourceLocation
from jixiao.core.result import Evaluation


def reconcile(published: PublishedFigures, evaluation: Evaluation) -> Iterator[Problem]:
    where = SourceLocation(published.source)

    def differs(what: str, computed: str, stated: str) -> Problem:
        return Problem(
            ProblemCode.W_PUBLISHED_MISMATCH,
            f"{what}：按数据计算为 {computed}，报告公布为 {stated}",
            where,
            Severity.WARNING,
        )

    def score_differs(what: str, computed: Decimal, stated: Decimal) -> Problem | None:
        if round_half_up(computed, 2) == round_half_up(stated, 2):
            return None
        return differs(what, format_score(computed), format_score(stated))

    checks: list[Problem | None] = []
    if published.total is not None:
        checks.append(score_differs("总分", evaluation.score, published.total))
    if published.grade is not None and published.grade != evaluation.grade:
        checks.append(differs("等级", evaluation.grade, published.grade))
    for node_id, stated in published.node_scores.items():
        node = evaluation.root.find(node_id)
        if node is None:
            checks.append(
                differs(f"评价项“{node_id}”", "（评价体系中没有该项）", format_score(stated))
            )
        else:
            checks.append(score_differs(node.name, node.score, stated))
    tasks = {task.code: task for task in evaluation.key_tasks}
    for code, stated in published.task_scores.items():
        task = tasks.get(code)
        if task is None:
            checks.append(
                differs(f"重点任务“{code}”", "（数据中没有该任务）", format_score(stated))
            )
        else:
            checks.append(score_differs(f"重点任务“{task.name}”", task.score, stated))
    rates: tuple[tuple[str, Decimal | None, Decimal | None], ...] = (
        ("预算执行率", evaluation.execution.overall.rate, published.execution_rate),
        (
            "年度平均执行率",
            evaluation.execution.annual_average.rate
            if evaluation.execution.annual_average
            else None,
            published.annual_average_execution_rate,
        ),
    )
    for rate_name, computed, stated_rate in rates:
        if stated_rate is None:
            continue
        if computed is None or round_half_up(computed, 4) != round_half_up(stated_rate, 4):
            computed_text = format_percent(computed) if computed is not None else "无法计算"
            checks.append(differs(rate_name, computed_text, format_percent(stated_rate)))
    for code, (stated_count, named) in published.over_achieved.items():
        task = tasks.get(code)
        if task is None:
            continue
        actual = set(task.over_achieved)
        named_set = set(named)
        if stated_count == len(actual) and named_set == actual:
            continue
        text = (
            f"重点任务“{task.name}”：报告称 {stated_count} 个指标完成率超过 150%，"
            f"列出 {len(named)} 个（{'、'.join(named)}）；按数据为 {len(actual)} 个"
            f"（{'、'.join(task.over_achieved) or '无'}）"
        )
        wrong = [name for name in named if name not in actual]
        if wrong:
            text += f"，其中“{'、'.join(wrong)}”并未超过 150%"
        checks.append(Problem(ProblemCode.W_PUBLISHED_INCONSISTENT, text, where, Severity.WARNING))
    yield from (check for check in checks if check is not None)
