"""Reading and changing the stored records of a self-evaluation, table by table.

Every table of ``adapters/tables.py`` is a *ledger* here. A change is checked by the table's
``RowReader`` — the same checks and the same Chinese messages as files and workbooks — then
saved, then the whole data set is read back: a new error in the changed row itself (a duplicate
code, spending above the budget, monthly amounts that do not add up) refuses the change and
nothing is written; a new error elsewhere that only another change can clear (a budget line
whose projects no longer add up, a project pointing at a funding source not yet entered) is
saved and reported, because the data are entered one row at a time.

Scopes, as the access policy gives them (``web/policy.py``, ``Actor.scope_on``): the finance
reviewer reads and changes every ledger of the department; a division filler
reads only the rows of their own division in the key tasks, projects, indicators, spending plans
and forecasts, and changes there only the fields a division owns (:data:`DIVISION_FIELDS`): the
finance office keeps budgets, funding sources, spending, targets and the management facts; the
unit leader and the finance bureau read. The same rule cuts everything else a division filler is
shown (:func:`readable`, ``web/visibility.py``): the department's totals and grade, the details
of their own rows only; the department's documents go only to those who read every row
(:func:`reads_whole_department`). Changes are refused while the self-evaluation is locked
(``workflow.is_editable``), and a submitted division's rows stay locked for everyone, the finance
office included, until it is returned (:func:`division_lock`) — one rule for forms, the API and
workbook uploads. A refusal is typed (``web/errors.py``): outside the scope ``NotFound`` (404),
locked ``Locked`` (409), a division adding or removing rows ``Forbidden`` (409), a field it does
not own ``FieldOwner`` (400), invalid cells ``Invalid`` (400) with every problem at its column.
Each change is an audit event (``audit.events.row_saved``/``row_deleted``) with the changed
columns before and after, and the reason given.

A field that was reconstructed and is now changed by a person is no longer reconstructed: it is
taken off the row's list of reconstructed fields (unless the same change edits that list).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jixiao.adapters.assemble import format_cell, read_rows
from jixiao.adapters.tables import Column, Kind, Table
from jixiao.core.fields import FieldReader
from jixiao.core.problems import Problem, Severity, SourceLocation
from jixiao.web.audit import events
from jixiao.web.audit.events import AuditAction
from jixiao.web.errors import FieldOwner, Forbidden, Invalid, Locked, NotFound
from jixiao.web.organizations.models import Division, SelfEvaluation
from jixiao.web.policy import DIVISION_FIELDS as DIVISION_FIELDS  # where the tests look
from jixiao.web.policy import (
    DIVISION_TABLES,
    Scope,
    Who,
    as_actor,
)
from jixiao.web.records.mapping import (
    MODELS,
    TABLES,
    cells_of,
    field_of,
    fields_of,
    row_location,
)
from jixiao.web.records.models import Indicator, Project, Record, Sourced
from jixiao.web.results.store import kept, refresh, stored_data_problems
from jixiao.web.workflow import is_editable, may_change_division

# Errors that another row's change can clear: saved and reported, not refused.
CROSS_ROW_CODES = frozenset(
    {"E-UNKNOWN-FUNDING-SOURCE", "E-UNKNOWN-TASK", "E-UNKNOWN-PROJECT", "E-BUDGET-TOTAL"}
)
# How a message names a row: the first of its identifying columns, then its name.
LABEL_COLUMNS = (
    ("code", "funding_source", "project", "indicator", "category", "item", "node", "section"),
    ("name", "title"),
)


@dataclass(frozen=True)
class Ledger:
    """One table of a self-evaluation's data set as the pages and the API show it."""

    table: Table[Any]

    @property
    def key(self) -> str:
        return self.table.key

    @property
    def title(self) -> str:
        return self.table.sheet

    @property
    def model(self) -> type[Record]:
        return MODELS[self.table.key]

    @property
    def by_division(self) -> bool:
        return self.table.key in DIVISION_TABLES

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.table.columns

    @property
    def summary_columns(self) -> tuple[Column, ...]:
        """The columns a list of rows shows: all but the months, the reconstructed fields
        (shown as a mark at each cell) and the source note."""
        return tuple(
            c
            for c in self.table.columns
            if c.kind is not Kind.RECONSTRUCTED and c.key != "note" and c.field != "monthly_spent"
        )

    def column_for_field(self, name: str | None) -> str | None:
        """The column where a problem about field ``name`` is shown (``monthly_spent`` → the
        first month's column)."""
        return next((c.key for c in self.table.columns if name in (c.key, c.field_name)), None)


