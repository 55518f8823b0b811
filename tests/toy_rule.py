"""A rule kind written outside jixiao, as a new kind is written inside it: one module.

``fixed_share``: the node scores a share of its points given in the framework
(``share: 80%`` on 5 points → 4). Registered by ``tests/test_rule_catalogue.py`` for one test.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.framework import Node, NodeSource, RuleParameters
from jixiao.core.money import format_percent, format_score, round_half_up
from jixiao.core.result import Measures, NodeResult
from jixiao.core.rules import Context, Rule
from jixiao.core.rules.base import result


@dataclass(frozen=True, slots=True)
class FixedShareParameters(RuleParameters):
    share: Decimal


def parse(source: NodeSource) -> FixedShareParameters | None:
    share = source.read.rate(source.data, "share", source.where)
    return None if share is None else FixedShareParameters(share)


def score(node: Node, parameters: FixedShareParameters, context: Context) -> NodeResult:
    points = round_half_up(node.points * parameters.share, context.places)
    return result(
        node,
        points,
        f"按固定比例 {format_percent(parameters.share)} 计，得 {format_score(points)} 分",
        measures=Measures(rate=parameters.share),
    )


RULE = Rule(kind="fixed_share", label="固定比例", keys=("share",), parse=parse, score=score)
