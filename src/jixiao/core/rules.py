"""The rule catalogue: one plain function per rule kind, each scoring one framework node.

Every function returns a :class:`NodeResult` whose explanation says, in plain Chinese, what was
measured, which rule applied and why points were lost. Scores are rounded half-up to the
framework's ``score_places`` where a rule multiplies; sums are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.core.findings import FINDING_LABELS, findings_for
from jixiao.core.framework import Framework, Node, RuleKind
from jixiao.core.indicators import IndicatorScore
from jixiao.core.metrics import MetricValue, compute_metric
from jixiao.core.model import Dataset, Indicator
from jixiao.core.money import ONE, ZERO, format_percent, format_rate, format_score, round_half_up
from jixiao.core.problems import Problem, Severity, SourceLocation
from jixiao.core.result import Deduction, NodeResult


@dataclass
class Context:
    """What every rule may read; collects problems met while scoring."""

    dataset: Dataset
    framework: Framework
    indicator_scores: dict[str, IndicatorScore]
    problems: list[Problem] = field(default_factory=list)

    @property
    def places(self) -> int:
        return self.framework.parameters.score_places

    def problem(self, code: str, message: str, node: Node, severity: Severity) -> None:
        where = SourceLocation(f"评价体系 {self.framework.id}", path=f"节点 {node.id}")
        self.problems.append(Problem(code, message, where, severity))


Scorer = Callable[[Node, Context], NodeResult]


def _result(node: Node, score: Decimal, explanation: str, **extra: object) -> NodeResult:
    return NodeResult(
        id=node.id,
        name=node.name,
        points=node.points,
        score=score,
        rule=node.rule.value,
        explanation=explanation,
        **extra,  # type: ignore[arg-type]
    )


def score_sum(node: Node, context: Context) -> NodeResult:
    children = tuple(score_node(child, context) for child in node.children)
    score = sum((child.score for child in children), ZERO)
    lost = [child for child in children if child.score < child.points]
    if lost:
        detail = "；".join(
            f"{child.name}扣 {format_score(child.points - child.score)} 分" for child in lost
        )
        explanation = f"各子项得分合计 {format_score(score)} 分。{detail}"
    else:
        explanation = f"各子项均得满分，合计 {format_score(score)} 分"
    return _result(node, score, explanation, children=children)


def _indicator_node(entry: IndicatorScore) -> NodeResult:
    indicator = entry.indicator
    deductions: tuple[Deduction, ...] = ()
    if entry.deduction:
        reason = f"{indicator.name}：{entry.reason}，扣 {format_score(entry.deduction)} 分"
        deductions = (Deduction(entry.deduction, reason, (str(indicator.origin.location),)),)
    return NodeResult(
        id=f"indicator:{indicator.code}",
        name=indicator.name,
        points=indicator.points,
        score=entry.score,
        rule="indicator",
        explanation=entry.explanation,
        deductions=deductions,
        references=(str(indicator.origin.location),),
    )


def _group_by_task(
    dataset: Dataset, indicators: list[Indicator], scores: dict[str, IndicatorScore]
) -> tuple[NodeResult, ...]:
    """Group indicator results under their key tasks, in the data set's task order."""
    order = {task.code: position for position, task in enumerate(dataset.key_tasks)}
    groups: dict[str | None, list[Indicator]] = {}
    for indicator in sorted(indicators, key=lambda i: order.get(i.key_task or "", len(order))):
        groups.setdefault(indicator.key_task, []).append(indicator)
    nodes: list[NodeResult] = []
    for task_code, members in groups.items():
        children = tuple(_indicator_node(scores[i.code]) for i in members)
        if task_code is None:
            nodes.extend(children)
            continue
        task = dataset.key_task(task_code)
        points = sum((i.points for i in members), ZERO)
        score = sum((child.score for child in children), ZERO)
        nodes.append(
            NodeResult(
                id=f"task:{task_code}",
                name=task.name if task else task_code,
                points=points,
                score=score,
                rule="key_task",
                explanation=f"{len(members)} 个指标，得 {format_score(score)} 分（分值 "
                f"{format_score(points)} 分）",
                children=children,
            )
        )
    return tuple(nodes)