LEDGERS: dict[str, Ledger] = {table.key: Ledger(table) for table in TABLES}


def ledger_or_none(key: str) -> Ledger | None:
    return LEDGERS.get(key)


def scope_of(who: Who, record: SelfEvaluation, ledger: Ledger) -> Scope:
    """``who``'s rights on ``ledger`` of ``record`` (:meth:`Actor.scope_on`)."""
    return as_actor(who).scope_on(record, ledger.key)


def lock_of(record: SelfEvaluation, scope: Scope) -> str | None:
    """Why the data are locked for someone with ``scope`` now — the year is past 填报中, or
    (for a division filler) the division has submitted its part; None when they are open."""
    if not is_editable(record):
        return _("年度绩效自评“%(status)s”，数据已锁定；退回后才能修改") % {
            "status": record.get_status_display()
        }
    if scope.division is not None and not may_change_division(record, scope.division):
        return _("本处室已提交，数据已锁定；财务退回后才能修改")
    return None


def division_lock(record: SelfEvaluation, *divisions: Division | None) -> str | None:
    """Why rows of these divisions cannot be changed by anyone now: one of them has submitted
    its part (until the finance office returns it); None when none has. The same rule holds for
    a form, the API and a workbook upload."""
    for division in dict.fromkeys(d for d in divisions if d is not None):  # each once
        if not may_change_division(record, division):
            return _("%(division)s已提交，其数据已锁定；退回该处室后才能修改") % {
                "division": division.name
            }
    return None


def may_change_now(who: Who, record: SelfEvaluation, ledger: Ledger) -> bool:
    """Whether ``who`` may change ``ledger`` at this moment: in scope and not locked."""
    scope = scope_of(who, record, ledger)
    return scope.write and lock_of(record, scope) is None


def ledger_or_404(
    who: Who | AnonymousUser, pk: int, table: str
) -> tuple[SelfEvaluation, Ledger, Scope]:
    """A self-evaluation's table that ``who`` may read, with their rights on it; 404
    otherwise, as for anything outside a scope."""
    actor = as_actor(who)
    record = actor.evaluation_or_404(pk)
    ledger = ledger_or_none(table)
    if ledger is not None:
        scope = actor.scope_on(record, ledger.key)
        if scope.read:
            return record, ledger, scope
    raise NotFound(_("没有这个表，或您无权查看"))


def readable_ledgers(who: Who, record: SelfEvaluation) -> list[tuple[Ledger, Scope]]:
    actor = as_actor(who)
    found = ((ledger, actor.scope_on(record, ledger.key)) for ledger in LEDGERS.values())
    return [(ledger, scope) for ledger, scope in found if scope.read]


def rows_of(who: Who, record: SelfEvaluation, ledger: Ledger) -> QuerySet[Record]:
    """The rows of ``ledger`` that ``who`` may read, in order."""
    scope = scope_of(who, record, ledger)
    model: Any = ledger.model  # lookups by the ledger's columns, which the base model lacks
    rows: QuerySet[Any] = model.objects.filter(evaluation=record).order_by("position")
    if not scope.read:
        return rows.none()
    if ledger.by_division:
        rows = rows.select_related("division")
    if scope.division is not None:
        rows = rows.filter(division=scope.division)
    return rows


