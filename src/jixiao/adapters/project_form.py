"""The 项目支出绩效自评表: a project's own self-evaluation form, laid out once as a grid.

The standard layout of 财预〔2020〕10号 (附件 2), nine columns wide: 项目名称, 主管部门 and
实施单位; 项目资金 — 年初预算数, 全年预算数, 全年执行数, 分值, 执行率 and 得分 for the
年度资金总额 and, under it, 本年财政拨款, 上年结转资金 and 其他资金; the 年度总体目标 (预期目标,
实际完成情况); the indicators (一级, 二级, 三级指标, 年度指标值, 实际完成值, 分值, 得分,
偏差原因分析及改进措施) in the order 产出, 效益, 满意度; 总分 and 评价等级.

:func:`project_form` lays it out as a :class:`Form` — rows of cells, each with its column and
how many columns and rows it spans — which ``project_form_files`` draws as it is, as a workbook
and as a Word file, so the two cannot disagree.

The 年度资金总额 row states the project's own totals; its kinds of funds must add up to them
(checked when the data set is read, ``E-FUNDS-TOTAL``). Amounts are in the unit that suits them
(``money.amount_unit``): a 250,000.00 元 project keeps its 元 and every digit. Indicator points
and scores are the data's; where a framework item scales them to its points (产出 50 over
indicators worth 40), a note under the total shows the step, so that every point is explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.framework import Metric
from jixiao.core.model import (
    Dataset,
    FundKind,
    Indicator,
    IndicatorCategory,
    IndicatorSubtype,
    Project,
)
from jixiao.core.money import (
    ZERO,
    AmountUnit,
    amount_unit,
    format_amount,
    format_percent,
    format_score,
)
from jixiao.core.result import Evaluation, NodeResult
from jixiao.core.rules import indicator_completion
from jixiao.core.subject import view_of

COLUMNS = (11, 13, 13, 24, 13, 13, 8, 8, 26)  # widths of A … I, in characters
DASH = "—"


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell at ``column`` (0-based) spanning ``width`` columns and ``height`` rows."""

    text: str
    column: int
    width: int = 1
    height: int = 1
    head: bool = False  # a label: bold, shaded
    number: bool = False  # a figure: right-aligned


@dataclass(frozen=True, slots=True)
class Form:
    title: str
    year: str  # （2022 年度）
    rows: tuple[tuple[Cell, ...], ...]
    notes: tuple[str, ...] = ()
    draft: str = ""

    @property
    def file_title(self) -> str:
        return f"【{self.draft}】{self.title}" if self.draft else self.title


def project_form(dataset: Dataset, evaluation: Evaluation, *, draft: str = "") -> Form:
    """The form of ``evaluation``, a project's own self-evaluation of ``dataset``."""
    subject = evaluation.subject
    if not subject.is_project:
        raise ValueError("项目支出绩效自评表只用于项目自评")
    view = view_of(dataset, subject)
    project = view.projects[0]
    rows: list[tuple[Cell, ...]] = [
        (Cell("项目名称", 0, head=True), Cell(project.name, 1, 8)),
        (
            Cell("主管部门", 0, head=True),
            Cell(dataset.department.name, 1, 3),
            Cell("实施单位", 4, head=True),
            Cell(project.implementing_unit or DASH, 5, 4),
        ),
    ]
    rows += _funds(view, project, evaluation)
    rows += _goal(project)
    rows += _indicators(view, evaluation)
    rows.append(
        (
            Cell("总分", 0, 6, head=True),
            Cell(format_score(evaluation.root.points), 6, number=True),
            Cell(format_score(evaluation.score), 7, number=True),
            Cell(f"评价等级：{evaluation.grade}", 8),
        )
    )
    return Form(
        title="项目支出绩效自评表",
        year=f"（{evaluation.fiscal_year} 年度）",
        rows=tuple(rows),
        notes=_scaling_notes(evaluation),
        draft=draft,
    )


def _execution_node(evaluation: Evaluation) -> NodeResult | None:
    """The item scoring the execution rate (预算执行率), if the framework has one."""
    return next(
        (
            node
            for node in evaluation.root.walk()
            if node.measures.metric is Metric.EXECUTION_RATE and node.measures.rate is not None
        ),
        None,
    )


def _funds(view: Dataset, project: Project, evaluation: Evaluation) -> list[tuple[Cell, ...]]:
    kinds = {funds.kind: funds for funds in view.project_funds}
    amounts = [project.adjusted_budget, project.spent, project.initial_budget or ZERO]
    amounts += [a for f in kinds.values() for a in (f.initial_budget, f.adjusted_budget, f.spent)]
    unit = amount_unit(amounts)
    node = _execution_node(evaluation)
    rate = evaluation.execution.overall.rate
    total = (
        Cell("年度资金总额", 1, 2, head=True),
        _amount(project.initial_budget, unit, 3),
        _amount(project.adjusted_budget, unit, 4),
        _amount(project.spent, unit, 5),
        Cell(format_score(node.points) if node else DASH, 6, number=True),
        Cell(format_percent(rate) if rate is not None else DASH, 7, number=True),
        Cell(format_score(node.score) if node else DASH, 8, number=True),
    )
    rows = [
        (
            Cell(f"项目资金\n（{unit.value}）", 0, height=2 + len(FundKind), head=True),
            Cell("", 1, 2, head=True),
            *(
                Cell(label, column, head=True)
                for column, label in enumerate(
                    ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=3
                )
            ),
        ),
        total,
    ]
    for kind in FundKind:
        funds = kinds.get(kind)
        label = f"其中：{kind.label}" if kind is FundKind.CURRENT else kind.label
        rows.append(
            (
                Cell(label, 1, 2, head=True),
                _amount(funds.initial_budget if funds else None, unit, 3),
                _amount(funds.adjusted_budget if funds else None, unit, 4),
                _amount(funds.spent if funds else None, unit, 5),
                Cell(DASH, 6, number=True),
                Cell(DASH, 7, number=True),
                Cell(DASH, 8, number=True),
            )
        )
    return rows