def score_indicator_completion(node: Node, context: Context) -> NodeResult:
    selection = node.select
    indicators = [
        indicator
        for indicator in context.dataset.indicators
        if (selection.category is None or indicator.category is selection.category)
        and (selection.special_fund is None or indicator.special_fund is selection.special_fund)
    ]
    what = selection.describe()
    if not indicators:
        context.problem(
            "W-NO-INDICATORS", f"“{node.name}”没有可评分的{what}", node, Severity.WARNING
        )
        return _result(node, ZERO, f"没有{what}，得 0 分")
    scores = context.indicator_scores
    points = sum((i.points for i in indicators), ZERO)
    raw = sum((scores[i.code].score for i in indicators), ZERO)
    over = [i.name for i in indicators if scores[i.code].over_achieved]
    below = [i.name for i in indicators if scores[i.code].score < i.points and i.name not in over]
    children = _group_by_task(context.dataset, indicators, scores)
    deductions = tuple(d for child in children for leaf in child.walk() for d in leaf.deductions)
    summary = (
        f"{what} {len(indicators)} 个，分值合计 {format_score(points)} 分，"
        f"得 {format_score(raw)} 分"
    )
    if over:
        summary += (
            f"；{len(over)} 个指标完成率超过 "
            f"{format_rate(context.framework.parameters.over_achievement_threshold)}："
            + "、".join(over)
        )
    if below:
        summary += f"；{len(below)} 个指标未完成目标：" + "、".join(below)
    score = raw
    if points != node.points:
        score = round_half_up(node.points * raw / points, context.places)
        summary += (
            f"；按本项分值折算：{format_score(node.points)} × {format_score(raw)} ÷ "
            f"{format_score(points)} = {format_score(score)} 分"
        )
    return _result(node, score, summary, deductions=deductions, children=children)


def _rounded_metric(node: Node, context: Context) -> tuple[Decimal, MetricValue] | NodeResult:
    """The node's metric rounded to ``rate_places``, or a zero result saying why there is none."""
    assert node.metric is not None
    value = compute_metric(node.metric, node.scope, context.dataset, context.framework.parameters)
    if value.rate is None:
        context.problem("E-METRIC", value.account, node, Severity.ERROR)
        return _result(node, ZERO, f"{value.account}，得 0 分")
    return round_half_up(value.rate, context.framework.parameters.rate_places), value


def score_rate_times_points(node: Node, context: Context) -> NodeResult:
    measured = _rounded_metric(node, context)
    if isinstance(measured, NodeResult):
        return measured
    rate, value = measured
    assert node.metric is not None
    capped = min(rate, ONE)
    score = round_half_up(node.points * capped, context.places)
    formula = f"{node.metric.label} {format_percent(rate)}"
    if capped < rate:
        formula += "，超过 100% 按 100% 计"
    explanation = (
        f"{value.account}。得分 = {format_percent(capped)} × {format_score(node.points)} "
        f"= {format_score(score)} 分"
    )
    deductions: tuple[Deduction, ...] = ()
    if score < node.points:
        deductions = (Deduction(node.points - score, f"{formula}，未达 100%", value.references),)
    return _result(node, score, explanation, deductions=deductions, references=value.references)


def score_thresholds(node: Node, context: Context) -> NodeResult:
    measured = _rounded_metric(node, context)
    if isinstance(measured, NodeResult):
        return measured
    rate, value = measured
    band = next((band for band in node.bands if band.contains(rate)), None)
    score = band.score if band else ZERO
    if band is None:
        rule = "不在任何得分档位内"
    else:
        limits = []
        if band.at_most is not None:
            limits.append(f"不超过 {format_percent(band.at_most)}")
        if band.at_least is not None:
            limits.append(f"不低于 {format_percent(band.at_least)}")
        rule = "、".join(limits) or "任意值"
    explanation = f"{value.account}，{rule}，得 {format_score(score)} 分"
    deductions: tuple[Deduction, ...] = ()
    if score < node.points:
        deductions = (Deduction(node.points - score, explanation, value.references),)
    return _result(node, score, explanation, deductions=deductions, references=value.references)