def row_counts(who: Who, record: SelfEvaluation, ledgers: Iterable[Ledger]) -> dict[str, int]:
    """How many rows of each of ``ledgers`` ``who`` reads, counted in one query.

    Written as SQL (``SELECT … UNION ALL …`` over the ledgers' own tables, the values passed as
    parameters): Django would compile fifteen subqueries on every request of the data page."""
    parts: list[str] = []
    values: list[str | int] = []
    for ledger in ledgers:
        scope = scope_of(who, record, ledger)
        if not scope.read:
            continue
        table = connection.ops.quote_name(ledger.model._meta.db_table)
        where = "evaluation_id = %s"
        values += [ledger.key, record.pk]
        if scope.division is not None:
            where += " AND division_id = %s"
            values.append(scope.division.pk)
        parts.append(f"SELECT %s, COUNT(*) FROM {table} WHERE {where}")
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), values)
        return {str(key): int(count) for key, count in cursor.fetchall()}


def reads_whole_department(who: Who, record: SelfEvaluation) -> bool:
    """Whether ``who`` reads every row of every ledger of ``record``
    (:meth:`Actor.reads_whole_department`)."""
    return as_actor(who).reads_whole_department(record)


@dataclass(frozen=True)
class Readable:
    """The rows of one self-evaluation that one user reads, for cutting the department's
    results down to them (``web/visibility.py``). ``whole``: every row, nothing is cut."""

    whole: bool
    division: Division | None = None
    sheets: frozenset[str] = frozenset()  # the tables read (their sheet names)
    references: frozenset[str] = frozenset()  # each readable row as results cite it
    rows: frozenset[tuple[str, int]] = frozenset()  # (sheet, position) of each readable row
    codes: Mapping[str, frozenset[str]] = field(default_factory=dict)  # by table key
    names: Mapping[str, frozenset[str]] = field(default_factory=dict)  # by table key
    unreadable_names: frozenset[str] = frozenset()  # other divisions' tasks, projects, …

    @cached_property
    def key(self) -> str:
        """What the results shown to this sight depend on: everything, or exactly these rows
        of one division (so a rendering cut for the rows as they were is never shown for the
        rows as they are)."""
        if self.whole:
            return "whole"
        division = self.division.pk if self.division is not None else "none"
        content = repr(
            (
                sorted(self.sheets),
                sorted(self.rows),
                sorted(self.references),
                sorted((k, sorted(v)) for k, v in self.codes.items()),
                sorted((k, sorted(v)) for k, v in self.names.items()),
                sorted(self.unreadable_names),
            )
        )
        return f"division-{division}-{hashlib.sha256(content.encode()).hexdigest()[:32]}"

    def reads_row(self, sheet: str | None, position: int | None) -> bool:
        return self.whole or (sheet, position) in self.rows

    def reads_all_of(self, references: Iterable[str]) -> bool:
        """Whether every record cited (``项目 第 3 行``) is one the user reads."""
        return self.whole or all(reference in self.references for reference in references)

    def names_unreadable(self, text: str) -> bool:
        """Whether ``text`` names another division's key task, project or indicator."""
        return not self.whole and any(name in text for name in self.unreadable_names)

    def code_of(self, table: str, code: str) -> bool:
        return self.whole or code in self.codes.get(table, frozenset())

    def name_of(self, table: str, name: str) -> bool:
        """Whether ``name`` is a readable row's of ``table`` and no other row's."""
        return self.whole or (
            name in self.names.get(table, frozenset()) and name not in self.unreadable_names
        )


def readable(who: Who, record: SelfEvaluation) -> Readable:
    """Which rows of ``record`` ``who`` reads, by the ledgers' own rule (:func:`rows_of`)."""
    actor = as_actor(who)
    if actor.reads_whole_department(record):
        return Readable(whole=True)
    sheets: set[str] = set()
    references: set[str] = set()
    rows: set[tuple[str, int]] = set()
    codes: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    unreadable: set[str] = set()
    for ledger in LEDGERS.values():
        scope = actor.scope_on(record, ledger.key)
        if scope.read:
            sheets.add(ledger.title)
        elif not ledger.by_division:
            continue  # neither read nor cited by another division's name: nothing to gather
        for row in _row_marks(record, ledger):
            labels = {row.get("name") or ""} - {""}
            own = scope.division is None or scope.division.pk == row.get("division")
            if not (scope.read and own):
                if ledger.by_division:  # others' rows are cited by reference, and refused so
                    unreadable |= labels
                continue
            rows.add((ledger.title, row["position"]))
            references.add(str(row_location(ledger.table, row["position"])))
            codes.setdefault(ledger.key, set()).add(str(row.get("code") or ""))
            names.setdefault(ledger.key, set()).update(labels)
    return Readable(
        whole=False,
        division=actor.division,
        sheets=frozenset(sheets),
        references=frozenset(references),
        rows=frozenset(rows),
        codes={key: frozenset(found) for key, found in codes.items()},
        names={key: frozenset(found) for key, found in names.items()},
        unreadable_names=frozenset(unreadable),
    )


