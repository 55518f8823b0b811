"""``qualitative_tiers``: the evaluator chooses a tier (with a reason); the tier's share of the
points is the score.

``tiers: {好: 100%, 较好: 80%, 一般: 50%}`` on a 4-point node, assessed "较好": 4 × 80% = 3.2.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.core.framework import Node, NodeSource, RuleParameters, Tier, read_tiers
from jixiao.core.money import ZERO, format_percent, format_score, round_half_up
from jixiao.core.problems import ProblemCode, Severity
from jixiao.core.result import Deduction, Measures, NodeResult
from jixiao.core.rules.base import Context, Rule, result
from jixiao.core.rules.manual import assessment_reference


@dataclass(frozen=True, slots=True)
class TiersParameters(RuleParameters):
    tiers: tuple[Tier, ...]


def parse(source: NodeSource) -> TiersParameters | None:
    tiers = read_tiers(source.read, source.data.get("tiers"), source.at("tiers"))
    return None if tiers is None else TiersParameters(tiers)


def score(node: Node, parameters: TiersParameters, context: Context) -> NodeResult:
    assessment = context.dataset.assessment(node.id)
    tiers = {tier.name: tier.share for tier in parameters.tiers}
    if assessment is None or assessment.tier is None:
        context.problem(
            ProblemCode.E_ASSESSMENT_MISSING,
            f"“{node.name}”需要评定档次（可选：{'、'.join(tiers)}）及理由",
            node,
            Severity.ERROR,
        )
        return result(node, ZERO, "未评定档次，得 0 分")
    share = tiers.get(assessment.tier)
    if share is None:
        context.problem(
            ProblemCode.E_TIER,
            f"“{node.name}”的档次“{assessment.tier}”无效，可选：{'、'.join(tiers)}",
            node,
            Severity.ERROR,
        )
        return result(node, ZERO, f"档次“{assessment.tier}”无效，得 0 分")
    points = round_half_up(node.points * share, context.places)
    explanation = (
        f"评定为“{assessment.tier}”（得分比例 {format_percent(share)}），"
        f"得 {format_score(points)} 分。理由：{assessment.reason}"
    )
    references = assessment_reference(context, node)
    deductions = (
        (Deduction(node.points - points, explanation, references),) if points < node.points else ()
    )
    return result(
        node,
        points,
        explanation,
        deductions=deductions,
        references=references,
        measures=Measures(tier=assessment.tier),
    )


RULE = Rule(kind="qualitative_tiers", label="定性分档", keys=("tiers",), parse=parse, score=score)
