"""Issue 10, item 9: a text written to any workbook jixiao makes is a text cell, never a formula,
and holds exactly the text — so nothing runs when the file is opened and an exported workbook
re-imports unchanged."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jixiao.adapters.review_table import write_review_xlsx
from jixiao.adapters.scoretable import write_scoretable
from jixiao.adapters.workbook import read_workbook, write_workbook
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import Framework
from jixiao.core.model import Dataset, IndicatorForecast
from jixiao.core.monitoring import monitor

# One text for each start a spreadsheet may take for a formula (and two of Excel's payloads).
HYPERLINK = '=HYPERLINK("http://x","click")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+1"
CR = "\r=1+1"
ERROR_CODE = "#N/A"


def hostile(reference: Dataset, *, leading_space: bool) -> Dataset:
    """The reference data set with formula-like texts in its department name, special fund,
    a key task, a project, indicators, a deviation reason and the narrative. With
    ``leading_space`` the reason and a narrative section begin with a tab and a CR; every
    reader strips a text's surrounding whitespace, so the round trip uses them inside a text."""
    reason, narrative = (TAB, CR) if leading_space else ("=1+1\t-2", "@A1\r\n=cmd|' /C calc'!A0")
    task, *tasks = reference.key_tasks
    first, second, *indicators = reference.indicators
    project, *projects = reference.projects
    return replace(
        reference,
        department=replace(reference.department, name=HYPERLINK),
        special_fund_name=PLUS,
        key_tasks=(replace(task, name=MINUS), *tasks),
        projects=(replace(project, name=AT), *projects),
        indicators=(
            replace(first, name=DDE, deviation_reason=reason),
            replace(second, name=ERROR_CODE),
            *indicators,
        ),
        narrative={**reference.narrative, "results": narrative},
        forecasts=(
            IndicatorForecast(first.code, 6, None, Decimal(1), reason=HYPERLINK, action=MINUS),
        ),
    )


def text_cells(path: Path) -> list[str]:
    """Every text in the workbook; fails on any cell that is not a plain value."""
    texts = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:  # an empty text reads back as an empty inline string
                    continue
                assert cell.data_type in ("s", "n", "d", "b"), (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    texts.append(cell.value)
    return texts


@pytest.fixture(scope="module")
def framework(reference_framework: Framework) -> Framework:
    return reference_framework


def test_item9_the_workbook_holds_texts_not_formulas(
    reference_dataset: Dataset, tmp_path: Path
) -> None:
    path = tmp_path / "export.xlsx"
    write_workbook(hostile(reference_dataset, leading_space=True), path)
    texts = text_cells(path)
    for text in (HYPERLINK, DDE, PLUS, MINUS, AT, TAB, CR, ERROR_CODE):
        assert text in texts, repr(text)


def test_item9_the_score_table_holds_texts_not_formulas(
    reference_dataset: Dataset, framework: Framework, tmp_path: Path
) -> None:
    data = hostile(reference_dataset, leading_space=True)
    path = tmp_path / "score.xlsx"
    write_scoretable(data, evaluate(data, framework), path)
    texts = text_cells(path)
    assert texts[0] == f"{HYPERLINK} 2023 年度部门整体支出绩效自评表"
    for text in (DDE, MINUS, TAB, ERROR_CODE):
        assert text in texts, repr(text)


def test_item9_the_review_table_holds_texts_not_formulas(
    reference_dataset: Dataset, framework: Framework, tmp_path: Path
) -> None:
    data = hostile(reference_dataset, leading_space=True)
    path = tmp_path / "review.xlsx"
    write_review_xlsx(monitor(data, framework, 6), path)
    texts = text_cells(path)
    assert texts[0] == f"{HYPERLINK}2023年绩效监控表（截至6月）"
    for text in (DDE, HYPERLINK, MINUS):
        assert text in texts, repr(text)


def test_item9_export_then_import_is_exact(reference_dataset: Dataset, tmp_path: Path) -> None:
    original = hostile(reference_dataset, leading_space=False)
    path = tmp_path / "export.xlsx"
    write_workbook(original, path)
    dataset, problems = read_workbook(path)
    assert problems == []
    assert dataset == original