def _row_marks(record: SelfEvaluation, ledger: Ledger) -> list[dict[str, Any]]:
    """What :func:`readable` needs of each row of ``ledger`` (one query): its position, name,
    code and division (the division's id under ``division``)."""
    present = {f.name for f in ledger.model._meta.get_fields()}
    wanted = [name for name in ("position", "name", "code") if name in present]
    rows = ledger.model._default_manager.filter(evaluation=record)
    if "division" not in present:
        return list(rows.values(*wanted))
    marks = rows.values(*wanted, "division_id")
    return [{**mark, "division": mark.pop("division_id")} for mark in marks]


def row_or_not_found(who: Who, record: SelfEvaluation, ledger: Ledger, pk: int) -> Record:
    row = rows_of(who, record, ledger).filter(pk=pk).first()
    if row is None:
        raise NotFound(_("没有这条%(table)s记录，或您无权查看") % {"table": ledger.title})
    return row


def row_cells(row: Record, ledger: Ledger) -> dict[str, str]:
    """A stored row as the text of its cells (amounts in the column's unit, as in files)."""
    cells = cells_of(row, ledger.table)
    return {c.key: _text(c, cells.get(c.key)) for c in ledger.columns}


def reconstructed_fields(row: Record) -> frozenset[str]:
    """The fields of ``row`` that are reconstructed, not published (``*``: all of them)."""
    stored = row.reconstructed if isinstance(row, Sourced) else ""
    return frozenset(name for name in stored.split(";") if name)


def is_reconstructed(row: Record, column: Column) -> bool:
    names = reconstructed_fields(row)
    return "*" in names or column.field_name in names


def field_labels(ledger: Ledger) -> dict[str, str]:
    """The fields that may be marked reconstructed, each by its column label: the names a
    person reads instead of ``division;funding_source``. A field spread over several columns
    (the 12 months) is named once, by its first and last column."""
    labels: dict[str, list[str]] = {}
    for column in ledger.columns:
        if column.kind is not Kind.RECONSTRUCTED:
            labels.setdefault(column.field_name, []).append(column.label)
    return {
        name: names[0] if len(names) == 1 else f"{names[0]}至{names[-1]}"
        for name, names in labels.items()
    }


def reconstructed_labels(row: Record, ledger: Ledger) -> list[str]:
    """The reconstructed fields of ``row`` as their column labels."""
    names = reconstructed_fields(row)
    return [label for name, label in field_labels(ledger).items() if "*" in names or name in names]


def row_label(row: Record, ledger: Ledger) -> str:
    """A row as messages and the audit log name it: its code and its name (a project is
    ``P18 商务经济…``, never ``P18 city`` after its funding source), a choice by its label
    (``结转结余``, not ``carryover``); its position when nothing names it."""
    cells = row_cells(row, ledger)
    parts = []
    for keys in LABEL_COLUMNS:
        key = next((k for k in keys if cells.get(k)), None)
        if key is not None:
            column = next(c for c in ledger.columns if c.key == key)
            choice = column.choice_for(cells[key]) if column.choices else None
            parts.append(choice.label if choice is not None else cells[key])
    return " ".join(parts) or f"第 {row.position} 行"


def _text(column: Column, value: object) -> str:
    if column.kind is Kind.RECONSTRUCTED and isinstance(value, str):
        return value
    if column.kind is Kind.WAN and value is not None:
        return f"{value.normalize():f}"  # type: ignore[attr-defined]
    text = format_cell(column, value, for_workbook=False)
    return str(text)


