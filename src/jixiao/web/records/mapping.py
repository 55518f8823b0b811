"""Saving a core data set into the database and reading it back, through the table schema.

Reading goes through the same ``RowReader`` as files and workbooks, so the database is held to
the same checks and its problems are reported in the same words (``数据库 项目 第 3 行``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import models, transaction

from jixiao.adapters.assemble import (
    DEPARTMENT,
    PUBLISHED,
    DepartmentRow,
    Parts,
    assemble,
    disassemble,
    read_rows,
)
from jixiao.adapters.tables import ALL_TABLES, Choice, Column, Kind, Table
from jixiao.core.model import Dataset, Origin
from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.organizations.models import Department, Division, SelfEvaluation
from jixiao.web.records import models as records
from jixiao.web.records.numbers import NumberOrText

MODELS: Mapping[str, type[records.Record]] = {
    "budget_lines": records.BudgetLine,
    "key_tasks": records.KeyTask,
    "projects": records.Project,
    "project_funds": records.ProjectFunds,
    "indicators": records.Indicator,
    "ex_ante_evaluations": records.ExAnteEvaluation,
    "audit_findings": records.AuditFinding,
    "disclosures": records.Disclosure,
    "contracts": records.Contract,
    "assets": records.Asset,
    "expenses": records.Expense,
    "assessments": records.Assessment,
    "narrative": records.NarrativeSection,
    "spending_plans": records.SpendingPlan,
    "forecasts": records.IndicatorForecast,
    "published": records.PublishedFigure,
}
TABLES: tuple[Table[Any], ...] = (*ALL_TABLES, PUBLISHED)
WAN = Decimal(10_000)
CENT = Decimal("0.01")


def field_of(column: Column) -> str:
    """The model field holding a column: ``adjusted_budget_wan`` → ``adjusted_budget`` (元)."""
    for suffix in ("_wan", "_yuan"):
        if column.key.endswith(suffix):
            return column.key[: -len(suffix)]
    return column.key


def cells_of(instance: records.Record, table: Table[Any]) -> dict[str, object]:
    """A stored record as the raw cells of its table (amounts in the column's unit; a value
    that is a number or a text as the text it was written in, ``1300.0`` or ``达到预期``)."""
    cells: dict[str, object] = {}
    for column in table.columns:
        value = getattr(instance, field_of(column))
        if column.key == "division":
            value = value.name if value is not None else None
        elif column.kind is Kind.WAN and value is not None:
            value = value / WAN
        cells[column.key] = value
    return cells


def _is_text(model: type[records.Record], name: str) -> bool:
    """Whether the field ``name`` holds a text (blank rather than null); a value that is a
    number or a text (:class:`NumberOrText`) is blank when given None."""
    if isinstance(getattr(model, name, None), NumberOrText):
        return False
    return isinstance(model._meta.get_field(name), models.CharField | models.TextField)


def fields_of(table: Table[Any], record: Any, divisions: dict[str, Division]) -> dict[str, Any]:
    """A core record as the model fields of its table (amounts in 元, divisions as rows; a
    value that is a number or a text as its text, which the model stores as a number when it
    is one: ``records.numbers``)."""
    values = table.cells(record)
    fields: dict[str, Any] = {}
    model = MODELS[table.key]
    for column in table.columns:
        value = values.get(column.key)
        name = field_of(column)
        if column.key == "division":
            value = divisions[value] if value else None
        elif isinstance(value, Choice):
            value = value.code
        elif column.kind is Kind.WAN and value is not None:
            value = (value * WAN).quantize(CENT)
        elif column.kind is Kind.RECONSTRUCTED:
            value = ";".join(value or ())
        elif column.kind is Kind.VALUE and value is not None:
            value = f"{value:f}" if isinstance(value, Decimal) else str(value)
        if value is None and _is_text(model, name):
            value = ""
        fields[name] = value
    return fields


def division_names(tables: Mapping[str, list[Any]]) -> set[str]:
    """The divisions named by a data set's records (``disassemble``'s tables)."""
    return {
        record.division
        for key in ("key_tasks", "projects", "indicators", "spending_plans", "forecasts")
        for record in tables[key]
        if record.division
    }


@transaction.atomic
def save_dataset(dataset: Dataset, framework: str) -> SelfEvaluation:
    """Store ``dataset`` as its department's self-evaluation for the year, replacing the
    records there; all or nothing."""
    department, _ = Department.objects.update_or_create(
        code=dataset.department.code, defaults={"name": dataset.department.name}
    )
    evaluation, _ = SelfEvaluation.objects.update_or_create(
        department=department,
        fiscal_year=dataset.fiscal_year,
        defaults={"framework": framework, "special_fund_name": dataset.special_fund_name},
    )
    tables = disassemble(dataset)
    divisions = {
        name: Division.objects.get_or_create(department=department, name=name)[0]
        for name in sorted(division_names(tables))
    }
    for table in TABLES:
        model = MODELS[table.key]
        model._default_manager.filter(evaluation=evaluation).delete()
        model._default_manager.bulk_create(
            model(evaluation=evaluation, position=position, **fields_of(table, record, divisions))
            for position, record in enumerate(tables[table.key], start=1)
        )
    return evaluation


def row_location(table: Table[Any], position: int) -> SourceLocation:
    """Where a stored row is said to be in problems and in the evaluation's references:
    ``数据库 项目 第 3 行`` (shown as ``项目 第 3 行``)."""
    return SourceLocation("数据库", sheet=table.sheet, row=position)


def load_dataset(evaluation: SelfEvaluation) -> tuple[Dataset | None, list[Problem]]:
    """The data set stored for ``evaluation`` and every problem found reading it."""
    stored = read_stored(evaluation)
    return stored.dataset, stored.problems


@dataclass(frozen=True)
class TableRead:
    """One table of a self-evaluation as read back: the SHA-256 of its stored cells, the
    records built from them, the problems met building them, and the rows left out (their codes
    where they gave one). What a change of one table reuses of the others
    (:func:`read_stored`'s ``earlier``)."""

    digest: bytes
    identity: bytes  # the SHA-256 of the rows' database ids, in order
    records: tuple[Any, ...]
    problems: tuple[Problem, ...]
    left_out: bool
    unread: frozenset[str]
    blind: bool

    @cached_property
    def version(self) -> str:
        """Changes whenever the table's rows or their ids change (a page listing the rows,
        with links to each, is kept under it)."""
        return hashlib.sha256(self.digest + self.identity).hexdigest()

    def replay(self, table: Table[Any], parts: Parts) -> None:
        """Put this table's records and problems into ``parts`` as reading it again would."""
        parts.read.problems.extend(self.problems)
        if self.left_out:
            parts.incomplete.add(table.key)
        if self.unread:
            parts.unread.setdefault(table.key, set()).update(self.unread)
        if self.blind:
            parts.blind.add(table.key)
        if table is PUBLISHED:
            parts.published = list(self.records)
        else:
            parts.records[table.key] = list(self.records)


@dataclass(frozen=True)
class Stored:
    """What is stored for a self-evaluation: its data set (None when the rows cannot be put
    together), every problem found reading it, the SHA-256 of the stored cells — the same
    rows give the same digest, whatever their database ids — and each table as read."""

    dataset: Dataset | None
    problems: list[Problem]
    digest: str
    tables: Mapping[str, TableRead]


def read_stored(
    evaluation: SelfEvaluation,
    *,
    earlier: Mapping[str, TableRead] | None = None,
    changed: frozenset[str] = frozenset(),
) -> Stored:
    """Read ``evaluation``'s data set back from its rows and check it whole. With ``earlier``
    (the tables as read at the last change) only the tables named in ``changed`` are read
    from the database again: the caller vouches that no other table's rows changed since."""
    parts = Parts()
    parts.department = DepartmentRow(
        evaluation.department.code,
        evaluation.department.name,
        evaluation.fiscal_year,
        evaluation.special_fund_name,
        Origin(SourceLocation("数据库", sheet=DEPARTMENT.sheet)),
    )
    digest = hashlib.sha256(
        repr((evaluation.department.code, evaluation.fiscal_year)).encode()
        + repr((evaluation.department.name, evaluation.special_fund_name)).encode()
    )
    tables: dict[str, TableRead] = {}
    for table in TABLES:
        kept = None if earlier is None or table.key in changed else earlier.get(table.key)
        tables[table.key] = kept if kept is not None else _read_table(evaluation, table)
        tables[table.key].replay(table, parts)
        digest.update(table.key.encode() + tables[table.key].digest)
    dataset, problems = assemble(parts)
    return Stored(dataset, problems, digest.hexdigest(), tables)


def _read_table(evaluation: SelfEvaluation, table: Table[Any]) -> TableRead:
    model = MODELS[table.key]
    instances = model._default_manager.filter(evaluation=evaluation).select_related(
        *(["division"] if any(c.key == "division" for c in table.columns) else [])
    )
    rows = [
        (cells_of(instance, table), row_location(table, instance.position))
        for instance in instances
    ]
    digest = hashlib.sha256()
    for cells, where in rows:
        digest.update(repr((where.row, sorted(cells.items()))).encode())
    identity = hashlib.sha256(repr([instance.pk for instance in instances]).encode())
    parts = Parts()
    records = read_rows(table, rows, parts.read, parts)
    return TableRead(
        digest.digest(),
        identity.digest(),
        tuple(records),
        tuple(parts.read.problems),
        table.key in parts.incomplete,
        frozenset(parts.unread.get(table.key, ())),
        table.key in parts.blind,
    )
