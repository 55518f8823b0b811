"""The monthly bulletin (月通报) and the in-year indicator review table (年中绩效监控表), built
from a monitoring report as the same blocks the self-evaluation report uses, so that the Word
(GB/T 9704) and HTML writers serve them unchanged.

The bulletin: the department against time progress and the annual average execution rate so far
with its effect on the score; divisions and spending groups ranked by how far they are behind;
every project behind time progress with its gap in percentage points; the indicators forecast to
miss their targets; and what changed since last month.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from jixiao.core.money import format_percent, format_score, format_wan, round_half_up
from jixiao.core.monitoring import (
    Change,
    Deviation,
    GroupProgress,
    Level,
    MonitoringReport,
    Progress,
    ProjectProgress,
)

from .content import Chart, Heading, Paragraph, Report, Table

GAP = "差距（百分点）"
RECONSTRUCTED_NOTE = (
    "说明：参考数据集的月度支出为重构值（报告只公布全年数，月度分布为与公布的年度平均执行率一致而"
    "推算），本通报据此计算，仅作演示。"
)


def gap_text(gap: Decimal | None) -> str:
    """Percentage points behind time progress, two places, half-up ("-" when ahead is shown as
    a negative number)."""
    return "—" if gap is None else f"{round_half_up(gap, 2):.2f}"


def _rate(progress: Progress) -> str:
    return format_percent(progress.rate) if progress.rate is not None else "—"


def _standing(progress: Progress) -> str:
    gap = progress.gap_points
    if gap is None:
        return "无年度预算"
    rounded = round_half_up(gap, 2)
    if rounded > 0:
        return f"低于序时进度 {gap_text(gap)} 个百分点"
    if rounded < 0:
        return f"高于序时进度 {gap_text(-gap)} 个百分点"
    return "与序时进度持平"


def _ranking(title: str, name: str, groups: Sequence[GroupProgress]) -> Table:
    ranked = sorted(groups, key=lambda g: g.progress.gap_points or Decimal(0), reverse=True)
    return Table(
        title,
        "单位：万元",
        (
            "排名",
            name,
            "项目数",
            "年度预算",
            "累计支出",
            "执行率",
            "序时进度",
            "差距（百分点）",
            "预警",
        ),
        tuple(
            (
                str(position),
                group.name,
                str(group.projects),
                format_wan(group.progress.budget),
                format_wan(group.progress.spent),
                _rate(group.progress),
                format_percent(group.progress.time_progress),
                gap_text(group.progress.gap_points),
                group.progress.level.value,
            )
            for position, group in enumerate(ranked, start=1)
        ),
        (0.7, 2.6, 0.8, 1.4, 1.4, 1.1, 1.1, 1.2, 0.7),
        numeric=frozenset({2, 3, 4, 5, 6, 7}),
    )


def _warnings(report: MonitoringReport) -> Paragraph:
    warnings = report.warnings
    if not warnings:
        return Paragraph("本月没有预警。")
    red = sum(1 for w in warnings if w.level is Level.RED)
    return Paragraph(
        f"本月预警 {len(warnings)} 条（红色 {red} 条、黄色 {len(warnings) - red} 条）："
        + "；".join(f"【{w.level.value}】{w.message}" for w in warnings)
        + "。"
    )


def _change(change: Change) -> str:
    return f"{change.kind}“{change.subject}”{change.before.value}→{change.after.value}"


def _projects_table(title: str, projects: Sequence[ProjectProgress]) -> Table:
    return Table(
        title,
        "单位：万元",
        ("序号", "项目", "责任处室", "年度预算", "累计支出", "执行率", GAP, "预警"),
        tuple(
            (
                str(position),
                p.name,
                p.division or "",
                format_wan(p.progress.budget),
                format_wan(p.progress.spent),
                _rate(p.progress),
                gap_text(p.progress.gap_points),
                p.progress.level.value,
            )
            for position, p in enumerate(projects, start=1)
        ),
        (0.6, 4.2, 1.3, 1.3, 1.3, 1.0, 1.1, 0.7),
        numeric=frozenset({3, 4, 5, 6}),
    )


def _changes(changes: Sequence[Change], month: int) -> list[Paragraph]:
    if month == 1:
        return [Paragraph("本月为年度首次通报。")]
    if not changes:
        return [Paragraph("与上月相比，预警没有变化。")]
    worse = [c for c in changes if c.after.rank > c.before.rank]
    better = [c for c in changes if c.after.rank < c.before.rank]
    paragraphs = []
    if worse:
        paragraphs.append(Paragraph("新增或加重的预警：" + "；".join(map(_change, worse)) + "。"))
    if better:
        paragraphs.append(
            Paragraph(
                "解除或减轻的预警："
                + "；".join(
                    f"{c.kind}“{c.subject}”{c.before.value}→{c.after.value}" for c in better
                )
                + "。"
            )
        )
    return paragraphs


def build_bulletin(
    report: MonitoringReport, changes: Sequence[Change], progress_by_month: Sequence[Progress]
) -> Report:
    """The bulletin for ``report``'s month; ``progress_by_month`` is the department's progress
    at the end of each month from January, for the chart."""
    month = report.month
    bulletin = Report(
        f"{report.department}{report.fiscal_year}年{month}月预算执行与绩效监控通报",
        report.department,
        report.fiscal_year,
    )
    overall = report.overall
    summary = (
        f"截至 {month} 月末，部门年度预算 {format_wan(overall.budget)} 万元，累计支出 "
        f"{format_wan(overall.spent)} 万元，累计执行率 {_rate(overall)}，"
        f"序时进度 {format_percent(overall.time_progress)}（{report.basis.label}），"
        f"{_standing(overall)}。"
    )
    average = report.average
    if average is not None:
        months = f"{average.checkpoints[0][0]}–{average.checkpoints[-1][0]} 月"
        summary += (
            f"一般公共预算支出年度平均执行率（{months}各时点平均）{format_percent(average.rate)}"
        )
        if average.node is not None and average.points is not None and average.score is not None:
            summary += (
                f"，按此进度“{average.node}”得 {format_score(average.score)} 分"
                f"（满分 {format_score(average.points)} 分）"
            )
        summary += "。"
    bulletin.add(Heading(1, "一、总体情况"), Paragraph(summary), _warnings(report))
    if report.reconstructed:
        bulletin.add(Paragraph(RECONSTRUCTED_NOTE))
    bulletin.add(
        Chart(
            f"图 1　1–{month} 月累计支出进度与序时进度",
            "progress_lines",
            tuple(f"{m}月" for m in range(1, len(progress_by_month) + 1)),
            tuple(p.rate or Decimal(0) for p in progress_by_month),
            tuple(p.time_progress for p in progress_by_month),
        )
    )
    bulletin.add(
        Heading(1, "二、各处室执行进度"),
        _ranking("表 1　各处室支出进度排名（按低于序时进度的差距）", "处室", report.divisions),
        Heading(1, "三、各支出分组执行进度"),
        _ranking("表 2　各支出分组支出进度排名", "支出分组", report.groups),
        Heading(1, "四、低于序时进度的项目"),
    )
    behind = report.behind()
    if behind:
        bulletin.add(
            Paragraph(
                f"{len(behind)} 个项目累计执行率低于序时进度："
                + "；".join(
                    f"“{p.name}”{_rate(p.progress)}，低于 {gap_text(p.progress.gap_points)} "
                    "个百分点"
                    for p in behind
                )
                + "。"
            ),
            _projects_table("表 3　低于序时进度的项目", behind),
        )
    else:
        bulletin.add(Paragraph("所有项目累计执行率均达到序时进度。"))
    bulletin.add(
        Paragraph("各项目支出进度排名见表 4。"),
        _projects_table(
            "表 4　各项目支出进度排名（按低于序时进度的差距）",
            sorted(
                report.projects, key=lambda p: p.progress.gap_points or Decimal(0), reverse=True
            ),
        ),
    )
    bulletin.add(Heading(1, "五、绩效指标监控"))
    deviating = [s for s in report.indicators if s.deviation is not Deviation.NORMAL]
    if not report.indicators:
        bulletin.add(Paragraph(f"截至 {month} 月末没有指标监控记录。"))
    elif not deviating:
        bulletin.add(Paragraph(f"已监控的 {len(report.indicators)} 个指标预计均能完成年度目标。"))
    else:
        bulletin.add(
            Paragraph(
                f"已监控 {len(report.indicators)} 个指标，{len(deviating)} 个预计完不成年度目标："
                + "；".join(s.explanation for s in deviating)
                + "。"
            )
        )
    bulletin.add(Heading(1, "六、与上月相比"), *_changes(changes, month))
    return bulletin


def build_review(report: MonitoringReport) -> Report:
    """The in-year indicator review table (年中绩效监控表) for Word and HTML."""
    review = Report(
        f"{report.department}{report.fiscal_year}年绩效监控表（截至{report.month}月）",
        report.department,
        report.fiscal_year,
    )
    review.add(
        Table(
            "表　绩效指标监控情况",
            None,
            REVIEW_HEADER,
            tuple(review_rows(report)),
            (1.0, 2.4, 1.2, 1.1, 1.1, 1.0, 1.0, 2.0, 2.0),
            numeric=frozenset({5}),
        )
    )
    return review


REVIEW_HEADER = (
    "指标编码",
    "指标名称",
    "年度指标值",
    "截至当月完成值",
    "全年预计完成值",
    "预计完成率",
    "偏差程度",
    "偏差原因",
    "纠偏措施",
)


def review_rows(report: MonitoringReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for status in report.indicators:
        indicator, forecast = status.indicator, status.forecast
        rows.append(
            (
                indicator.code,
                indicator.name,
                f"{indicator.comparison.value}{_value(indicator.target)}{indicator.unit}",
                f"{_value(forecast.to_date)}",
                f"{_value(forecast.forecast)}",
                format_percent(status.completion_rate)
                if status.completion_rate is not None
                else "—",
                status.deviation.value,
                forecast.reason,
                forecast.action,
            )
        )
    return rows


def _value(value: Decimal | str | None) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value or ""
