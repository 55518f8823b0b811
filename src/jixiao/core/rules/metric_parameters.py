"""What the two rules scoring a metric share: reading ``metric`` and ``scope``, and measuring.

Not a rule kind itself: ``rate_times_points`` and ``thresholds`` build on it. A metric names the
scopes it can be computed for (``Metric.scopes``); a ``scope:`` the metric does not accept is
refused where it is written (结转结余率 is the department's only).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.framework import (
    DEPARTMENT_SCOPE,
    Metric,
    Node,
    NodeSource,
    Parameters,
    RuleParameters,
    Scope,
    ScopeKind,
    options,
    read_scope,
)
from jixiao.core.metrics import MetricValue, compute_metric
from jixiao.core.money import ZERO, round_half_up
from jixiao.core.problems import ProblemCode, Severity
from jixiao.core.result import Measures, NodeResult
from jixiao.core.rules.base import Context, result

METRIC_KEYS = ("metric", "scope")


@dataclass(frozen=True, slots=True)
class MetricParameters(RuleParameters):
    metric: Metric
    scope: Scope = DEPARTMENT_SCOPE


def parse_metric(source: NodeSource) -> tuple[Metric, Scope] | None:
    """The node's metric and scope (the department when no ``scope`` is given)."""
    read, data = source.read, source.data
    metric = read.choice(data, "metric", options(Metric), source.where)
    value = data.get("scope", ScopeKind.DEPARTMENT.value)
    scope = read_scope(read, value, source.at("scope"))
    if metric is None or scope is None:
        return None
    if scope.kind not in metric.scopes:
        read.error(
            ProblemCode.E_SCOPE,
            f"“{metric.label}”只按部门整体计算，不接受范围“{value}”",
            source.at("scope"),
        )
        return None
    return metric, scope


def scored_rate(rate: Decimal, parameters: Parameters) -> Decimal:
    """A rate as the rules score it: rounded half-up to ``rate_places`` (0.72516 → 0.7252)."""
    return round_half_up(rate, parameters.rate_places)


def measure(
    node: Node, parameters: MetricParameters, context: Context
) -> tuple[Decimal, MetricValue] | NodeResult:
    """The node's metric rounded to ``rate_places``, or a zero result saying why there is none."""
    value = compute_metric(
        parameters.metric,
        parameters.scope,
        context.dataset,
        context.framework.parameters,
        context.subject,
    )
    if value.rate is None:
        context.problem(ProblemCode.E_METRIC, value.account, node, Severity.ERROR)
        return result(
            node, ZERO, f"{value.account}，得 0 分", measures=Measures(metric=parameters.metric)
        )
    return scored_rate(value.rate, context.framework.parameters), value
