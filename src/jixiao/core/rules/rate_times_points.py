"""``rate_times_points``: score = rate × points, the rate rounded to ``rate_places`` and at
most 100%, the score rounded half-up to ``score_places``.

年度平均执行率 72.52% on a 5-point node: 72.52% × 5 = 3.626 → 3.63. In-year monitoring asks
:func:`score_at` for the score the annual average so far would earn.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.framework import Node, NodeSource, Parameters
from jixiao.core.money import ONE, format_percent, format_score, round_half_up
from jixiao.core.result import Deduction, Measures, NodeResult
from jixiao.core.rules.base import Context, Rule, result
from jixiao.core.rules.metric_parameters import (
    METRIC_KEYS,
    MetricParameters,
    measure,
    parse_metric,
    scored_rate,
)


@dataclass(frozen=True, slots=True)
class RateTimesPointsParameters(MetricParameters):
    pass


def parse(source: NodeSource) -> RateTimesPointsParameters | None:
    parsed = parse_metric(source)
    return None if parsed is None else RateTimesPointsParameters(*parsed)


def score_at(rate: Decimal, points: Decimal, parameters: Parameters) -> Decimal:
    """The score of a ``points``-point node at ``rate``: 0.72516 on 5 points → 72.52% × 5 =
    3.63; 1.05 on 5 points → 5."""
    capped = min(scored_rate(rate, parameters), ONE)
    return round_half_up(points * capped, parameters.score_places)


def score(node: Node, parameters: RateTimesPointsParameters, context: Context) -> NodeResult:
    measured = measure(node, parameters, context)
    if isinstance(measured, NodeResult):
        return measured
    rate, value = measured
    capped = min(rate, ONE)
    points = score_at(rate, node.points, context.framework.parameters)
    formula = f"{parameters.metric.label} {format_percent(rate)}"
    if capped < rate:
        formula += "，超过 100% 按 100% 计"
    explanation = (
        f"{value.account}。得分 = {format_percent(capped)} × {format_score(node.points)} "
        f"= {format_score(points)} 分"
    )
    deductions: tuple[Deduction, ...] = ()
    if points < node.points:
        deductions = (Deduction(node.points - points, f"{formula}，未达 100%", value.references),)
    return result(
        node,
        points,
        explanation,
        deductions=deductions,
        references=value.references,
        measures=Measures(metric=parameters.metric, rate=rate),
    )


RULE = Rule(
    kind="rate_times_points",
    label="比率 × 分值",
    keys=METRIC_KEYS,
    parse=parse,
    score=score,
)