def _amount(amount: Decimal | None, unit: AmountUnit, column: int) -> Cell:
    return Cell(DASH if amount is None else format_amount(amount, unit), column, number=True)


def _goal(project: Project) -> list[tuple[Cell, ...]]:
    return [
        (
            Cell("年度总体目标", 0, height=2, head=True),
            Cell("预期目标", 1, 4, head=True),
            Cell("实际完成情况", 5, 4, head=True),
        ),
        (Cell(project.goal or DASH, 1, 4), Cell(project.goal_achieved or DASH, 5, 4)),
    ]


CATEGORY_ORDER = tuple(IndicatorCategory)
SUBTYPE_ORDER = tuple(IndicatorSubtype)


def _ordered(indicators: tuple[Indicator, ...]) -> list[Indicator]:
    """产出, 效益, 满意度; within each, 数量, 质量, 时效, 成本 … as the standard form lists them;
    the data's order within a 二级指标."""
    return sorted(
        indicators,
        key=lambda i: (CATEGORY_ORDER.index(i.category), SUBTYPE_ORDER.index(i.subtype)),
    )


def _indicators(view: Dataset, evaluation: Evaluation) -> list[tuple[Cell, ...]]:
    indicators = _ordered(view.indicators)
    nodes = evaluation.indicator_nodes()
    header = tuple(
        Cell(label, column, head=True)
        for column, label in enumerate(
            (
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ),
            start=1,
        )
    )
    rows: list[tuple[Cell, ...]] = [
        (Cell("绩效指标", 0, height=len(indicators) + 1, head=True), *header)
    ]
    for position, indicator in enumerate(indicators):
        cells: list[Cell] = []
        before = indicators[position - 1] if position else None
        if before is None or before.category is not indicator.category:
            span = sum(1 for i in indicators if i.category is indicator.category)
            cells.append(Cell(f"{indicator.category.label}指标", 1, height=span))
        if before is None or before.subtype is not indicator.subtype:
            span = sum(1 for i in indicators if i.subtype is indicator.subtype)
            cells.append(Cell(indicator.subtype.label, 2, height=span))
        node = nodes.get(indicator.code)
        cells += [
            Cell(indicator.name, 3),
            Cell(target_text(indicator), 4),
            Cell(value_text(indicator, indicator.actual) or DASH, 5),
            Cell(format_score(indicator.points), 6, number=True),
            Cell(format_score(node.score) if node else DASH, 7, number=True),
            Cell(_deviation(indicator, node), 8),
        ]
        rows.append(tuple(cells))
    return rows


def value_text(indicator: Indicator, value: Decimal | str | None) -> str:
    """A value with the indicator's unit: ``100%``, ``15 条``; a qualitative value as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    unit = indicator.unit
    return f"{value:f}{unit}" if unit in ("", "%") else f"{value:f} {unit}"


def target_text(indicator: Indicator) -> str:
    """The 年度指标值 as forms print it: ``≥90%``, ``=100%``; a qualitative target's words."""
    text = value_text(indicator, indicator.target)
    return text if isinstance(indicator.target, str) else f"{indicator.comparison.value}{text}"


def _deviation(indicator: Indicator, node: NodeResult | None) -> str:
    """The person's analysis of the deviation, and what jixiao found it lost and why."""
    parts = [indicator.deviation_reason.strip()] if indicator.deviation_reason.strip() else []
    if node is not None and node.measures.shortfall:
        parts.append(f"（{node.measures.shortfall}）")
    return "".join(parts)


def _scaling_notes(evaluation: Evaluation) -> tuple[str, ...]:
    """Where an item scaled its indicators' points to its own, the step, so that the rows add
    up: 产出指标 50 over indicators worth 40 that scored 36 gives 50 × 36 ÷ 40 = 45."""
    notes = []
    for node in evaluation.root.walk():
        if node.kind != indicator_completion.RULE.kind or not node.children:
            continue
        points = sum((child.points for child in node.children), ZERO)
        scored = sum((child.score for child in node.children), ZERO)
        if points and points != node.points:
            notes.append(
                f"{node.name}：指标分值合计 {format_score(points)} 分、"
                f"得 {format_score(scored)} 分，"
                f"按本项 {format_score(node.points)} 分折算：{format_score(node.points)} × "
                f"{format_score(scored)} ÷ {format_score(points)} = {format_score(node.score)} 分"
            )
    return tuple(notes)
