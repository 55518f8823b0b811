"""A project's own self-evaluation report (项目支出绩效自评报告), as content.

The department's report (``content.department_report``) speaks of the department's functions,
key tasks, budget lines and its annual average execution rate; none of these belongs in a
project's report. This one has the project's basic facts (主管部门, 实施单位, 资金来源), its funds
by kind and their execution (表 1, in the unit that suits them: a 250,000.00 元 project in 元),
the 年度总体目标 and what was achieved, the score item by item, the indicators (表 2, 产出,
效益, 满意度 in that order) and the deviations with their reasons — all from the data.
"""

from __future__ import annotations

from decimal import Decimal

from jixiao.adapters.project_form import target_text, value_text
from jixiao.adapters.report.content import (
    EMPTY,
    Paragraph,
    Report,
    Table,
    _item_sentence,
    _Numbering,
)
from jixiao.core.model import Dataset, FundKind, Indicator, IndicatorCategory, Project
from jixiao.core.money import (
    AmountUnit,
    amount_unit,
    format_amount,
    format_percent,
    format_score,
)
from jixiao.core.result import Evaluation
from jixiao.core.rules import has_children
from jixiao.core.subject import view_of


def project_report(dataset: Dataset, evaluation: Evaluation) -> Report:
    """The report of ``evaluation``, a project's own self-evaluation of ``dataset``."""
    view = view_of(dataset, evaluation.subject)
    project = view.projects[0]
    unit = project.implementing_unit or dataset.department.name
    report = Report(
        f"{project.name} {dataset.fiscal_year} 年度项目支出绩效自评报告",
        dataset.department.name,
        dataset.fiscal_year,
    )
    report.add(
        Paragraph(
            f"按照预算绩效管理的有关要求，{unit}对“{project.name}”{dataset.fiscal_year} "
            "年度项目支出开展了绩效自评，形成本报告。"
        )
    )
    number = _Numbering()
    report.add(number.heading(1, "项目基本情况"))
    report.add(number.heading(2, "项目概况"), Paragraph(_overview(dataset, view, project)))
    report.add(number.heading(2, "项目资金及执行情况"), *_funds(view, project, evaluation))
    report.add(number.heading(2, "年度总体目标"))
    report.add(Paragraph(f"预期目标：{project.goal}" if project.goal else EMPTY, not project.goal))
    report.add(number.heading(1, "绩效自评情况"))
    report.add(number.heading(2, "自评结论"))
    report.add(
        Paragraph(
            f"依据《{evaluation.framework_name}》，对照项目年度绩效目标和预算执行情况逐项评分，"
            f"项目支出绩效自评得分 {format_score(evaluation.score)} 分，"
            f"自评等级为“{evaluation.grade}”。"
        )
    )
    report.add(number.heading(2, "各评价项得分"))
    leaves = [
        leaf
        for node in evaluation.root.children
        for leaf in (node.children if has_children(node.kind) else (node,))
    ]
    report.add(
        *(Paragraph(_item_sentence(position, leaf)) for position, leaf in enumerate(leaves, 1))
    )
    report.add(number.heading(2, "年度总体目标完成情况"))
    achieved = project.goal_achieved
    report.add(Paragraph(f"实际完成情况：{achieved}" if achieved else EMPTY, not achieved))
    report.add(number.heading(2, "绩效指标完成情况"), *_indicators(view, evaluation))
    report.add(number.heading(1, "偏差原因分析及改进措施"), *_deviations(view, evaluation))
    return report


def _overview(dataset: Dataset, view: Dataset, project: Project) -> str:
    source = view.budget_lines[0].name if view.budget_lines else project.funding_source
    text = f"“{project.name}”的主管部门为{dataset.department.name}"
    if project.implementing_unit:
        text += f"，实施单位为{project.implementing_unit}"
    return text + f"，资金来源为{source}。"