@dataclass
class Saved:
    row: Record
    warnings: list[Problem] = field(default_factory=list)


def _writable(who: Who, record: SelfEvaluation, ledger: Ledger) -> tuple[SelfEvaluation, Scope]:
    """The self-evaluation locked for the change, and the user's scope; refused when the user
    may not change the ledger (404) or the data are locked (409)."""
    rows = SelfEvaluation.objects.select_for_update(no_key=True, of=("self",))
    locked = rows.select_related("department").get(pk=record.pk)
    scope = scope_of(who, locked, ledger)
    if not scope.write:
        raise NotFound(_("没有这个表，或您无权修改%(table)s") % {"table": ledger.title})
    lock = lock_of(locked, scope)
    if lock is not None:
        raise Locked(lock)
    return locked, scope


def _error_keys(problems: Iterable[Problem]) -> set[tuple[object, ...]]:
    return {_key(p) for p in problems if p.severity is Severity.ERROR}


def _key(problem: Problem) -> tuple[object, ...]:
    where = problem.location
    return (problem.code, problem.message, where.sheet, where.row, where.column)


def _division_named(record: SelfEvaluation, name: str) -> Division | None:
    return Division.objects.filter(department_id=record.department_id, name=name).first()


@transaction.atomic
def save_row(
    who: Who,
    record: SelfEvaluation,
    ledger: Ledger,
    pk: int | None,
    given: Mapping[str, str],
    reason: str,
    *,
    action: AuditAction | None = None,
) -> Saved:
    """Create (``pk`` None) or change a row from the text of its cells in ``given`` (columns
    not given keep their value); refused with every problem at its column, nothing written."""
    actor = as_actor(who)
    record, scope = _writable(actor, record, ledger)
    row = None if pk is None else row_or_not_found(actor, record, ledger, pk)
    if row is None and scope.fields is not None:
        raise Forbidden(_("处室不能新增%(table)s，请联系财务审核人") % {"table": ledger.title})
    table = ledger.table
    position = row.position if row is not None else _next_position(record, ledger)
    old = row_cells(row, ledger) if row is not None else {}
    cells: dict[str, object] = dict(old)
    for column in ledger.columns:
        if column.key in given:
            cells[column.key] = str(given[column.key]).strip()
    if scope.division is not None:
        cells["division"] = scope.division.name
    where = SourceLocation(
        "表单",
        sheet=table.sheet,
        row=position,
        cell_map=tuple((c.key, c.key) for c in ledger.columns),
    )
    if scope.division is not None:
        _refuse_foreign_reference(record, ledger, cells, scope.division, where)
    read = FieldReader()
    built = read_rows(table, [(cells, where)], read)
    division_name = str(cells.get("division") or "")
    current = getattr(row, "division", None)  # read with the row
    if current is not None and current.name == division_name:
        division: Division | None = current
    else:
        division = _division_named(record, division_name) if division_name else None
    if division_name and division is None:
        names = "、".join(
            Division.objects.filter(department_id=record.department_id).values_list(
                "name", flat=True
            )
        )
        read.error(
            "E-DIVISION", f"处室“{division_name}”不存在（可选：{names}）", where.at("division")
        )
    if not built or read.problems:
        raise Invalid(_("%(table)s记录有误，未保存") % {"table": table.sheet}, read.problems)
    before_problems = _error_keys(stored_data_problems(record))
    values = fields_of(table, built[0], {division_name: division} if division else {})
    instance = row if row is not None else ledger.model(evaluation=record, position=position)
    old_division = getattr(row, "division", None) if row is not None else None
    changed = _assign(instance, values)
    if row is not None and not changed:
        return Saved(instance)
    _refuse_foreign_fields(scope, ledger, changed, where)
    lock = division_lock(record, old_division, getattr(instance, "division", None))
    if lock is not None:
        raise Locked(lock)
    if row is not None and "reconstructed" not in changed:
        _drop_reconstructed(instance, ledger, changed)
    instance.save()
    new_errors = [
        p
        for p in refresh(record, changed={table.key}, locked=True).data_problems
        if p.severity is Severity.ERROR and _key(p) not in before_problems
    ]
    refusing = [
        p
        for p in new_errors
        if p.location.sheet == table.sheet
        and p.location.row == position
        and p.code not in CROSS_ROW_CODES
    ]
    if refusing:
        raise Invalid(
            _("%(table)s记录有误，未保存") % {"table": table.sheet},
            [_at_form(p, ledger, where) for p in refusing],
        )
    after = row_cells(instance, ledger)
    events.row_saved(
        actor.signed_in,
        record,
        table.sheet,
        row_label(instance, ledger),
        before=_labelled(ledger, old, changed) if row is not None else None,
        after=_labelled(
            ledger, after, changed if row is not None else {field_of(c) for c in ledger.columns}
        ),
        reason=reason.strip(),
        division=division,
        action=action,
    )
    return Saved(instance, [p for p in new_errors if p not in refusing])


