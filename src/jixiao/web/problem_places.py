"""Where each problem of a stored data set is fixed: the ledger row, and its field, it names.

A problem read from the database is located by its table's sheet name and the row's position
(``预算 第 1 行``, column ``adjusted_wan``): the sheet names the ledger, the position its row.
The pages show every problem with a link to that row's form, at the field — when the user may
read the row; a problem elsewhere (another division's row, the department itself) is shown
without one. The message stays the core's Chinese, in every interface language, and its code
(``E-BUDGET-TOTAL``) is the language-neutral handle; only the words around it are translated
(docs/decisions/0015-evaluation-with-problems.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.editing import LEDGERS, Ledger, rows_of
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.policy import Who

BY_SHEET = {ledger.title: ledger for ledger in LEDGERS.values()}


@dataclass(frozen=True)
class Placed:
    """A problem as a page shows it."""

    problem: Problem
    place: str  # in the interface language: 预算 第 1 行 / 预算 row 1
    field: str  # the column's label, or ""
    table: str | None = None  # the ledger and row id, when the user may read the row
    row: int | None = None
    column: str | None = None
    url: str | None = None  # the row's form, at the field

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def message(self) -> str:
        return self.problem.message

    @property
    def severity(self) -> str:
        return self.problem.severity.value

    def as_dict(self) -> dict[str, str | int | None]:
        """For the API: the problem, and the table, row id and column to change (the row's URL
        is ``/api/evaluations/<id>/tables/<table>/<row>/``)."""
        return {
            **self.problem.as_dict(),
            "table": self.table,
            "row": self.row,
            "column": self.column,
        }


def place_of(where: SourceLocation) -> str:
    """A location in the interface language: ``预算 第 1 行`` (``预算 row 1``), ``项目!H3``."""
    if where.sheet is not None and where.cell is None and where.row is not None:
        return f"{where.sheet} " + _("第 %(position)s 行") % {"position": where.row}
    return str(where)


def placed(user: Who, record: SelfEvaluation, problems: Iterable[Problem]) -> list[Placed]:
    """``problems`` with the place of each, linked to the row ``user`` may read."""
    problems = list(problems)
    wanted: dict[str, set[int]] = {}
    for problem in problems:
        ledger = _ledger_of(problem.location)
        if ledger is not None and problem.location.row is not None:
            wanted.setdefault(ledger.key, set()).add(problem.location.row)
    ids: dict[tuple[str, int], int] = {}
    for key, positions in wanted.items():
        found = rows_of(user, record, LEDGERS[key]).filter(position__in=positions)
        for position, pk in found.values_list("position", "pk"):
            ids[key, position] = pk
    return [_placed(problem, record, ids) for problem in problems]


def unlinked(problems: Iterable[Problem]) -> list[Placed]:
    """Problems of a file not stored yet (an uploaded workbook): placed by sheet and cell,
    never linked — a workbook's row is no ledger row."""
    return [Placed(problem, place_of(problem.location), "") for problem in problems]


def _ledger_of(where: SourceLocation) -> Ledger | None:
    return BY_SHEET.get(where.sheet) if where.sheet is not None else None


def _placed(problem: Problem, record: SelfEvaluation, ids: dict[tuple[str, int], int]) -> Placed:
    where = problem.location
    ledger = _ledger_of(where)
    if ledger is None or where.row is None:
        return Placed(problem, place_of(where), "")
    key = ledger.column_for_field(where.column)
    column = next((c for c in ledger.columns if c.key == key), None)
    label = column.label if column is not None else ""
    pk = ids.get((ledger.key, where.row))
    if pk is None:
        return Placed(problem, place_of(where), label)
    url = reverse("row", args=[record.pk, ledger.key, pk]) + (f"#id_{key}" if key else "")
    return Placed(problem, place_of(where), label, ledger.key, pk, key, url)
