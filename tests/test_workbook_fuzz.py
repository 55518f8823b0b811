"""Mutated workbooks never produce a traceback: only problems, or a data set that evaluates."""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.frameworks import load_framework
from jixiao.adapters.workbook import read_workbook, write_workbook
from jixiao.core.evaluation import evaluate

from .conftest import REFERENCE

FRAMEWORK = load_framework("guangzhou-department-overall-2023")

odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=12
) | st.sampled_from(
    [
        "‮عربي",
        "𠜎𠜱",
        "🧾💴",
        "\u200b",
        "Ｔ１",
        "１２３．４５",
        "  ",
        "是",
        "否",
        "定性",
        "≥",
        "=A1+1",
        "#N/A",
        "1,000",
        "1e400",
        "-0",
        "NaN",
    ]
)
cell_values = st.one_of(
    st.none(),
    odd_text,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1/0", "=SUM(A1:A3)", "=NOW()", '=CONCAT("P","01")']),
)


@st.composite
def mutations(draw: st.DrawFn) -> list[tuple[str, object]]:
    kinds = st.sampled_from(
        [
            "cell",
            "cell",
            "cell",
            "blank_rows",
            "merge",
            "drop_sheet",
            "extra_sheet",
            "rename_sheet",
            "header",
            "clear_sheet",
        ]
    )
    return [(draw(kinds), draw(st.integers(0, 10_000))) for _ in range(draw(st.integers(1, 6)))] + [
        ("values", draw(st.lists(cell_values, min_size=6, max_size=6)))
    ]


@pytest.fixture(scope="module")
def workbook_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "reference.xlsx"
    write_workbook(load_dataset(REFERENCE), path)
    return path.read_bytes()


def mutate(data: bytes, plan: list[tuple[str, object]]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    values = list(plan[-1][1])  # type: ignore[arg-type]
    for kind, seed in plan[:-1]:
        assert isinstance(seed, int)
        names = book.sheetnames
        sheet = book[names[seed % len(names)]]
        row = 1 + seed % (sheet.max_row + 2)
        column = 1 + (seed // 7) % (sheet.max_column + 2)
        if kind == "cell" or kind == "header":
            value = values.pop() if values else None
            # openpyxl refuses some values and merged cells itself; neither could a user.
            with contextlib.suppress(ValueError, TypeError, AttributeError):  # merged cells
                sheet.cell(row=1 if kind == "header" else row, column=column, value=value)
        elif kind == "blank_rows":
            sheet.insert_rows(row, amount=1 + seed % 3)
        elif kind == "merge":
            sheet.merge_cells(
                start_row=row,
                start_column=column,
                end_row=row + seed % 3,
                end_column=column + seed % 2,
            )
        elif kind == "drop_sheet" and len(names) > 1:
            del book[sheet.title]
        elif kind == "extra_sheet":
            book.create_sheet(f"附表{seed}")["A1"] = "随便写的"
        elif kind == "rename_sheet":
            sheet.title = f"{sheet.title}（改）"
        elif kind == "clear_sheet":
            sheet.delete_rows(1, sheet.max_row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(plan=mutations())
def test_mutated_workbooks_give_problems_or_a_dataset(
    workbook_bytes: bytes, plan: list[tuple[str, object]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("case") / "mutated.xlsx"
    path.write_bytes(mutate(workbook_bytes, plan))
    dataset, problems = read_workbook(path)
    assert all(problem.message and problem.code for problem in problems)
    if dataset is not None and not any(p.severity.value == "error" for p in problems):
        evaluation = evaluate(dataset, FRAMEWORK)
        assert evaluation.root.score >= 0


def test_truncated_file_is_a_problem(workbook_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(workbook_bytes[: len(workbook_bytes) // 2])
    dataset, problems = read_workbook(path)
    assert dataset is None
    assert [p.code for p in problems] == ["E-WORKBOOK"]