@transaction.atomic
def delete_row(
    who: Who, record: SelfEvaluation, ledger: Ledger, pk: int, reason: str
) -> list[Problem]:
    """Delete a row (a reason is required); returns the errors the deletion leaves elsewhere
    (a project whose funding source is gone), which the next changes must clear."""
    actor = as_actor(who)
    record, scope = _writable(actor, record, ledger)
    row = row_or_not_found(actor, record, ledger, pk)
    if scope.fields is not None:
        raise Forbidden(_("处室不能删除%(table)s，请联系财务审核人") % {"table": ledger.title})
    lock = division_lock(record, getattr(row, "division", None))
    if lock is not None:
        raise Locked(lock)
    if not reason.strip():
        missing = _("删除记录必须填写理由")
        where = SourceLocation("表单", sheet=ledger.title, row=row.position, cell="reason")
        raise Invalid(missing, [Problem("E-REQUIRED", missing, where)])
    before_problems = _error_keys(stored_data_problems(record))
    old = row_cells(row, ledger)
    label = row_label(row, ledger)
    row.delete()
    problems = refresh(record, changed={ledger.table.key}, locked=True).data_problems
    events.row_deleted(
        actor.signed_in,
        record,
        ledger.title,
        label,
        before=_labelled(ledger, old, {field_of(c) for c in ledger.columns}),
        reason=reason.strip(),
        division=getattr(row, "division", None),
    )
    return [p for p in problems if p.severity is Severity.ERROR and _key(p) not in before_problems]


# A division's plans and forecasts refer to its own projects and indicators.
REFERENCES: Mapping[str, tuple[str, type[Record]]] = {
    "spending_plans": ("project", Project),
    "forecasts": ("indicator", Indicator),
}


def _refuse_foreign_reference(
    record: SelfEvaluation,
    ledger: Ledger,
    cells: Mapping[str, object],
    division: Division,
    where: SourceLocation,
) -> None:
    """Refuse a division's row that names a project or indicator not of its own division —
    with the same words whether or not that code exists, so that no other division's codes or
    names can be learnt by trying."""
    if ledger.key not in REFERENCES:
        return
    column, model = REFERENCES[ledger.key]
    code = str(cells.get(column) or "").strip()
    manager: Any = model._default_manager  # both models have a code and a division
    if not code or manager.filter(evaluation=record, division=division, code=code).exists():
        return
    label = next(c.label for c in ledger.columns if c.key == column)
    problem = Problem(
        "E-DIVISION",
        _("“%(column)s”须为本处室的编码，“%(code)s”不是") % {"column": label, "code": code},
        where.at(column),
    )
    raise Invalid(_("%(table)s记录有误，未保存") % {"table": ledger.title}, [problem])


def _refuse_foreign_fields(
    scope: Scope, ledger: Ledger, changed: set[str], where: SourceLocation
) -> None:
    """Refuse a change of fields the scope does not own, each named at its field."""
    foreign = scope.foreign(changed)
    if not foreign:
        return
    problems = [
        Problem(
            "E-FIELD-OWNER",
            _("“%(column)s”由财务审核人填报，处室不能修改") % {"column": column.label},
            where.at(column.key),
        )
        for column in ledger.columns
        if field_of(column) in foreign
    ]
    raise FieldOwner(
        _("%(table)s中有处室不能修改的字段，未保存") % {"table": ledger.title}, problems
    )