def score_deduction_per_finding(node: Node, context: Context) -> NodeResult:
    assert node.findings is not None
    found = findings_for(node.findings, context.dataset, context.framework.parameters)
    label = FINDING_LABELS[node.findings]
    if not found:
        return _result(node, node.points, f"未发现{label}，得满分 {format_score(node.points)} 分")
    remaining = node.points
    deductions = []
    for finding in found:
        taken = min(node.deduction, remaining - node.floor)
        remaining -= taken
        deductions.append(Deduction(taken, finding.description, (finding.reference,)))
    explanation = (
        f"发现{label} {len(found)} 项，每项扣 {format_score(node.deduction)} 分"
        + (
            f"，扣至下限 {format_score(node.floor)} 分"
            if remaining == node.floor and len(found) * node.deduction >= node.points - node.floor
            else ""
        )
        + f"，得 {format_score(remaining)} 分："
        + "；".join(f.description for f in found)
    )
    return _result(
        node,
        remaining,
        explanation,
        deductions=tuple(deductions),
        references=tuple(f.reference for f in found),
    )


def _assessment_reference(context: Context, node: Node) -> tuple[str, ...]:
    assessment = context.dataset.assessment(node.id)
    return (str(assessment.origin.location),) if assessment else ()


def score_qualitative_tiers(node: Node, context: Context) -> NodeResult:
    assessment = context.dataset.assessment(node.id)
    tiers = {tier.name: tier.share for tier in node.tiers}
    if assessment is None or assessment.tier is None:
        context.problem(
            "E-ASSESSMENT-MISSING",
            f"“{node.name}”需要评定档次（可选：{'、'.join(tiers)}）及理由",
            node,
            Severity.ERROR,
        )
        return _result(node, ZERO, "未评定档次，得 0 分")
    share = tiers.get(assessment.tier)
    if share is None:
        context.problem(
            "E-TIER",
            f"“{node.name}”的档次“{assessment.tier}”无效，可选：{'、'.join(tiers)}",
            node,
            Severity.ERROR,
        )
        return _result(node, ZERO, f"档次“{assessment.tier}”无效，得 0 分")
    score = round_half_up(node.points * share, context.places)
    explanation = (
        f"评定为“{assessment.tier}”（得分比例 {format_percent(share)}），"
        f"得 {format_score(score)} 分。理由：{assessment.reason}"
    )
    references = _assessment_reference(context, node)
    deductions = (
        (Deduction(node.points - score, explanation, references),) if score < node.points else ()
    )
    return _result(node, score, explanation, deductions=deductions, references=references)


def score_manual(node: Node, context: Context) -> NodeResult:
    assessment = context.dataset.assessment(node.id)
    if assessment is None or assessment.score is None:
        context.problem(
            "E-ASSESSMENT-MISSING", f"“{node.name}”需要人工评分及理由", node, Severity.ERROR
        )
        return _result(node, ZERO, "未评分，得 0 分")
    if not ZERO <= assessment.score <= node.points:
        context.problem(
            "E-RANGE",
            f"“{node.name}”的人工评分 {assessment.score} 不在 0 至 {node.points} 之间",
            node,
            Severity.ERROR,
        )
        return _result(node, ZERO, "人工评分超出范围，得 0 分")
    explanation = f"人工评分 {format_score(assessment.score)} 分。理由：{assessment.reason}"
    references = _assessment_reference(context, node)
    deductions: tuple[Deduction, ...] = ()
    if assessment.score < node.points:
        deductions = (Deduction(node.points - assessment.score, assessment.reason, references),)
    return _result(
        node, assessment.score, explanation, deductions=deductions, references=references
    )


SCORERS: dict[RuleKind, Scorer] = {
    RuleKind.SUM: score_sum,
    RuleKind.INDICATOR_COMPLETION: score_indicator_completion,
    RuleKind.RATE_TIMES_POINTS: score_rate_times_points,
    RuleKind.THRESHOLDS: score_thresholds,
    RuleKind.DEDUCTION_PER_FINDING: score_deduction_per_finding,
    RuleKind.QUALITATIVE_TIERS: score_qualitative_tiers,
    RuleKind.MANUAL: score_manual,
}


def score_node(node: Node, context: Context) -> NodeResult:
    return SCORERS[node.rule](node, context)
