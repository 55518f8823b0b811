"""Another province's project framework, written from docs/frameworks.md alone, on a small data
set: 预算执行率 10 by bands (80% exactly is not "above 80%"), 产出指标 50 with a met zero target,
效益与满意度指标 40 in one node with a missed zero target that keeps the framework's 20%."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import yaml

from jixiao.adapters.report.build import build_report
from jixiao.adapters.report.content import Table
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import Framework, FrameworkKind, parse_framework
from jixiao.core.model import Comparison, Dataset, Indicator, IndicatorSubtype
from jixiao.core.validation import validate_dataset

from .builders import dataset, indicator, project
from .conftest import DATA

D = Decimal
PATH = DATA / "province-project-framework.yaml"


def province_framework() -> Framework:
    return parse_framework(yaml.safe_load(PATH.read_text(encoding="utf-8")), str(PATH))


def province_dataset() -> Dataset:
    def named(code: str, name: str, unit: str, actual: str, **given: Any) -> Indicator:
        return replace(indicator(code, actual, **given), name=name, unit=unit)

    indicators = [
        # 产出: 3 + 1 + 0.8 = 4.8 of 5 → 50 × 4.8 ÷ 5 = 48
        named("O1", "培训人次", "人次", "100", points="3"),
        named("O2", "安全事故", "起", "0", target="0", comparison=Comparison.AT_MOST),
        named("O3", "验收合格率", "%", "76", target="95", subtype=IndicatorSubtype.QUALITY),
        # 效益与满意度: 0.4 + 4 + 1.8 = 6.2 of 8 → 40 × 6.2 ÷ 8 = 31
        named(
            "E1",
            "重大投诉",
            "件",
            "1",
            target="0",
            points="2",
            comparison=Comparison.EQUAL,
            subtype=IndicatorSubtype.SOCIAL,
        ),
        named(
            "E2", "带动就业", "人", "12", target="10", points="4", subtype=IndicatorSubtype.ECONOMIC
        ),
        named(
            "S1",
            "服务对象满意度",
            "%",
            "81",
            target="90",
            points="2",
            subtype=IndicatorSubtype.SATISFACTION,
        ),
    ]
    # 100 万元 budgeted, 80 万元 spent: 80.00% exactly.
    spending = ["200000", "600000"] + ["0"] * 10
    return dataset(indicators, [project("P1", "1000000", spending)])


def test_the_province_framework_parses() -> None:
    framework = province_framework()
    assert (framework.kind, framework.parameters.missed_zero_target) == (
        FrameworkKind.PROJECT,
        D("0.2"),
    )
    assert [(n.id, n.points, n.rule) for n in framework.nodes] == [
        ("execution", D(10), "thresholds"),
        ("output", D(50), "indicator_completion"),
        ("effect_and_satisfaction", D(40), "indicator_completion"),
    ]


def test_the_province_framework_scores_84() -> None:
    data = province_dataset()
    assert validate_dataset(data) == []  # zero targets ≤0 and =0 are valid
    evaluation = evaluate(data, province_framework())
    assert evaluation.problems == ()
    assert [(n.id, n.score) for n in evaluation.root.children] == [
        ("execution", D(5)),
        ("output", D(48)),
        ("effect_and_satisfaction", D(31)),
    ]
    assert (evaluation.score, evaluation.grade) == (D(84), "良")
    execution, output, both = evaluation.root.children
    assert execution.explanation == (
        "部门整体执行数 80.00 万元 ÷ 年度预算 100.00 万元 = 80.00%（1 个项目），高于 60.00%，"
        "得 5 分"
    )
    assert output.explanation == (
        "产出指标 3 个，分值合计 5 分，得 4.8 分；1 个指标未完成目标：验收合格率；"
        "按本项分值折算：50 × 4.8 ÷ 5 = 48 分"
    )
    assert both.explanation == (
        "效益、满意度指标 3 个，分值合计 8 分，得 6.2 分；2 个指标未完成目标：重大投诉、"
        "服务对象满意度；按本项分值折算：40 × 6.2 ÷ 8 = 31 分"
    )
    lines = evaluation.indicator_nodes()
    assert [(code, lines[code].score, lines[code].measures.completion) for code in lines] == [
        ("O1", D(3), D(1)),
        ("O2", D(1), D(1)),
        ("O3", D("0.8"), D("0.8")),
        ("E1", D("0.4"), D("0.2")),
        ("E2", D(4), D("1.2")),
        ("S1", D("1.8"), D("0.9")),
    ]
    assert lines["O2"].explanation == "安全事故：目标 ≤0 起，实际 0 起，零目标达成，得满分 1 分"
    assert lines["E1"].explanation == (
        "重大投诉：目标 =0 件，实际 1 件，零目标未达成，按体系规定得所占分值的 20%："
        "2 × 20% = 0.4 分"
    )
    assert lines["E1"].measures.shortfall == "目标为 0，实际 1 件，未达成，扣 1.6 分"


def test_the_report_shows_a_zero_targets_completion_as_scored() -> None:
    data = province_dataset()
    report = build_report(data, evaluate(data, province_framework()))
    rows = {
        row[0]: row
        for block in report.blocks
        if isinstance(block, Table) and block.header[0] == "指标名称"
        for row in block.rows
    }
    assert rows["安全事故"][2:7] == ("≤0起", "0起", "100.00%", "1", "1")
    assert rows["重大投诉"][2:] == (
        "=0件",
        "1件",
        "20.00%",
        "2",
        "0.4",
        "目标为 0，实际 1 件，未达成，扣 1.6 分",
    )
