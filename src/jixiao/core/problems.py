"""Errors are data: every problem carries a stable code, a Chinese message and its location.

Loaders and validators collect problems instead of raising at the first one, so a user sees
every mistake in a file at once. Nothing is written while an error stands.

>>> where = SourceLocation("projects.csv", row=5, column="adjusted_budget_wan")
>>> str(Problem("E-AMOUNT", "金额不是数字：“abc”", where))
'projects.csv 第 5 行 adjusted_budget_wan：金额不是数字：“abc”'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum


class ProblemCode(StrEnum):
    """Every problem code jixiao reports. A member is its text (``ProblemCode.E_RANGE ==
    "E-RANGE"``), so comparisons, messages and JSON read the same as a plain code. ``E-`` is an
    error, ``W-`` a warning."""

    E_AMOUNT = "E-AMOUNT"
    E_ASSESSMENT_MISSING = "E-ASSESSMENT-MISSING"
    E_BUDGET_TOTAL = "E-BUDGET-TOTAL"
    E_FUNDS_TOTAL = "E-FUNDS-TOTAL"
    E_CALENDAR = "E-CALENDAR"
    E_CELL_TOO_LONG = "E-CELL-TOO-LONG"
    E_CELL_UNREADABLE = "E-CELL-UNREADABLE"
    E_CENTS = "E-CENTS"
    E_CHOICE = "E-CHOICE"
    E_CIRCULAR = "E-CIRCULAR"
    E_COHORT = "E-COHORT"
    E_COLUMN_DUPLICATE = "E-COLUMN-DUPLICATE"
    E_COLUMN_MISSING = "E-COLUMN-MISSING"
    E_COLUMN_UNKNOWN = "E-COLUMN-UNKNOWN"
    E_CONTROL_CHARACTER = "E-CONTROL-CHARACTER"
    E_DATASET_EXISTS = "E-DATASET-EXISTS"
    E_DATE = "E-DATE"
    E_DATE_ORDER = "E-DATE-ORDER"
    E_DIVISION = "E-DIVISION"
    E_DUPLICATE_CODE = "E-DUPLICATE-CODE"
    E_DUPLICATE_ID = "E-DUPLICATE-ID"
    E_DUPLICATE_VOUCHER = "E-DUPLICATE-VOUCHER"
    E_FIELD_OWNER = "E-FIELD-OWNER"
    E_FIELD_UNKNOWN = "E-FIELD-UNKNOWN"
    E_FILE_MISSING = "E-FILE-MISSING"
    E_FILE_READ = "E-FILE-READ"
    E_FLAG = "E-FLAG"
    E_FRAMEWORK_UNKNOWN = "E-FRAMEWORK-UNKNOWN"
    E_GRADES = "E-GRADES"
    E_HEADER = "E-HEADER"
    E_INDICATOR_OWNER = "E-INDICATOR-OWNER"
    E_INTEGER = "E-INTEGER"
    E_LEDGER_YEAR = "E-LEDGER-YEAR"
    E_METRIC = "E-METRIC"
    E_MONTHLY_TOTAL = "E-MONTHLY-TOTAL"
    E_MONTHS = "E-MONTHS"
    E_MONTHS_MISSING = "E-MONTHS-MISSING"
    E_NEGATIVE = "E-NEGATIVE"
    E_NOT_DATASET = "E-NOT-DATASET"
    E_NUMBER = "E-NUMBER"
    E_OTHER_EVALUATION = "E-OTHER-EVALUATION"
    E_OVERSPENT = "E-OVERSPENT"
    E_POINTS = "E-POINTS"
    E_POINTS_SUM = "E-POINTS-SUM"
    E_RANGE = "E-RANGE"
    E_RATE = "E-RATE"
    E_REASON_REQUIRED = "E-REASON-REQUIRED"
    E_RECONSTRUCTED = "E-RECONSTRUCTED"
    E_REQUIRED = "E-REQUIRED"
    E_ROW_WIDTH = "E-ROW-WIDTH"
    E_RULE_FIELD = "E-RULE-FIELD"
    E_SCOPE = "E-SCOPE"
    E_SHEET_MISSING = "E-SHEET-MISSING"
    E_SHEET_TOO_LARGE = "E-SHEET-TOO-LARGE"
    E_THRESHOLDS = "E-THRESHOLDS"
    E_TIER = "E-TIER"
    E_TOO_LONG = "E-TOO-LONG"
    E_TYPE = "E-TYPE"
    E_UNKNOWN_FIELD = "E-UNKNOWN-FIELD"
    E_UNKNOWN_FUNDING_SOURCE = "E-UNKNOWN-FUNDING-SOURCE"
    E_UNKNOWN_INDICATOR = "E-UNKNOWN-INDICATOR"
    E_UNKNOWN_NODE = "E-UNKNOWN-NODE"
    E_UNKNOWN_PROJECT = "E-UNKNOWN-PROJECT"
    E_UNKNOWN_TASK = "E-UNKNOWN-TASK"
    E_WORKBOOK = "E-WORKBOOK"
    E_WORKBOOK_TOO_LARGE = "E-WORKBOOK-TOO-LARGE"
    E_WRITE = "E-WRITE"
    E_YAML = "E-YAML"
    E_ZERO_TARGET = "E-ZERO-TARGET"
    W_COHORT_CHANGED = "W-COHORT-CHANGED"
    W_COHORT_OUTSIDE = "W-COHORT-OUTSIDE"
    W_COHORT_PENDING = "W-COHORT-PENDING"
    W_NO_INDICATORS = "W-NO-INDICATORS"
    W_PLAN_TOTAL = "W-PLAN-TOTAL"
    W_PUBLISHED_INCONSISTENT = "W-PUBLISHED-INCONSISTENT"
    W_PUBLISHED_MISMATCH = "W-PUBLISHED-MISMATCH"
    W_SHEET_UNKNOWN = "W-SHEET-UNKNOWN"


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a value came from: a file, and within it a sheet, cell, row, column or path."""

    file: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    cell: str | None = None
    path: str | None = None
    cell_map: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        if self.sheet is not None:
            if self.cell is not None:
                return f"{self.sheet}!{self.cell}"
            return self.sheet if self.row is None else f"{self.sheet} 第 {self.row} 行"
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column is not None:
            parts.append(self.column)
        if self.path is not None:
            parts.append(self.path)
        return " ".join(parts)

    def at(self, column: str) -> SourceLocation:
        """The location of one field of the record here: a YAML path, a worksheet cell (when
        ``cell_map`` knows the field's cell) or a CSV column."""
        if self.path is not None:
            return self.child(column)
        cell = dict(self.cell_map).get(column)
        if self.sheet is not None and cell is not None:
            return replace(self, column=column, cell=cell, cell_map=())
        return replace(self, column=column, cell_map=())

    def child(self, path: str) -> SourceLocation:
        """The location of a field inside this one (``nodes[0]`` → ``nodes[0].points``)."""
        if self.path is None:
            joined = path
        elif path.startswith("["):
            joined = f"{self.path}{path}"
        else:
            joined = f"{self.path}.{path}"
        return replace(self, path=joined)


@dataclass(frozen=True, slots=True)
class Problem:
    code: str  # a ProblemCode; the core always gives one, the adapters may still give its text
    message: str
    location: SourceLocation
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}：{self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "code": str(self.code),
            "severity": self.severity.value,
            "location": str(self.location),
            "message": self.message,
        }


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.severity is Severity.ERROR]


class ProblemsFound(Exception):
    """Raised by a loader when a source has errors; carries all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