def _next_position(record: SelfEvaluation, ledger: Ledger) -> int:
    last = ledger.model._default_manager.filter(evaluation=record).aggregate(models.Max("position"))
    return int(last["position__max"] or 0) + 1


def _assign(instance: Record, values: Mapping[str, Any]) -> set[str]:
    """Set the model fields; the names of the columns whose value changed."""
    changed = set()
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.add(name)
    return changed


def _drop_reconstructed(instance: Record, ledger: Ledger, changed: set[str]) -> None:
    if not isinstance(instance, Sourced) or not instance.reconstructed:
        return
    names = {c.field_name for c in ledger.columns if field_of(c) in changed}
    kept = ";".join(n for n in instance.reconstructed.split(";") if n and n not in names)
    if kept != instance.reconstructed:
        instance.reconstructed = kept
        changed.add("reconstructed")


def _labelled(ledger: Ledger, cells: Mapping[str, str], fields: set[str]) -> dict[str, str]:
    """The cells of the changed model fields, keyed by the columns' Chinese labels; the list
    of reconstructed fields by their labels too (``责任处室、资金来源编码``), not their keys."""
    return {
        c.label: _reconstructed_text(ledger, cells.get(c.key, ""))
        if c.kind is Kind.RECONSTRUCTED
        else cells.get(c.key, "")
        for c in ledger.columns
        if field_of(c) in fields
    }


def _reconstructed_text(ledger: Ledger, names: str) -> str:
    """``division;funding_source`` as ``责任处室、资金来源编码`` (``*`` as 整行)."""
    labels = field_labels(ledger) | {"*": "整行"}
    return "、".join(labels.get(name, name) for name in names.split(";") if name)


def _at_form(problem: Problem, ledger: Ledger, where: SourceLocation) -> Problem:
    """A problem found reading the data set back, placed at the form's field."""
    column = ledger.column_for_field(problem.location.column)
    location = where.at(column) if column else where
    return Problem(problem.code, problem.message, location, problem.severity)


# --- the indicators' quick fill -------------------------------------------------------------


def editable_rows(who: Who, record: SelfEvaluation, ledger: Ledger) -> list[Record]:
    """The rows ``who`` may change (whatever the lock)."""
    actor = as_actor(who)
    if not actor.scope_on(record, ledger.key).write:
        return []
    return list(rows_of(actor, record, ledger))


def fills_indicators(who: Who, record: SelfEvaluation, version: str = "") -> bool:
    """Whether ``who`` has indicators to fill in ``record`` (one query, no row read); with
    ``version``, the stored result's — a new one at every change of a row —, the answer is
    kept under it for the rows the actor writes (no query while kept)."""
    actor = as_actor(who)
    ledger = LEDGERS["indicators"]
    scope = actor.scope_on(record, ledger.key)
    if not scope.write:
        return False
    if not version:
        return rows_of(actor, record, ledger).exists()
    rows = scope.division.pk if scope.division is not None else "all"
    key = f"indicators-to-fill:{record.pk}:{version}:{rows}"
    return kept(key, lambda: rows_of(actor, record, ledger).exists())


def editable_indicators(who: Who, record: SelfEvaluation) -> list[Indicator]:
    return [
        row
        for row in editable_rows(who, record, LEDGERS["indicators"])
        if isinstance(row, Indicator)
    ]


def set_indicator_actual(
    who: Who, record: SelfEvaluation, indicator_id: int, actual: str, reason: str
) -> Indicator:
    """Set an indicator's 实际完成值; refused outside scope, when locked, or when invalid."""
    try:
        saved = save_row(
            who,
            record,
            LEDGERS["indicators"],
            indicator_id,
            {"actual": actual},
            reason,
            action=AuditAction.INDICATOR_ACTUAL_CHANGED,
        )
    except NotFound as refusal:
        raise NotFound(_("没有这个指标，或您无权修改")) from refusal
    assert isinstance(saved.row, Indicator)
    return saved.row
