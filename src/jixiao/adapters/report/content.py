"""The self-evaluation report as content: headings, paragraphs, tables and charts, built from the
data set and its evaluation, before any file format.

Every number, table and deduction reason is generated here from the project's own sentence
templates; text that data cannot supply (the department's functions, problems found, next steps…)
comes from the data set's narrative sections, and a section with no text is shown as empty
(:data:`EMPTY`), never filled in. The Word, HTML and PDF writers only lay this content out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.core.execution import Execution
from jixiao.core.indicators import completion_rate
from jixiao.core.model import (
    Comparison,
    Dataset,
    Indicator,
    IndicatorCategory,
)
from jixiao.core.money import format_percent, format_score, format_wan_as_source, format_yi
from jixiao.core.result import Evaluation, NodeResult
from jixiao.core.rules import has_children

EMPTY = "（本部分未填写。）"
LEVEL_ONE = "一二三四五六七八九十"


@dataclass(frozen=True)
class Heading:
    level: int  # 1 一、  2 （一）  3 1.
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    empty: bool = False  # a narrative section with no text


@dataclass(frozen=True)
class Table:
    """A table with its number and title, the unit line, one header row and the body.

    ``group_column`` names a column whose equal consecutive cells are merged (表 2-1's 重点任务).
    ``numeric`` lists the columns to align right.
    """

    title: str
    unit: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths
    numeric: frozenset[int] = frozenset()
    group_column: int | None = None
    total: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Chart:
    """What to draw; ``jixiao.adapters.report.charts`` draws it."""

    title: str
    kind: str  # "score_bars" | "execution_bars" | "progress_lines" | "count_bars"
    labels: tuple[str, ...]
    values: tuple[Decimal, ...]
    second: tuple[Decimal, ...] = ()  # points (score_bars) or time progress (progress_lines)
    caption: str = ""


Block = Heading | Paragraph | Table | Chart


@dataclass
class Report:
    title: str
    department: str
    fiscal_year: int
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def text(self) -> str:
        """All the words of the report, for searching and testing."""
        parts: list[str] = [self.title]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                parts.append(block.text)
            elif isinstance(block, Table):
                parts += [block.title, block.unit or "", *block.header]
                parts += ["　".join(row) for row in block.rows]
            else:
                parts.append(block.title)
        return "\n".join(parts)


def as_draft(report: Report, mark: str, problems: Iterable[str]) -> Report:
    """``report`` marked as a draft: ``mark`` before its title (so every page heading, the
    Word title and the HTML title carry it) and, first of all, the problems that keep it from
    being final — a draft can be printed for a meeting but never passes for the final version.

    >>> final = Report("自评报告", "某局", 2023)
    >>> draft = as_draft(final, "草稿：尚有 1 个问题", ["预算 第 1 行：合计不一致"])
    >>> draft.title
    '【草稿：尚有 1 个问题】自评报告'
    >>> print(draft.blocks[0].text)  # doctest: +NORMALIZE_WHITESPACE
    草稿：尚有 1 个问题。本稿的数字按现有数据计算，仅供讨论；以下问题解决后须重新生成：预算 第 1
    行：合计不一致。
    """
    listed = "；".join(problems)
    draft = Report(f"【{mark}】{report.title}", report.department, report.fiscal_year)
    draft.add(
        Paragraph(
            f"{mark}。本稿的数字按现有数据计算，仅供讨论；以下问题解决后须重新生成：{listed}。"
        ),
        *report.blocks,
    )
    return draft


def _number(level: int, index: int) -> str:
    if level == 1:
        return f"{LEVEL_ONE[index]}、"
    if level == 2:
        return f"（{LEVEL_ONE[index]}）"
    return f"{index + 1}."


class _Numbering:
    """一、（一）1. numbering: a counter per level, reset below a new heading."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0]

    def heading(self, level: int, text: str) -> Heading:
        index = self.counts[level]
        self.counts[level] += 1
        for deeper in range(level + 1, len(self.counts)):
            self.counts[deeper] = 0
        return Heading(level, f"{_number(level, index)}{text}")


def _narrative(dataset: Dataset, key: str) -> Paragraph | list[Paragraph]:
    text = dataset.narrative.get(key, "").strip()
    if not text:
        return Paragraph(EMPTY, empty=True)
    return [Paragraph(line.strip()) for line in text.splitlines() if line.strip()]


def _paragraphs(*items: Paragraph | list[Paragraph]) -> list[Paragraph]:
    result: list[Paragraph] = []
    for item in items:
        result.extend(item if isinstance(item, list) else [item])
    return result


def _value(indicator: Indicator, value: Decimal | str | None) -> str:
    if value is None:
        return "未填报"
    if isinstance(value, str):
        return value
    return f"{value:f}{indicator.unit}"


def _rate_text(execution: Execution) -> str:
    return format_percent(execution.rate) if execution.rate is not None else "—"


# --- 一、部门基本情况 -------------------------------------------------------------------------


def _basic_information(
    report: Report, number: _Numbering, dataset: Dataset, evaluation: Evaluation
) -> None:
    report.add(number.heading(1, "部门基本情况"))
    report.add(number.heading(2, "部门职能"), *_paragraphs(_narrative(dataset, "functions")))
    report.add(number.heading(2, "年度重点工作任务及完成情况"))
    tasks = dataset.key_tasks
    if tasks:
        report.add(
            Paragraph(
                f"{dataset.fiscal_year} 年度部门确定重点工作任务 {len(tasks)} 项，"
                "各项任务的实施内容和完成情况列于表 1-3。"
            )
        )
        report.add(
            Table(
                "表 1-3　年度重点工作任务完成情况",
                None,
                ("序号", "重点工作任务名称", "主要实施内容", "任务完成情况"),
                tuple(
                    (str(i), t.name, t.content or "—", t.completion or "—")
                    for i, t in enumerate(tasks, start=1)
                ),
                (0.8, 2.4, 4.0, 4.0),
            )
        )
    else:
        report.add(Paragraph(EMPTY, empty=True))
    report.add(number.heading(2, "部门整体支出绩效目标及完成情况"))
    report.add(*_paragraphs(_narrative(dataset, "overall_goal")))
    report.add(Paragraph(_indicator_summary(dataset, evaluation)))
    report.add(number.heading(2, "部门整体收支情况"))
    report.add(*_budget_paragraphs(dataset, evaluation))
    average = evaluation.execution.annual_average
    if average is not None:
        report.add(
            Chart(
                f"图 1　{dataset.fiscal_year} 年累计支出进度与序时进度",
                "progress_lines",
                tuple(f"{month}月" for month, _ in average.cumulative_rates),
                tuple(rate for _, rate in average.cumulative_rates),
                tuple(Decimal(month) / 12 for month, _ in average.cumulative_rates),
                caption=f"年度平均执行率 {format_percent(average.rate)}；序时进度按月均匀计算。",
            )
        )
    report.add(number.heading(2, "部门整体绩效管理情况"))
    report.add(*_paragraphs(_narrative(dataset, "performance_management")))


def _indicator_summary(dataset: Dataset, evaluation: Evaluation) -> str:
    indicators = [i for i in dataset.indicators if not i.special_fund]
    by_category = {c: sum(1 for i in indicators if i.category is c) for c in IndicatorCategory}
    over = sum(len(task.over_achieved) for task in evaluation.key_tasks)
    below = sum(len(task.below_target) for task in evaluation.key_tasks)
    counts = "、".join(f"{c.label}指标 {n} 个" for c, n in by_category.items() if n)
    text = (
        f"围绕重点工作任务共设置部门整体绩效指标 {len(indicators)} 个（{counts or '无'}）。"
        f"按实际完成值核算，未达到目标值的指标 {below} 个；"
    )
    threshold = format_score(evaluation.over_achievement_threshold * 100)
    text += (
        f"完成率超过 {threshold}% 的指标 {over} 个，按评价规则扣减相应分值。"
        if over
        else f"没有完成率超过 {threshold}% 的指标。"
    )
    return text


def _budget_paragraphs(dataset: Dataset, evaluation: Evaluation) -> list[Paragraph]:
    execution = evaluation.execution
    lines = dataset.budget_lines
    initial = sum((line.initial_budget for line in lines), Decimal(0))
    adjusted = execution.overall.budget

    def split(amounts: Iterable[tuple[str, Decimal]]) -> str:
        return "、".join(f"{name} {format_yi(amount)} 亿元" for name, amount in amounts)

    initial_split = split((line.name, line.initial_budget) for line in lines)
    adjusted_split = split((line.name, line.adjusted_budget) for line in lines)
    paragraphs = [
        Paragraph(
            f"本年度部门年初预算 {format_yi(initial)} 亿元（{initial_split}），"
            f"调整后年度预算 {format_yi(adjusted)} 亿元（{adjusted_split}）。"
            if lines
            else f"本年度部门年度预算 {format_yi(adjusted)} 亿元。"
        )
    ]
    if lines and adjusted > initial:
        reason = dataset.narrative.get("budget_increase_reason", "").strip()
        paragraphs.append(
            Paragraph(
                f"年度预算较年初增加 {format_yi(adjusted - initial)} 亿元，"
                f"原因：{reason or '（未填写）'}"
            )
        )
    overall = execution.overall
    paragraphs.append(
        Paragraph(f"全年执行 {format_yi(overall.spent)} 亿元，预算执行率 {_rate_text(overall)}。")
    )
    if overall.rate is not None and overall.rate < 1:
        reason = dataset.narrative.get("shortfall_reason", "").strip()
        paragraphs.append(Paragraph(f"执行率未达 100% 的原因：{reason or '（未填写）'}"))
    return paragraphs


# --- 二、绩效自评情况 -------------------------------------------------------------------------


def _self_evaluation(
    report: Report, number: _Numbering, dataset: Dataset, evaluation: Evaluation
) -> None:
    report.add(number.heading(1, "绩效自评情况"))
    report.add(number.heading(2, "自评结论"))
    report.add(
        Paragraph(
            f"依据《{evaluation.framework_name}》，对照年度绩效目标、预算执行和管理情况逐项评分，"
            f"部门整体支出绩效自评得分 {format_score(evaluation.score)} 分，"
            f"自评等级为“{evaluation.grade}”。各评价项得分如下。"
        )
    )
    leaves: list[NodeResult] = []
    for index, node in enumerate(evaluation.root.children):
        report.add(
            Heading(
                3,
                f"{index + 1}. {node.name}（分值 {format_score(node.points)} 分，"
                f"得分 {format_score(node.score)} 分）",
            )
        )
        children = node.children if has_children(node.kind) else (node,)
        for position, child in enumerate(children, start=1):
            report.add(Paragraph(_item_sentence(position, child)))
            leaves.append(child)
    report.add(
        Chart(
            "图 2　各评价项得分",
            "score_bars",
            tuple(n.name for n in leaves),
            tuple(n.score for n in leaves),
            tuple(n.points for n in leaves),
        )
    )
    report.add(number.heading(2, "各项重点工作任务绩效目标完成情况"))
    for index, task in enumerate(evaluation.key_tasks, start=1):
        indicators = [i for i in dataset.indicators if i.key_task == task.code]
        sentence = (
            f"{index}. 重点任务“{task.name}”：分值 {format_score(task.points)} 分，"
            f"得 {format_score(task.score)} 分，共设绩效指标 {task.indicator_count} 个。"
        )
        if task.over_achieved:
            sentence += (
                f"{'、'.join(task.over_achieved)}的完成率超过 "
                f"{format_score(evaluation.over_achievement_threshold * 100)}%，"
                "说明目标值设置偏低，按规则扣减所占分值。"
            )
        if task.below_target:
            sentence += f"{'、'.join(task.below_target)}未达到目标值，按完成比例计分。"
        if not task.over_achieved and not task.below_target and indicators:
            sentence += "各项指标均达到目标值，得满分。"
        report.add(Paragraph(sentence))
        if indicators:
            report.add(
                _indicator_table(
                    f"表 2-{index + 1}　“{task.name}”绩效指标完成情况", indicators, evaluation
                )
            )
    report.add(number.heading(2, "各重点任务项目支出完成情况"))
    report.add(*_spending_blocks(evaluation))
    report.add(number.heading(2, "主要工作成效"))
    report.add(*_paragraphs(_narrative(dataset, "results")))


def _lost_points(node: NodeResult) -> list[str]:
    """Why ``node`` lost points: its deductions, or for a sum the items below that lost some."""
    if not has_children(node.kind):
        return [deduction.reason for deduction in node.deductions]
    reasons = []
    for child in node.children:
        if child.score < child.points:
            below = _lost_points(child)
            detail = f"（{'；'.join(below)}）" if below else ""
            reasons.append(f"{child.name}扣 {format_score(child.points - child.score)} 分{detail}")
    return reasons


def _item_sentence(position: int, node: NodeResult) -> str:
    text = (
        f"（{position}）{node.name}：分值 {format_score(node.points)} 分，"
        f"得 {format_score(node.score)} 分"
    )
    if has_children(node.kind):
        text += "，其中" + "；".join(
            f"{child.name}分值 {format_score(child.points)} 分、得 {format_score(child.score)} 分"
            for child in node.children
        )
    text += "。"
    if node.score >= node.points:
        return text
    lost = format_score(node.points - node.score)
    reasons = _lost_points(node) or [node.explanation]
    return f"{text}扣 {lost} 分，原因：{'；'.join(reasons)}。"


def _completion(indicator: Indicator, node: NodeResult | None) -> str:
    """The completion rate as shown in the table — as the indicator's line of the evaluation
    measured it (a missed zero target completes the framework's share); a qualitative indicator
    shows its tier."""
    target, actual = indicator.target, indicator.actual
    if not isinstance(target, Decimal) or not isinstance(actual, Decimal):
        return "—" if actual is None else str(actual)
    if node is not None:
        rate = node.measures.completion
    else:
        rate = completion_rate(indicator.comparison, target, actual)
    return "—" if rate is None else format_percent(rate)


def _indicator_table(title: str, indicators: list[Indicator], evaluation: Evaluation) -> Table:
    nodes = evaluation.indicator_nodes()
    rows = []
    for indicator in indicators:
        node = nodes.get(indicator.code)
        target = _value(indicator, indicator.target)
        if indicator.comparison is not Comparison.QUALITATIVE:
            target = f"{indicator.comparison.value}{target}"
        reason = node.measures.shortfall if node else None
        rows.append(
            (
                indicator.name,
                indicator.subtype.label,
                target,
                _value(indicator, indicator.actual),
                _completion(indicator, node),
                format_score(indicator.points),
                format_score(node.score) if node else "—",
                reason or "—",
            )
        )
    return Table(
        title,
        None,
        ("指标名称", "指标类型", "年度指标值", "实际完成值", "完成率", "分值", "得分", "扣分原因"),
        tuple(rows),
        (2.8, 1.5, 1.5, 1.5, 1.2, 0.7, 0.7, 3.0),
        numeric=frozenset({4, 5, 6}),
    )


def _spending_blocks(evaluation: Evaluation) -> list[Paragraph | Table | Chart]:
    listed = [p for p in evaluation.execution.projects if p.spending_group]
    if not listed:
        return [Paragraph(EMPTY, empty=True)]
    groups = evaluation.execution.by_spending_group
    lagging = [p for p in listed if p.execution.rate is not None and p.execution.rate < 1]
    summary = (
        f"列入表 2-1 的项目 {len(listed)} 个，分属 {len(groups)} 个支出分组；"
        f"{len(listed) - len(lagging)} 个项目足额支出"
    )
    if lagging:
        summary += (
            "，"
            + "、".join(f"“{p.name}”{_rate_text(p.execution)}" for p in lagging)
            + " 未足额支出"
        )
    blocks: list[Paragraph | Table | Chart] = [Paragraph(summary + "。")]
    total_budget = sum((p.execution.budget for p in listed), Decimal(0))
    total_spent = sum((p.execution.spent for p in listed), Decimal(0))
    blocks.append(
        Table(
            "表 2-1　各重点任务项目支出完成情况",
            "单位：万元",
            ("重点任务", "主要支出项目", "年度预算金额", "支出金额", "支出率"),
            tuple(
                (
                    p.spending_group or "",
                    p.name,
                    format_wan_as_source(p.execution.budget),
                    format_wan_as_source(p.execution.spent),
                    _rate_text(p.execution),
                )
                for p in listed
            ),
            (1.4, 4.4, 1.7, 1.7, 1.5),
            numeric=frozenset({2, 3, 4}),
            group_column=0,
            total=(
                "合计",
                "",
                format_wan_as_source(total_budget),
                format_wan_as_source(total_spent),
                format_percent(total_spent / total_budget) if total_budget else "—",
            ),
        )
    )
    blocks.append(
        Chart(
            "图 3　各支出分组预算执行率",
            "execution_bars",
            tuple(groups),
            tuple(e.rate if e.rate is not None else Decimal(0) for e in groups.values()),
        )
    )
    return blocks


def department_report(dataset: Dataset, evaluation: Evaluation) -> Report:
    """The department's overall report, in the standard four parts."""
    report = Report(
        f"{dataset.department.name} {dataset.fiscal_year} 年度部门整体支出绩效自评报告",
        dataset.department.name,
        dataset.fiscal_year,
    )
    report.add(
        Paragraph(
            f"按照预算绩效管理的有关要求，{dataset.department.name}对 {dataset.fiscal_year} "
            "年度部门整体支出开展了绩效自评，形成本报告。"
        )
    )
    number = _Numbering()
    _basic_information(report, number, dataset, evaluation)
    _self_evaluation(report, number, dataset, evaluation)
    report.add(number.heading(1, "存在的主要问题"), *_paragraphs(_narrative(dataset, "problems")))
    report.add(number.heading(1, "下一步改进措施"), *_paragraphs(_narrative(dataset, "next_steps")))
    return report
