"""The documentation's examples are true: the worked framework example loads and scores."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import yaml

from jixiao.adapters.assemble import DEPARTMENT, PUBLISHED
from jixiao.adapters.tables import ALL_TABLES
from jixiao.core.evaluation import cohort_figures, evaluate
from jixiao.core.framework import (
    _PARAMETER_KEYS,
    _TOP_KEYS,
    FrameworkKind,
    Parameters,
    parse_framework,
)
from jixiao.core.indicators import score_indicator
from jixiao.core.model import Comparison, Dataset, Department, Indicator, IndicatorSubtype
from jixiao.core.money import format_percent, format_score

from .builders import dataset, project
from .conftest import ROOT


def test_worked_framework_example_in_docs(reference_dataset: Dataset) -> None:
    text = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    section = text[text.index("## A worked example") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block is not None
    framework = parse_framework(yaml.safe_load(block.group(1)), "docs/frameworks.md")
    evaluation = evaluate(reference_dataset, framework)
    execution = evaluation.root.find("execution")
    assert execution is not None
    assert execution.score == Decimal("19.42")


def test_every_column_is_documented() -> None:
    text = (ROOT / "docs" / "dataset-format.md").read_text(encoding="utf-8")
    for table in (DEPARTMENT, *ALL_TABLES, PUBLISHED):
        assert f"### {table.sheet} — `{table.key}`" in text
        for column in table.columns:
            if column.field is None:  # the twelve monthly columns are documented as one row
                assert f"| `{column.key}` | {column.label} |" in text, column.key


def test_worked_cohort_example_in_docs() -> None:
    """The cohort example's YAML gives the table under it, row by row."""
    text = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    section = text[text.index("## A worked example with a cohort") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block is not None
    framework = parse_framework(yaml.safe_load(block.group(1)), "docs/frameworks.md")
    spent = {"A": "100000", "B": "98000", "C": "95000", "D": "95004", "E": "95000", "F": "90000"}
    members = [
        replace(
            dataset(projects=[project("P1", "100000", [amount] + ["0"] * 11)] if amount else []),
            department=Department(code, code),
        )
        for code, amount in (*spent.items(), ("G", None))
    ]
    cohort = cohort_figures(members, framework, name="示例", cut_off=date(2024, 3, 31))
    scores = {}
    for member in members:
        node = evaluate(member, framework, cohort).root.find("execution_rank")
        assert node is not None and node.measures.cohort is not None
        standing = node.measures.cohort
        scores[member.department.code] = (standing.rank, f"{node.score.normalize():f}")
    rows = re.findall(r"^\| ([A-G]) \|.*\| (\d+|—) \| [^|]+ \| [^|]+ \| (\d+)", section, re.M)
    assert {code: (None if rank == "—" else int(rank), score) for code, rank, score in rows} == (
        scores
    )
    b = evaluate(members[1], framework, cohort).root.find("execution_rank")
    assert b is not None and f'B reads "{b.explanation}"' in section


def test_every_top_level_key_kind_and_parameter_is_documented() -> None:
    text = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    document = text[text.index("## The document") : text.index("## Parameters")]
    for key in _TOP_KEYS:
        assert f"\n{key}:" in document, key
    for kind in FrameworkKind:
        assert f"| `{kind.value}` |" in document, kind
    parameters = text[text.index("## Parameters") : text.index("## The rules")]
    for key in _PARAMETER_KEYS:
        assert f"| `{key}` |" in parameters, key


def test_zero_target_table_in_docs() -> None:
    """Each row of the zero-target table is what scoring the indicator gives."""
    text = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    section = text[text.index("#### Zero targets") : text.index("### `rate_times_points`")]
    assert "{missed_zero_target: 20%}" in section
    parameters = Parameters(missed_zero_target=Decimal("0.2"))
    rows = re.findall(
        r"^\| (\S+) ([≤=])0 (\S+) \| (\S+) \| (\S+) \| (\S+) \| (\S+) \| ([^|]+) \|$", section, re.M
    )
    assert len(rows) == 2
    for name, comparison, unit, points, actual, completion, score, explanation in rows:
        indicator = Indicator(
            code="X",
            name=name,
            subtype=IndicatorSubtype.QUALITY,
            comparison=Comparison(comparison),
            target=Decimal(0),
            actual=Decimal(actual),
            points=Decimal(points),
            unit=unit,
        )
        scored = score_indicator(indicator, parameters)
        assert scored.completion_rate is not None
        shown = (format_percent(scored.completion_rate), format_score(scored.score))
        assert (*shown, scored.explanation) == (completion, score, explanation)
