"""The finance bureau's summary report (汇总分析报告) of a year as content: the same blocks as the
department's report (``content.Report``: headings, paragraphs, tables, charts), built from a
:class:`jixiao.core.summary.Summary`, so that ``word.py`` and ``html.py`` lay it out unchanged
(decision 0007) and the web page shows the same blocks (``summary_html.render_blocks``).

Figures are shown rounded half-up only here: scores to 2 places, rates as percentages with 2
places. A summary with departments whose data have errors or cannot be scored is a draft
(``as_draft``: 【草稿】 before the title and a first paragraph naming them; decision 0027).

Worked example: three departments 甲 95 (优), 乙 90 reviewed to 88.5 (良), 丙 88.50 (良) give
the title “2023年度部门整体绩效自评汇总分析报告”, the sentence “本年度共 3 个部门……优 1 个、良 2
个……”, a ranking table whose rows are ``("1", "1", "甲", "95.00", "优", "")``, ``("2", "2", "乙",
"88.50", "良", "复核")`` and ``("3", "2", "丙", "88.50", "良", "")``.
"""

from __future__ import annotations

from decimal import Decimal

from jixiao.adapters.report.content import Chart, Heading, Paragraph, Report, Table, as_draft
from jixiao.core.money import format_percent, round_half_up
from jixiao.core.summary import EXECUTION_THRESHOLDS, RateStatistics, Summary

BUREAU = "财政局"
ADDRESSEE = "各预算部门"
NONE_TEXT = "无"


def score_text(value: Decimal | None) -> str:
    """A score with 2 places, half-up ("88.50"); "—" for none."""
    return "—" if value is None else f"{round_half_up(value, 2):f}"


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value)


def title_of(fiscal_year: int) -> str:
    return f"{fiscal_year}年度部门整体绩效自评汇总分析报告"


def _names(names: tuple[str, ...]) -> str:
    return "、".join(names) if names else NONE_TEXT


def _rates(label: str, statistics: RateStatistics) -> list[Paragraph | Table]:
    if not statistics.count:
        return [Paragraph(f"没有部门的{label}数据。")]
    below = "；".join(
        f"低于{format_percent(threshold, 0)}的 {len(names)} 个（{_names(names)}）"
        for threshold, names in statistics.below
    )
    return [
        Paragraph(
            f"{statistics.count} 个部门有{label}数据：平均 {rate_text(statistics.mean)}，"
            f"中位数 {rate_text(statistics.median)}，最低 {rate_text(statistics.minimum)}，"
            f"最高 {rate_text(statistics.maximum)}；{below}。"
        )
    ]


