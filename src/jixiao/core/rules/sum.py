"""``sum``: the score is the sum of the children's; their points add up to the node's.

履职效能 (50) = 产出 + 效益 + …: 36.85 + 10.28 = 47.13. The explanation names each child that lost
points: "各子项得分合计 47.13 分。产出指标扣 1.15 分；效益指标扣 1.72 分".
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.core.framework import Node, NodeSource, RuleParameters
from jixiao.core.money import ZERO, format_score
from jixiao.core.result import NodeResult
from jixiao.core.rules.base import Context, Rule, result


@dataclass(frozen=True, slots=True)
class SumParameters(RuleParameters):
    """Nothing beyond the children, which every node with children has."""


def parse(_source: NodeSource) -> SumParameters:
    return SumParameters()


def score(node: Node, _parameters: SumParameters, context: Context) -> NodeResult:
    children = tuple(context.score(child) for child in node.children)
    total = sum((child.score for child in children), ZERO)
    lost = [child for child in children if child.score < child.points]
    if lost:
        detail = "；".join(
            f"{child.name}扣 {format_score(child.points - child.score)} 分" for child in lost
        )
        explanation = f"各子项得分合计 {format_score(total)} 分。{detail}"
    else:
        explanation = f"各子项均得满分，合计 {format_score(total)} 分"
    return result(node, total, explanation, children=children)


RULE = Rule(
    kind="sum",
    label="各项合计",
    keys=("children",),
    parse=parse,
    score=score,
    has_children=True,
)
