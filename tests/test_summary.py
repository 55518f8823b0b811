"""The bureau's summary of a year (issue 12 item 6): the exact figures from department figures,
the content's tables, and the Word and HTML files read back."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from jixiao.adapters.report.content import Chart, Table
from jixiao.adapters.report.summary import build_summary
from jixiao.adapters.report.summary_html import render_blocks, render_summary_html
from jixiao.adapters.report.summary_word import write_summary_docx
from jixiao.core.summary import DepartmentFigures, ItemScore, summarize

D = Decimal


def items(execution: str, carryover: str, review: str | None = None) -> tuple[ItemScore, ...]:
    return (
        ItemScore("total", "总分", "total", 0, D(100), D(0)),
        ItemScore("perf", "绩效", "total/perf", 1, D(10), D(0)),
        ItemScore("execution", "预算执行率", "total/perf/execution", 2, D(5), D(execution)),
        ItemScore(
            "carryover",
            "结转结余率",
            "total/perf/carryover",
            2,
            D(5),
            D(carryover),
            None if review is None else D(review),
        ),
    )


DEPARTMENTS = (
    DepartmentFigures("001", "甲局", D("95.004"), "优", 0, D("0.97"), D("0.5512"), items("5", "4")),
    DepartmentFigures(
        "002",
        "乙局",
        D("90"),
        "良",
        0,
        D("0.85"),
        D("0.40"),
        items("3", "5", "4.5"),
        review_total=D("89.5"),
    ),
    DepartmentFigures("003", "丙局", D("95"), "优", 1, D("0.55"), None, items("4.5", "5")),
    DepartmentFigures("004", "丁局", D("89.5"), "良", 0, D("0.915"), D("0.6"), items("5", "2")),
    DepartmentFigures("005", "戊局", None, "", 2),
)

CLEAN = tuple(replace(d, errors=0) for d in DEPARTMENTS[:4])


def test_the_figures_are_exact() -> None:
    summary = summarize(2023, DEPARTMENTS)
    assert (summary.departments, summary.scored, summary.reviewed) == (5, 4, 1)
    assert summary.unscored == ("戊局",)
    assert summary.with_errors == ("丙局", "戊局")
    assert summary.is_draft
    assert [(r.department.name, r.rank, r.published) for r in summary.ranking] == [
        ("甲局", 1, D("95.00")),  # 95.004 published as 95.00: tied with 丙局
        ("丙局", 1, D("95.00")),
        ("乙局", 3, D("89.50")),  # the review score, tied with 丁局's own
        ("丁局", 3, D("89.50")),
    ]
    assert summary.grades == (("优", 2), ("良", 2), ("中", 0), ("差", 0))
    assert summary.score_buckets[-2:] == (("80–90分", 2), ("90分及以上", 2))
    assert summary.mean_score == D("92.251")  # (95.004 + 95 + 89.5 + 89.5) / 4
    # leaves only; 乙局's carryover counts at its review score 4.5
    assert [(d.node, d.lost, d.average, d.losing, d.departments) for d in summary.deductions] == [
        ("carryover", D("4.5"), D("1.125"), 3, 4),  # 1 + 0.5 + 0 + 3
        ("execution", D("2.5"), D("0.625"), 2, 4),  # 0 + 2 + 0.5 + 0
    ]
    execution = summary.execution
    assert (execution.count, execution.mean, execution.median) == (4, D("0.82125"), D("0.8825"))
    assert (execution.minimum, execution.maximum) == (D("0.55"), D("0.97"))
    assert execution.below == ((D("0.9"), ("乙局", "丙局")), (D("0.6"), ("丙局",)))
    assert summary.average_execution.count == 3
    assert summary.average_execution.median == D("0.5512")
    assert summary.execution_buckets == (
        ("60%以下", 1),
        ("60%–80%", 0),
        ("80%–90%", 1),
        ("90%–95%", 1),
        ("95%及以上", 1),
    )
    [difference] = summary.review_differences
    assert (difference.name, difference.difference) == ("乙局", D("0.5"))
    [item] = summary.item_differences
    assert (item.node, item.departments, item.difference) == ("carryover", 1, D("0.5"))


def tables(report) -> dict[str, Table]:  # type: ignore[no-untyped-def]
    return {b.title: b for b in report.blocks if isinstance(b, Table)}


def test_the_content_rounds_only_for_display_and_marks_the_draft() -> None:
    report = build_summary(summarize(2023, DEPARTMENTS))
    assert report.title == "【草稿】2023年度部门整体绩效自评汇总分析报告"
    assert "数据尚有错误的部门：丙局、戊局" in report.blocks[0].text  # type: ignore[union-attr]
    found = tables(report)
    assert found["表2 部门得分排名"].rows == (
        ("1", "1", "甲局", "95.00", "优", ""),
        ("2", "1", "丙局", "95.00", "优", ""),
        ("3", "3", "乙局", "89.50", "良", "复核"),
        ("4", "3", "丁局", "89.50", "良", ""),
    )
    assert found["表3 失分最多的评价项"].rows[0] == ("结转结余率", "5.00", "4.50", "1.13", "3", "4")
    assert found["表4 自评与复核得分差异（按部门）"].rows == (("乙局", "90.00", "89.50", "0.50"),)
    text = report.text()
    assert "平均 82.13%，中位数 88.25%，最低 55.00%，最高 97.00%" in text
    assert "低于90%的 2 个（乙局、丙局）；低于60%的 1 个（丙局）" in text
    charts = [b for b in report.blocks if isinstance(b, Chart)]
    assert [c.title for c in charts] == ["图1 评价等级分布", "图2 得分分布", "图3 预算执行率分布"]


def test_a_summary_with_no_errors_is_final() -> None:
    report = build_summary(summarize(2023, CLEAN))
    assert report.title == "2023年度部门整体绩效自评汇总分析报告"


def test_the_word_file_reads_back(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from jixiao.adapters.report.charts import NoChineseFont, chinese_font

    try:
        chinese_font()
    except NoChineseFont:
        pytest.skip("no CJK font installed")
    path = tmp_path / "summary.docx"
    write_summary_docx(build_summary(summarize(2023, CLEAN)), path)
    document = Document(str(path))
    paragraphs = [p for p in document.paragraphs if p.text]
    assert paragraphs[0].text == "2023年度部门整体绩效自评汇总分析报告"
    assert paragraphs[0].style.name == "Report Title"
    assert paragraphs[1].text == "各预算部门："
    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、总体情况",
        "二、得分排名",
        "三、主要扣分事项",
        "四、预算执行情况",
        "五、自评与复核差异",
    ]
    ranking = document.tables[1]
    assert [c.text for c in ranking.rows[0].cells] == [
        "序号",
        "名次",
        "部门",
        "得分",
        "等级",
        "备注",
    ]
    assert [c.text for c in ranking.rows[3].cells] == ["3", "3", "乙局", "89.50", "良", "复核"]
    assert len(document.inline_shapes) == 3  # the three charts
    assert "PAGE" in document.sections[0].footer._element.xml


def test_the_html_is_escaped_and_needs_no_inline_style() -> None:
    odd = DepartmentFigures("009", "<script>x</script>局", D(80), "中", 0, D("0.9"))
    fragment = render_blocks(build_summary(summarize(2023, [*CLEAN, odd])))
    assert "<script>" not in fragment
    assert "&lt;script&gt;x&lt;/script&gt;局" in fragment
    assert "style" not in fragment
    assert fragment.count("<svg") == 3
    assert "<h2>二、得分排名</h2>" in fragment
    assert render_summary_html(build_summary(summarize(2023, CLEAN))).startswith("<!DOCTYPE html>")
