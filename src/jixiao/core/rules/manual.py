"""``manual``: a score given by a person (an assessment naming the node), with its reason.

A score outside 0 … points, or none at all, scores 0 and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.core.framework import Node, NodeSource, RuleParameters
from jixiao.core.money import ZERO, format_score
from jixiao.core.problems import ProblemCode, Severity
from jixiao.core.result import Deduction, NodeResult
from jixiao.core.rules.base import Context, Rule, result


@dataclass(frozen=True, slots=True)
class ManualParameters(RuleParameters):
    """A manual node reads no keys of its own."""


def parse(_source: NodeSource) -> ManualParameters:
    return ManualParameters()


def assessment_reference(context: Context, node: Node) -> tuple[str, ...]:
    assessment = context.dataset.assessment(node.id)
    return (str(assessment.origin.location),) if assessment else ()


def score(node: Node, _parameters: ManualParameters, context: Context) -> NodeResult:
    assessment = context.dataset.assessment(node.id)
    if assessment is None or assessment.score is None:
        context.problem(
            ProblemCode.E_ASSESSMENT_MISSING,
            f"“{node.name}”需要人工评分及理由",
            node,
            Severity.ERROR,
        )
        return result(node, ZERO, "未评分，得 0 分")
    if not ZERO <= assessment.score <= node.points:
        context.problem(
            ProblemCode.E_RANGE,
            f"“{node.name}”的人工评分 {assessment.score} 不在 0 至 {node.points} 之间",
            node,
            Severity.ERROR,
        )
        return result(node, ZERO, "人工评分超出范围，得 0 分")
    explanation = f"人工评分 {format_score(assessment.score)} 分。理由：{assessment.reason}"
    references = assessment_reference(context, node)
    deductions: tuple[Deduction, ...] = ()
    if assessment.score < node.points:
        deductions = (Deduction(node.points - assessment.score, assessment.reason, references),)
    return result(node, assessment.score, explanation, deductions=deductions, references=references)


RULE = Rule(kind="manual", label="人工评分", keys=(), parse=parse, score=score)
