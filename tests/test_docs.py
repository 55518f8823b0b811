"""The documentation's examples are true: the worked framework example loads and scores."""

from __future__ import annotations

import re
from decimal import Decimal

import yaml

from jixiao.adapters.assemble import DEPARTMENT, PUBLISHED
from jixiao.adapters.tables import ALL_TABLES
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import parse_framework
from jixiao.core.model import Dataset

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
