"""``thresholds``: the first band the metric falls in gives the score; none, 0.

结转结余率 0.44% with bands ``[{at_most: 5%, score: 2}, {at_most: 10%, score: 1}, {score: 0}]``
scores 2. A band's score may not exceed the node's points.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.framework import Node, NodeSource
from jixiao.core.money import ZERO, format_percent, format_score
from jixiao.core.problems import ProblemCode
from jixiao.core.result import Deduction, Measures, NodeResult
from jixiao.core.rules.base import Context, Rule, result
from jixiao.core.rules.metric_parameters import (
    METRIC_KEYS,
    MetricParameters,
    measure,
    parse_metric,
)


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a ``thresholds`` rule: the metric is at most / at least a bound."""

    score: Decimal
    at_most: Decimal | None = None
    at_least: Decimal | None = None

    def contains(self, value: Decimal) -> bool:
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)


@dataclass(frozen=True, slots=True)
class ThresholdsParameters(MetricParameters):
    bands: tuple[Band, ...] = ()


def _bands(source: NodeSource) -> tuple[Band, ...] | None:
    read, where, points = source.read, source.at("bands"), source.points
    bands = []
    for data, here in read.mappings(source.data.get("bands"), where):
        read.only_keys(data, ("at_most", "at_least", "score"), here)
        band_score = read.decimal(data, "score", here, minimum=ZERO)
        at_most = read.rate(data, "at_most", here, required=False)
        at_least = read.rate(data, "at_least", here, required=False)
        if band_score is not None and points is not None and band_score > points:
            read.error(ProblemCode.E_RANGE, f"档位得分 {band_score} 超过节点分值 {points}", here)
        if band_score is not None:
            bands.append(Band(band_score, at_most, at_least))
    if not bands:
        read.error(ProblemCode.E_REQUIRED, "至少需要一个档位", where)
        return None
    return tuple(bands)


def parse(source: NodeSource) -> ThresholdsParameters | None:
    parsed = parse_metric(source)
    bands = _bands(source)
    if parsed is None or bands is None:
        return None
    return ThresholdsParameters(*parsed, bands=bands)


def _band_text(band: Band | None) -> str:
    if band is None:
        return "不在任何得分档位内"
    limits = []
    if band.at_most is not None:
        limits.append(f"不超过 {format_percent(band.at_most)}")
    if band.at_least is not None:
        limits.append(f"不低于 {format_percent(band.at_least)}")
    return "、".join(limits) or "任意值"


def score(node: Node, parameters: ThresholdsParameters, context: Context) -> NodeResult:
    measured = measure(node, parameters, context)
    if isinstance(measured, NodeResult):
        return measured
    rate, value = measured
    band = next((band for band in parameters.bands if band.contains(rate)), None)
    points = band.score if band else ZERO
    explanation = f"{value.account}，{_band_text(band)}，得 {format_score(points)} 分"
    deductions: tuple[Deduction, ...] = ()
    if points < node.points:
        deductions = (Deduction(node.points - points, explanation, value.references),)
    return result(
        node,
        points,
        explanation,
        deductions=deductions,
        references=value.references,
        measures=Measures(metric=parameters.metric, rate=rate),
    )


RULE = Rule(
    kind="thresholds",
    label="分档计分",
    keys=(*METRIC_KEYS, "bands"),
    parse=parse,
    score=score,
)
