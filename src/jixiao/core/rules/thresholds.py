"""``thresholds``: the first band the metric falls in gives the score; none, 0.

结转结余率 0.44% with bands ``[{at_most: 5%, score: 2}, {at_most: 10%, score: 1}, {score: 0}]``
scores 2. A band's score may not exceed the node's points.

**Edges.** ``at_least`` and ``at_most`` include their edge; ``above`` and ``below`` exclude it.
The metric is compared as the rules score it, rounded to ``rate_places`` first. A 预算执行率 of
90% exactly (or 89.996%, which is 90.00%) against ``[{at_least: 90%, score: 5}, {at_least:
80%, score: 3}]`` scores 5; against ``[{above: 90%, score: 5}, {above: 80%, score: 3}]`` it
scores 3. Bands are tried in order, so a value on an edge two bands share goes to the first
that includes it. A band has at most one lower bound (``at_least`` or ``above``) and one upper
bound (``at_most`` or ``below``).
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
    """One band of a ``thresholds`` rule: the metric is at most / below an upper bound and at
    least / above a lower bound (each optional). ``at_most`` and ``at_least`` include the bound
    itself, ``below`` and ``above`` do not."""

    score: Decimal
    at_most: Decimal | None = None
    at_least: Decimal | None = None
    below: Decimal | None = None
    above: Decimal | None = None

    def contains(self, value: Decimal) -> bool:
        return not (
            (self.at_most is not None and value > self.at_most)
            or (self.below is not None and value >= self.below)
            or (self.at_least is not None and value < self.at_least)
            or (self.above is not None and value <= self.above)
        )


@dataclass(frozen=True, slots=True)
class ThresholdsParameters(MetricParameters):
    bands: tuple[Band, ...] = ()


_BOUNDS = ("at_most", "below", "at_least", "above")


def _bands(source: NodeSource) -> tuple[Band, ...] | None:
    read, where, points = source.read, source.at("bands"), source.points
    bands = []
    for data, here in read.mappings(source.data.get("bands"), where):
        read.only_keys(data, (*_BOUNDS, "score"), here)
        band_score = read.decimal(data, "score", here, minimum=ZERO)
        bounds = {key: read.rate(data, key, here, required=False) for key in _BOUNDS}
        for inclusive, exclusive, what in (
            ("at_least", "above", "下限"),
            ("at_most", "below", "上限"),
        ):
            if inclusive in data and exclusive in data:
                read.error(
                    ProblemCode.E_THRESHOLDS,
                    f"档位只能有一个{what}：“{inclusive}”（含边界）或“{exclusive}”（不含边界）",
                    here.child(exclusive),
                )
        if band_score is not None and points is not None and band_score > points:
            read.error(ProblemCode.E_RANGE, f"档位得分 {band_score} 超过节点分值 {points}", here)
        if band_score is not None:
            bands.append(Band(band_score, **bounds))
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
    if band.below is not None:
        limits.append(f"低于 {format_percent(band.below)}")
    if band.at_least is not None:
        limits.append(f"不低于 {format_percent(band.at_least)}")
    if band.above is not None:
        limits.append(f"高于 {format_percent(band.above)}")
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
