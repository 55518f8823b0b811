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
from enum import Enum


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
    code: str
    message: str
    location: SourceLocation
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}：{self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
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