def build_summary(summary: Summary, *, bureau: str = BUREAU) -> Report:
    """The report's content; a draft when the summary is one (see the module's docstring)."""
    report = Report(title_of(summary.fiscal_year), bureau, summary.fiscal_year)
    grades = "、".join(f"{grade} {count} 个" for grade, count in summary.grades)
    report.add(
        Heading(1, "一、总体情况"),
        Paragraph(
            f"本年度共 {summary.departments} 个部门开展部门整体绩效自评，其中 {summary.scored} "
            f"个部门已评分，{summary.reviewed} 个部门的得分经财政局复核；平均得分 "
            f"{score_text(summary.mean_score)} 分。评价等级分布：{grades}。"
        ),
    )
    if summary.unscored:
        report.add(Paragraph(f"数据尚不能评分的部门：{_names(summary.unscored)}。"))
    report.add(
        Table(
            "表1 评价等级分布",
            "单位：个",
            ("等级", "部门数"),
            tuple((grade, str(count)) for grade, count in summary.grades),
            (3, 2),
            numeric=frozenset({1}),
            total=("合计", str(sum(count for _g, count in summary.grades))),
        ),
        _counts("图1 评价等级分布", summary.grades, "部门数"),
        _counts("图2 得分分布", summary.score_buckets, "按公布得分（保留两位小数）分段"),
        Heading(1, "二、得分排名"),
        Paragraph(
            "排名按公布得分（四舍五入保留两位小数）由高到低排列，得分相同者名次相同，其后名次"
            "顺延；经财政局复核的部门按复核得分排名，并在备注栏注明“复核”。"
        ),
        Table(
            "表2 部门得分排名",
            "单位：分",
            ("序号", "名次", "部门", "得分", "等级", "备注"),
            tuple(
                (
                    str(index),
                    str(entry.rank),
                    entry.department.name,
                    score_text(entry.published),
                    entry.department.grade,
                    "复核" if entry.department.reviewed else "",
                )
                for index, entry in enumerate(summary.ranking, start=1)
            ),
            (1.2, 1.2, 5, 1.8, 1.2, 1.4),
            numeric=frozenset({0, 1, 3}),
        ),
        Heading(1, "三、主要扣分事项"),
    )
    if summary.deductions:
        report.add(
            Paragraph(
                "按各部门在各末级评价项上的失分（分值减得分，复核过的按复核得分）合计，失分最多"
                f"的 {len(summary.deductions)} 项如下。"
            ),
            Table(
                "表3 失分最多的评价项",
                "单位：分、个",
                ("评价项", "分值", "失分合计", "平均失分", "失分部门数", "参评部门数"),
                tuple(
                    (
                        d.name,
                        score_text(d.points),
                        score_text(d.lost),
                        score_text(d.average),
                        str(d.losing),
                        str(d.departments),
                    )
                    for d in summary.deductions
                ),
                (5, 1.4, 1.6, 1.6, 1.6, 1.6),
                numeric=frozenset({1, 2, 3, 4, 5}),
            ),
        )
    else:
        report.add(Paragraph("各部门在各评价项上均未失分。"))
    thresholds = "、".join(format_percent(t, 0) for t in EXECUTION_THRESHOLDS)
    report.add(
        Heading(1, "四、预算执行情况"),
        *_rates("预算执行率", summary.execution),
        *_rates("年度平均执行率", summary.average_execution),
        Paragraph(f"（统计阈值：{thresholds}。）"),
        _counts("图3 预算执行率分布", summary.execution_buckets, "部门数"),
        Heading(1, "五、自评与复核差异"),
    )
    if summary.review_differences:
        report.add(
            Paragraph(
                f"财政局复核了 {len(summary.review_differences)} 个部门的得分，自评得分与复核得分"
                "之差（自评 − 复核）反映自评质量。"
            ),
            Table(
                "表4 自评与复核得分差异（按部门）",
                "单位：分",
                ("部门", "自评得分", "复核得分", "差异"),
                tuple(
                    (
                        r.name,
                        score_text(r.self_total),
                        score_text(r.review_total),
                        score_text(r.difference),
                    )
                    for r in summary.review_differences
                ),
                (5, 2, 2, 2),
                numeric=frozenset({1, 2, 3}),
            ),
        )
        if summary.item_differences:
            report.add(
                Table(
                    "表5 自评与复核得分差异（按评价项）",
                    "单位：分、个",
                    ("评价项", "复核调整部门数", "差异合计"),
                    tuple(
                        (i.name, str(i.departments), score_text(i.difference))
                        for i in summary.item_differences
                    ),
                    (5, 2, 2),
                    numeric=frozenset({1, 2}),
                )
            )
    else:
        report.add(Paragraph("本年度尚无计入排名的复核得分。"))
    if summary.is_draft:
        problems = []
        if summary.with_errors:
            problems.append(f"数据尚有错误的部门：{_names(summary.with_errors)}")
        if summary.unscored:
            problems.append(f"尚不能评分的部门：{_names(summary.unscored)}")
        return as_draft(report, "草稿", problems)
    return report


def _counts(title: str, counts: tuple[tuple[str, int], ...], caption: str) -> Chart:
    return Chart(
        title,
        "count_bars",
        tuple(label for label, _count in counts),
        tuple(Decimal(count) for _label, count in counts),
        caption=caption,
    )
