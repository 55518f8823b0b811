"""Frameworks are data: a broken one reports every problem at once, with its location."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from jixiao.adapters.frameworks import builtin_framework_names, load_framework
from jixiao.core.framework import FrameworkInvalid, FrameworkKind, parse_framework
from jixiao.core.problems import ProblemsFound

from .conftest import REFERENCE

BROKEN = """
id: broken
name: 有问题的评价体系
version: "2024"
points: 100
colour: blue
nodes:
  - id: a
    name: 履职
    points: 50
    rule: sum
    children:
      - {id: a1, name: 产出, points: 30, rule: indicator_completion, select: {category: output}}
      - {id: a2, name: 执行率, points: abc, rule: rate_times_points, metric: execution_rate}
  - id: b
    name: 管理
    points: 50
    rule: magic
  - id: c
    points: 10
    rule: manual
"""


def test_all_problems_reported_at_once_with_locations() -> None:
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(yaml.safe_load(BROKEN), "broken.yaml")
    reported = [(p.code, str(p.location)) for p in caught.value.problems]
    assert reported == [
        ("E-UNKNOWN-FIELD", "broken.yaml colour"),
        ("E-NUMBER", "broken.yaml nodes[0].children[1].points"),
        ("E-CHOICE", "broken.yaml nodes[1].rule"),
        ("E-REQUIRED", "broken.yaml nodes[2].name"),
    ]
    messages = [p.message for p in caught.value.problems]
    assert messages[2] == (
        "“rule”的取值“magic”无效，可选：sum、indicator_completion、rate_times_points、"
        "thresholds、deduction_per_finding、qualitative_tiers、manual、cohort_rank"
    )


def test_children_must_add_up_to_their_parent() -> None:
    document = yaml.safe_load(BROKEN)
    document["nodes"] = [document["nodes"][0]]
    document["nodes"][0]["children"][1]["points"] = 10
    document["points"] = 50
    del document["colour"]
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(document, "f.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "f.yaml nodes[0].children：子节点分值合计 40 不等于“履职”的分值 50"
    ]


def test_rule_fields_are_checked() -> None:
    document = {
        "id": "x",
        "name": "x",
        "version": "1",
        "points": 10,
        "grades": [{"grade": "合格", "min": 60}, {"grade": "优", "min": 90}],
        "nodes": [
            {
                "id": "d",
                "name": "扣分",
                "points": 10,
                "rule": "deduction_per_finding",
                "findings": "parking_tickets",
                "metric": "execution_rate",
            },
        ],
    }
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(document, "x.yaml")
    assert [(p.code, str(p.location)) for p in caught.value.problems] == [
        ("E-GRADES", "x.yaml grades"),
        ("E-RULE-FIELD", "x.yaml nodes[0].metric"),
        ("E-CHOICE", "x.yaml nodes[0].findings"),
        ("E-REQUIRED", "x.yaml nodes[0].deduction"),
    ]


@pytest.mark.parametrize("name", builtin_framework_names())
def test_builtin_frameworks_load(name: str) -> None:
    framework = load_framework(name)
    assert framework.points == Decimal(100)
    assert [g.name for g in framework.grades] == ["优", "良", "中", "差"]


def test_kind_is_a_checked_choice() -> None:
    assert load_framework("guangzhou-department-overall-2023").kind is (
        FrameworkKind.DEPARTMENT_OVERALL
    )
    assert load_framework("national-project-2020").kind is FrameworkKind.PROJECT
    document = {
        "id": "x",
        "name": "x",
        "version": "1",
        "points": 10,
        "nodes": [{"id": "m", "name": "人工", "points": 10, "rule": "manual"}],
    }
    assert parse_framework(document, "x.yaml").kind is FrameworkKind.DEPARTMENT_OVERALL
    special = parse_framework(document | {"kind": "special_fund"}, "x.yaml")
    assert (special.kind, special.kind.label) == (FrameworkKind.SPECIAL_FUND, "专项资金绩效评价")
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(document | {"kind": "department"}, "x.yaml")
    assert [f"{p.code} {p}" for p in caught.value.problems] == [
        "E-CHOICE x.yaml kind：“kind”的取值“department”无效，可选：department_overall、project、"
        "special_fund"
    ]


def test_missed_zero_target_is_a_share_of_at_most_100_percent() -> None:
    document = {
        "id": "x",
        "name": "x",
        "version": "1",
        "points": 10,
        "nodes": [{"id": "m", "name": "人工", "points": 10, "rule": "manual"}],
    }
    assert parse_framework(document, "x.yaml").parameters.missed_zero_target == 0
    half = parse_framework(document | {"parameters": {"missed_zero_target": "50%"}}, "x.yaml")
    assert half.parameters.missed_zero_target == Decimal("0.5")
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(document | {"parameters": {"missed_zero_target": "150%"}}, "x.yaml")
    assert [f"{p.code} {p}" for p in caught.value.problems] == [
        "E-RANGE x.yaml parameters.missed_zero_target：零目标未达成的得分比例不能超过 100%"
    ]


def test_national_project_framework_structure() -> None:
    framework = load_framework("national-project-2020")
    assert [(n.name, n.points, n.rule) for n in framework.nodes] == [
        ("预算执行率", Decimal(10), "rate_times_points"),
        ("产出指标", Decimal(50), "indicator_completion"),
        ("效益指标", Decimal(30), "indicator_completion"),
        ("满意度指标", Decimal(10), "indicator_completion"),
    ]


def test_unknown_framework_name_is_a_clear_error() -> None:
    with pytest.raises(ProblemsFound) as caught:
        load_framework("no-such-framework")
    assert caught.value.problems[0].code == "E-FRAMEWORK-UNKNOWN"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nnodes: [\n  - a\n", encoding="utf-8")
    with pytest.raises(ProblemsFound) as caught:
        load_framework(str(path))
    (problem,) = caught.value.problems
    assert problem.code == "E-YAML"
    assert problem.location.row is not None


def test_cli_reports_broken_framework_and_exits_1(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = run_cli("evaluate", str(REFERENCE), "--framework", str(path))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert f"[E-CHOICE] {path} nodes[1].rule：“rule”的取值“magic”无效" in result.err
    assert "共 4 个错误。" in result.err