def _funds(view: Dataset, project: Project, evaluation: Evaluation) -> list[Paragraph | Table]:
    """The funds by kind and their execution: 年初 → 全年预算, 执行数 and 执行率 (表 1)."""
    kinds = {funds.kind: funds for funds in view.project_funds}
    amounts = [project.adjusted_budget, project.spent, project.initial_budget or Decimal(0)]
    amounts += [a for f in kinds.values() for a in (f.initial_budget, f.adjusted_budget, f.spent)]
    unit = amount_unit(amounts)
    rate = evaluation.execution.overall.rate
    rate_text = format_percent(rate) if rate is not None else "—"

    def money(amount: Decimal | None) -> str:
        return "—" if amount is None else f"{format_amount(amount, unit)} {unit.value}"

    budget = f"全年预算数 {money(project.adjusted_budget)}"
    if project.initial_budget is not None and project.initial_budget != project.adjusted_budget:
        change = project.adjusted_budget - project.initial_budget
        budget = (
            f"年初预算数 {money(project.initial_budget)}，年中调整"
            f"{'增加' if change > 0 else '减少'} {money(abs(change))}，{budget}"
        )
    elif project.initial_budget is not None:
        budget = f"年初预算数和全年预算数均为 {money(project.adjusted_budget)}"
    paragraph = Paragraph(f"{budget}；全年执行数 {money(project.spent)}，预算执行率 {rate_text}。")
    rows = [
        (
            "年度资金总额",
            *_amounts(project.initial_budget, project.adjusted_budget, project.spent, unit),
            rate_text,
        )
    ]
    for kind in FundKind:
        funds = kinds.get(kind)
        label = f"其中：{kind.label}" if kind is FundKind.CURRENT else kind.label
        if funds is None:
            rows.append((label, "—", "—", "—", "—"))
            continue
        kind_rate = funds.spent / funds.adjusted_budget if funds.adjusted_budget else None
        rows.append(
            (
                label,
                *_amounts(funds.initial_budget, funds.adjusted_budget, funds.spent, unit),
                format_percent(kind_rate) if kind_rate is not None else "—",
            )
        )
    table = Table(
        "表 1　项目资金及执行情况",
        f"单位：{unit.value}",
        ("项目资金", "年初预算数", "全年预算数", "全年执行数", "执行率"),
        tuple(rows),
        (2.2, 1.6, 1.6, 1.6, 1.2),
        numeric=frozenset({1, 2, 3, 4}),
    )
    return [paragraph, table]


def _amounts(
    initial: Decimal | None, adjusted: Decimal, spent: Decimal, unit: AmountUnit
) -> tuple[str, str, str]:
    return (
        "—" if initial is None else format_amount(initial, unit),
        format_amount(adjusted, unit),
        format_amount(spent, unit),
    )


def _ordered(indicators: tuple[Indicator, ...]) -> list[Indicator]:
    order = tuple(IndicatorCategory)
    return sorted(indicators, key=lambda i: order.index(i.category))


def _indicators(view: Dataset, evaluation: Evaluation) -> list[Paragraph | Table]:
    indicators = _ordered(view.indicators)
    if not indicators:
        return [Paragraph("项目未设置绩效指标。", empty=True)]
    nodes = evaluation.indicator_nodes()
    counts = "、".join(
        f"{category.label}指标 {n} 个"
        for category in IndicatorCategory
        if (n := sum(1 for i in indicators if i.category is category))
    )
    points = sum((i.points for i in indicators), Decimal(0))
    scored = sum((nodes[i.code].score for i in indicators if i.code in nodes), Decimal(0))
    paragraph = Paragraph(
        f"项目共设置绩效指标 {len(indicators)} 个（{counts}），分值合计 "
        f"{format_score(points)} 分，得 {format_score(scored)} 分，完成情况见表 2。"
    )
    rows = tuple(
        (
            f"{i.category.label}指标",
            i.subtype.label,
            i.name,
            target_text(i),
            value_text(i, i.actual) or "未填报",
            format_score(i.points),
            format_score(nodes[i.code].score) if i.code in nodes else "—",
        )
        for i in indicators
    )
    table = Table(
        "表 2　绩效指标完成情况",
        None,
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"),
        rows,
        (1.2, 1.5, 2.8, 1.4, 1.4, 0.8, 0.8),
        numeric=frozenset({5, 6}),
        group_column=0,
    )
    return [paragraph, table]


def _deviations(view: Dataset, evaluation: Evaluation) -> list[Paragraph]:
    """Each indicator that lost points: what it lost and why, with the unit's own analysis."""
    nodes = evaluation.indicator_nodes()
    paragraphs = []
    for indicator in _ordered(view.indicators):
        node = nodes.get(indicator.code)
        if node is None or node.score >= node.points:
            continue
        text = f"“{indicator.name}”：{node.measures.shortfall or node.explanation}。"
        reason = indicator.deviation_reason.strip().rstrip("。")
        text += f"偏差原因及改进措施：{reason}。" if reason else "未填写偏差原因及改进措施。"
        paragraphs.append(Paragraph(text))
    overall = evaluation.execution.overall
    if overall.rate is not None and overall.rate < 1:
        left = overall.budget - overall.spent
        unit = amount_unit((overall.budget, overall.spent))
        paragraphs.append(
            Paragraph(
                f"预算执行率 {format_percent(overall.rate)}，未足额执行："
                f"{format_amount(left, unit)} {unit.value}未支出。"
            )
        )
    if not paragraphs:
        return [Paragraph("各项绩效指标均达到年度指标值，预算足额执行，无偏差。")]
    return paragraphs
