"""``deduction_per_finding``: points − deduction × findings, never below the floor.

``findings: late_disclosures, deduction: 0.5, floor: 0`` on a 2-point node with 3 late
disclosures: 2 − 3 × 0.5 = 0.5. Which findings are counted is ``jixiao.core.findings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.findings import FINDING_LABELS, findings_for
from jixiao.core.framework import FindingSource, Node, NodeSource, RuleParameters, options
from jixiao.core.money import ZERO, format_score
from jixiao.core.problems import ProblemCode
from jixiao.core.result import Deduction, Measures, NodeResult
from jixiao.core.rules.base import Context, Rule, result


@dataclass(frozen=True, slots=True)
class DeductionParameters(RuleParameters):
    findings: FindingSource
    deduction: Decimal
    floor: Decimal = ZERO


def parse(source: NodeSource) -> DeductionParameters | None:
    read, data, where = source.read, source.data, source.where
    findings = read.choice(data, "findings", options(FindingSource), where)
    deduction = read.decimal(data, "deduction", where, minimum=Decimal("0.01"))
    floor = read.decimal(data, "floor", where, required=False, minimum=ZERO)
    if floor is None:
        floor = ZERO  # none given, or a wrong one (reported)
    elif source.points is not None and floor > source.points:
        read.error(ProblemCode.E_RANGE, "扣分下限不能高于节点分值", source.at("floor"))
    if findings is None or deduction is None:
        return None
    return DeductionParameters(findings, deduction, floor)


def score(node: Node, parameters: DeductionParameters, context: Context) -> NodeResult:
    found = findings_for(parameters.findings, context.dataset, context.framework.parameters)
    label = FINDING_LABELS[parameters.findings]
    measures = Measures(findings=len(found))
    if not found:
        return result(
            node,
            node.points,
            f"未发现{label}，得满分 {format_score(node.points)} 分",
            measures=measures,
        )
    deduction, floor = parameters.deduction, parameters.floor
    remaining = node.points
    deductions = []
    for finding in found:
        taken = min(deduction, remaining - floor)
        remaining -= taken
        deductions.append(Deduction(taken, finding.description, (finding.reference,)))
    explanation = (
        f"发现{label} {len(found)} 项，每项扣 {format_score(deduction)} 分"
        + (
            f"，扣至下限 {format_score(floor)} 分"
            if remaining == floor and len(found) * deduction >= node.points - floor
            else ""
        )
        + f"，得 {format_score(remaining)} 分："
        + "；".join(f.description for f in found)
    )
    return result(
        node,
        remaining,
        explanation,
        deductions=tuple(deductions),
        references=tuple(f.reference for f in found),
        measures=measures,
    )


RULE = Rule(
    kind="deduction_per_finding",
    label="按问题扣分",
    keys=("findings", "deduction", "floor"),
    parse=parse,
    score=score,
)
