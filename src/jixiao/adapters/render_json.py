"""The evaluation as JSON: every number a decimal string, every node with its explanation."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from jixiao.core.cohort import ITEM_PREFIX, Cohort, CohortStanding
from jixiao.core.execution import Execution
from jixiao.core.money import format_score, round_half_up
from jixiao.core.result import Evaluation, Measures, NodeResult


def _score(value: Any) -> str:
    return (
        format_score(value)
        if value == value.to_integral_value()
        else f"{round_half_up(value, 2):f}"
    )


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{round_half_up(value * 100, 2):f}"


def _measures(measures: Measures) -> dict[str, Any]:
    """What the node measured, only the fields it has; rates as percentages like elsewhere."""
    shown: dict[str, Any] = {
        "metric": measures.metric.value if measures.metric else None,
        "rate": _rate(measures.rate),
        "indicator": measures.indicator,
        "completion_rate": _rate(measures.completion),
        "over_achieved": measures.over_achieved or None,
        "shortfall": measures.shortfall,
        "key_task": measures.key_task,
        "findings": measures.findings,
        "tier": measures.tier,
        "cohort": _standing(measures.cohort) if measures.cohort else None,
    }
    return {key: value for key, value in shown.items() if value is not None}


def _figure(key: str, value: Decimal | None) -> str | None:
    """A cohort figure: a rate as a percentage like every rate here, an item's score in points."""
    if value is None:
        return None
    return _score(value) if key.startswith(ITEM_PREFIX) else _rate(value)


def _standing(standing: CohortStanding) -> dict[str, Any]:
    """Where the department stands in its cohort; ``top_share`` a percentage."""
    shown: dict[str, Any] = {
        "measure": standing.measure,
        "cohort": standing.cohort,
        "cut_off": standing.cut_off.isoformat() if standing.cut_off else None,
        "value": _figure(standing.measure, standing.value),
        "rank": standing.rank,
        "ranked": standing.ranked,
        "top_share": _rate(standing.top_share),
        "band": standing.band,
        "pending": standing.pending,
        "outside": standing.outside or None,
    }
    return {key: value for key, value in shown.items() if value is not None}


def cohort_as_dict(cohort: Cohort) -> dict[str, Any]:
    """The cohort's figures an evaluation used: per department, each measure's value (``null``
    with the reason when it could not be computed)."""
    return {
        "name": cohort.name,
        "fiscal_year": cohort.fiscal_year,
        "cut_off": cohort.cut_off.isoformat(),
        "framework": cohort.framework_id,
        "measures": list(cohort.measures),
        "members": [
            {
                "code": member.code,
                "name": member.name,
                "figures": {
                    key: {"value": _figure(key, figure.value), "reason": figure.reason or None}
                    for key, figure in member.figures.items()
                },
            }
            for member in cohort.members
        ],
    }


def _node(node: NodeResult) -> dict[str, Any]:
    return {
        "id": node.id,
        "name": node.name,
        "max": _score(node.points),
        "score": _score(node.score),
        "rule": node.kind,
        "measures": _measures(node.measures),
        "explanation": node.explanation,
        "deductions": [
            {"points": _score(d.points), "reason": d.reason, "references": list(d.references)}
            for d in node.deductions
        ],
        "references": list(node.references),
        "children": [_node(child) for child in node.children],
    }


def _execution(execution: Execution) -> dict[str, str | None]:
    return {
        "budget_yuan": f"{execution.budget:f}",
        "spent_yuan": f"{execution.spent:f}",
        "rate": _rate(execution.rate),
    }


def evaluation_as_dict(evaluation: Evaluation, cohort: Cohort | None = None) -> dict[str, Any]:
    """The evaluation; with ``cohort``, also the cohort's figures its cohort items used."""
    execution = evaluation.execution
    average = execution.annual_average
    shown = {
        "department": evaluation.department,
        "fiscal_year": evaluation.fiscal_year,
        "framework": {"id": evaluation.framework_id, "name": evaluation.framework_name},
        "total": {"score": _score(evaluation.score), "max": _score(evaluation.root.points)},
        "grade": evaluation.grade,
        "execution_rate": _rate(execution.overall.rate),
        "annual_average_execution_rate": _rate(average.rate) if average else None,
        "nodes": [_node(child) for child in evaluation.root.children],
        "key_tasks": [
            {
                "code": task.code,
                "name": task.name,
                "max": _score(task.points),
                "score": _score(task.score),
                "indicator_count": task.indicator_count,
                "over_achieved": list(task.over_achieved),
                "below_target": list(task.below_target),
            }
            for task in evaluation.key_tasks
        ],
        "execution": {
            "overall": _execution(execution.overall),
            "special_fund": _execution(execution.special_fund),
            "by_funding_source": {k: _execution(v) for k, v in execution.by_funding_source.items()},
            "by_spending_group": {k: _execution(v) for k, v in execution.by_spending_group.items()},
            "projects": [
                {
                    "code": p.code,
                    "name": p.name,
                    "spending_group": p.spending_group,
                    "funding_source": p.funding_source,
                    **_execution(p.execution),
                }
                for p in execution.projects
            ],
            "cumulative_rates": [
                {"month": month, "rate": _rate(rate)} for month, rate in average.cumulative_rates
            ]
            if average
            else [],
        },
        "problems": [problem.as_dict() for problem in evaluation.problems],
    }
    if cohort is not None:
        shown["cohort"] = cohort_as_dict(cohort)
    return shown


def evaluation_to_json(evaluation: Evaluation, cohort: Cohort | None = None) -> str:
    return json.dumps(evaluation_as_dict(evaluation, cohort), ensure_ascii=False, indent=2)
