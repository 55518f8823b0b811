"""``indicator_completion``: the selected indicators, each scored by its completion rate
(``jixiao.core.indicators``), summed and scaled to the node's points.

产出指标 (50 points) over indicators worth 4 points that scored 3: 50 × 3 ÷ 4 = 37.5. Under the
node the result lists each key task (kind ``key_task``, id ``task:<code>``) with its
indicators (kind ``indicator``, id ``indicator:<code>``); an indicator of no task is listed
directly under the node.

``select: {category: [effect, satisfaction]}`` scores several categories in one node (效益与满意度
40 points): the effect and satisfaction indicators together, worth 8 + 2 = 10 points and scoring
7 + 2 = 9, give 40 × 9 ÷ 10 = 36 — the categories share the node's points in proportion to
their indicators' points, not half each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jixiao.core.fields import FieldReader
from jixiao.core.framework import Node, NodeSource, RuleParameters, options
from jixiao.core.indicators import IndicatorScore
from jixiao.core.model import Dataset, Indicator, IndicatorCategory
from jixiao.core.money import ZERO, format_rate, format_score, round_half_up
from jixiao.core.problems import ProblemCode, Severity, SourceLocation
from jixiao.core.result import INDICATOR, KEY_TASK, Deduction, Measures, NodeResult
from jixiao.core.rules.base import Context, Rule, result


@dataclass(frozen=True, slots=True)
class IndicatorSelection:
    """Which indicators an ``indicator_completion`` node scores: those of the ``categories``
    (all categories when empty) and, when ``special_fund`` is given, only the special fund's
    (``True``) or only the key tasks' (``False``)."""

    categories: tuple[IndicatorCategory, ...] = ()
    special_fund: bool | None = None

    def describe(self) -> str:
        """The selection in Chinese: 产出指标, 重点工作任务效益、满意度指标, 全部指标."""
        parts = []
        if self.special_fund is True:
            parts.append("专项资金")
        elif self.special_fund is False:
            parts.append("重点工作任务")
        parts.append("、".join(category.label for category in self.categories))
        text = "".join(parts)
        return text + "指标" if text else "全部指标"

    def selects(self, indicator: Indicator) -> bool:
        return (not self.categories or indicator.category in self.categories) and (
            self.special_fund is None or indicator.special_fund is self.special_fund
        )


@dataclass(frozen=True, slots=True)
class CompletionParameters(RuleParameters):
    select: IndicatorSelection = IndicatorSelection()


CATEGORIES = options(IndicatorCategory)


def _categories(
    read: FieldReader, value: Any, where: SourceLocation
) -> tuple[IndicatorCategory, ...] | None:
    """``category: effect`` or ``category: [effect, satisfaction]``; each item is checked at its
    place (``select.category[1]``)."""
    choices = "、".join(CATEGORIES)
    if value is None:
        read.error(ProblemCode.E_REQUIRED, "缺少必填字段“category”", where)
        return None
    if isinstance(value, str):
        value = [value] if value in CATEGORIES else value
    if not isinstance(value, list):
        read.error(
            ProblemCode.E_CHOICE,
            f"“category”的取值“{value}”无效，可选：{choices}，或其中几个组成的列表",
            where,
        )
        return None
    if not value:
        read.error(ProblemCode.E_REQUIRED, "“category”列表至少需要一个指标类别", where)
        return None
    found: list[IndicatorCategory] = []
    wrong = False
    for index, item in enumerate(value):
        here = where.child(f"[{index}]")
        category = CATEGORIES.get(item) if isinstance(item, str) else None
        if category is None:
            read.error(
                ProblemCode.E_CHOICE,
                f"“category”的第 {index + 1} 项“{item}”无效，可选：{choices}",
                here,
            )
            wrong = True
        elif category in found:
            read.error(
                ProblemCode.E_CHOICE,
                f"指标类别“{item}”在“category”中重复列出",
                here,
            )
            wrong = True
        else:
            found.append(category)
    return None if wrong else tuple(found)


def parse(source: NodeSource) -> CompletionParameters | None:
    read, where = source.read, source.at("select")
    data = read.mapping(source.data.get("select", {}), where)
    if data is None:
        return None
    read.only_keys(data, ("category", "special_fund"), where)
    categories: tuple[IndicatorCategory, ...] | None = ()
    if "category" in data:
        categories = _categories(read, data["category"], where.child("category"))
    special = data.get("special_fund")
    if special is not None and not isinstance(special, bool):
        read.error(
            ProblemCode.E_TYPE, "“special_fund”应为 true 或 false", where.child("special_fund")
        )
        return None
    if categories is None:
        return None
    return CompletionParameters(IndicatorSelection(categories, special))


def indicator_line(entry: IndicatorScore) -> NodeResult:
    """One indicator's line: its score, and what it lost and why."""
    indicator = entry.indicator
    deductions: tuple[Deduction, ...] = ()
    shortfall = None
    if entry.deduction:
        shortfall = f"{entry.reason}，扣 {format_score(entry.deduction)} 分"
        reason = f"{indicator.name}：{shortfall}"
        deductions = (Deduction(entry.deduction, reason, (str(indicator.origin.location),)),)
    return NodeResult(
        id=f"indicator:{indicator.code}",
        name=indicator.name,
        points=indicator.points,
        score=entry.score,
        kind=INDICATOR,
        explanation=entry.explanation,
        deductions=deductions,
        references=(str(indicator.origin.location),),
        measures=Measures(
            indicator=indicator.code,
            completion=entry.completion_rate,
            over_achieved=entry.over_achieved,
            shortfall=shortfall,
            key_task=indicator.key_task,
        ),
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
        children = tuple(indicator_line(scores[i.code]) for i in members)
        if task_code is None:
            nodes.extend(children)
            continue
        task = dataset.key_task(task_code)
        points = sum((i.points for i in members), ZERO)
        total = sum((child.score for child in children), ZERO)
        nodes.append(
            NodeResult(
                id=f"task:{task_code}",
                name=task.name if task else task_code,
                points=points,
                score=total,
                kind=KEY_TASK,
                explanation=f"{len(members)} 个指标，得 {format_score(total)} 分（分值 "
                f"{format_score(points)} 分）",
                children=children,
                measures=Measures(key_task=task_code),
            )
        )
    return tuple(nodes)


def score(node: Node, parameters: CompletionParameters, context: Context) -> NodeResult:
    selection = parameters.select
    indicators = [i for i in context.dataset.indicators if selection.selects(i)]
    what = selection.describe()
    if not indicators:
        context.problem(
            ProblemCode.W_NO_INDICATORS,
            f"“{node.name}”没有可评分的{what}",
            node,
            Severity.WARNING,
        )
        return result(node, ZERO, f"没有{what}，得 0 分")
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
    total = raw
    if points != node.points:
        total = round_half_up(node.points * raw / points, context.places)
        summary += (
            f"；按本项分值折算：{format_score(node.points)} × {format_score(raw)} ÷ "
            f"{format_score(points)} = {format_score(total)} 分"
        )
    return result(node, total, summary, deductions=deductions, children=children)


RULE = Rule(
    kind="indicator_completion",
    label="指标完成率",
    keys=("select",),
    parse=parse,
    score=score,
)
