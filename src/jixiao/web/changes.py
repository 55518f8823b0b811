"""Bringing a whole data set (an uploaded workbook, ``jixiao load --replace``) into a stored
self-evaluation as changes to its rows, never as a replacement.

Rows are matched by their table's natural key (a project by its code, a forecast by indicator
and month, see ``Table.natural_key``), so a row keeps its identity — its id in forms, the API
and the audit log — when its values change. :func:`plan_changes` lists every row added, changed
(with each changed cell before and after) or removed, and refuses, with the reason, each change
the one making it may not make: rows of a division that has submitted its part are locked for
everyone until it is returned (:func:`jixiao.web.editing.division_lock`, the rule forms and the
API follow too). :func:`apply_changes` makes the allowed changes in one transaction, after
checking that the plan shown is still the plan, and records the whole difference in the audit
log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.adapters.assemble import disassemble
from jixiao.adapters.tables import Table
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, Severity
from jixiao.web.audit import events
from jixiao.web.audit.events import AuditAction
from jixiao.web.audit.services import in_record_language
from jixiao.web.editing import LEDGERS, Ledger, division_lock, row_cells, row_label
from jixiao.web.organizations.models import Department, Division, SelfEvaluation
from jixiao.web.records.mapping import TABLES, cells_of, division_names, field_of, fields_of
from jixiao.web.records.models import Record
from jixiao.web.results.store import forget_department, refresh
from jixiao.web.workflow import is_editable


class ChangeKind(Enum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return {"added": _("新增"), "changed": _("修改"), "removed": _("删除")}[self.value]


@dataclass(frozen=True)
class CellChange:
    column: str  # the column's Chinese label
    before: str
    after: str


@dataclass(frozen=True)
class RowChange:
    table: str  # the table's key
    kind: ChangeKind
    label: str  # the row as a person names it: its code and name
    division: str  # the division the row belongs to (before, or after when added); "" if none
    cells: tuple[CellChange, ...] = ()
    refused: str | None = None  # why this change is not made, when it is not
    row_id: int | None = None  # the stored row changed or removed
    key: tuple[str, ...] = ()  # the row's natural key

    @property
    def sheet(self) -> str:
        return LEDGERS[self.table].title


@dataclass(frozen=True)
class ChangePlan:
    """Every difference between a stored self-evaluation and an incoming data set."""

    rows: tuple[RowChange, ...]
    department: tuple[CellChange, ...] = ()

    @property
    def allowed(self) -> list[RowChange]:
        return [change for change in self.rows if change.refused is None]

    @property
    def refused(self) -> list[RowChange]:
        return [change for change in self.rows if change.refused is not None]

    def is_empty(self) -> bool:
        return not self.rows and not self.department

    def counts(self) -> list[tuple[str, str, dict[str, int]]]:
        """Per table and division, in the workbook's order: how many rows are added, changed,
        removed and refused."""
        found: dict[tuple[str, str], dict[str, int]] = {}
        order = {table.key: index for index, table in enumerate(TABLES)}
        for change in self.rows:
            counts = found.setdefault(
                (change.table, change.division),
                {"added": 0, "changed": 0, "removed": 0, "refused": 0},
            )
            counts["refused" if change.refused else change.kind.value] += 1
        ranked = sorted(found.items(), key=lambda item: (order[item[0][0]], item[0][1]))
        return [(LEDGERS[table].title, division, counts) for (table, division), counts in ranked]

    def digest(self) -> str:
        """A fingerprint of the plan: confirming a plan that no longer holds is refused."""
        content = json.dumps(self.as_record(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(content.encode("utf-8")).hexdigest()

    def as_record(self) -> dict[str, Any]:
        """The plan as the audit log keeps it, in Chinese whatever the reader's language."""
        with in_record_language():
            return self._as_record()

    def _as_record(self) -> dict[str, Any]:

        def cells(changes: Iterable[CellChange]) -> dict[str, list[str]]:
            return {c.column: [c.before, c.after] for c in changes}

        def row(change: RowChange) -> dict[str, Any]:
            entry: dict[str, Any] = {
                "表": change.sheet,
                "记录": change.label,
                "操作": change.kind.label,
            }
            if change.division:
                entry["处室"] = change.division
            if change.cells:
                entry["字段"] = cells(change.cells)
            if change.refused:
                entry["未执行的原因"] = change.refused
            return entry

        record: dict[str, Any] = {
            "新增": sum(1 for c in self.allowed if c.kind is ChangeKind.ADDED),
            "修改": sum(1 for c in self.allowed if c.kind is ChangeKind.CHANGED),
            "删除": sum(1 for c in self.allowed if c.kind is ChangeKind.REMOVED),
            "未执行": len(self.refused),
            "变更": [row(change) for change in self.rows],
        }
        if self.department:
            record["部门"] = cells(self.department)
        return record


class PlanChanged(Exception):
    """The stored data changed between showing a plan and confirming it."""


@dataclass
class Applied:
    plan: ChangePlan
    problems: list[Problem] = field(default_factory=list)  # left in the data set afterwards


def plan_changes(record: SelfEvaluation, dataset: Dataset) -> ChangePlan:
    """Every row added, changed or removed by bringing ``dataset`` into ``record``, each with
    the reason it is refused, if it is (in Chinese, as the audit log keeps it)."""
    with in_record_language():
        return _plan(record, dataset)


def _plan(record: SelfEvaluation, dataset: Dataset) -> ChangePlan:
    incoming_tables = disassemble(dataset)
    divisions = _divisions(record, incoming_tables)
    changes: list[RowChange] = []
    for table in TABLES:
        changes += _table_changes(record, LEDGERS[table.key], incoming_tables[table.key], divisions)
    return ChangePlan(tuple(changes), _department_changes(record, dataset))


@transaction.atomic
def apply_changes(
    actor: User | None,
    record: SelfEvaluation,
    dataset: Dataset,
    *,
    expected: str | None,
    reason: str,
    action: AuditAction = AuditAction.WORKBOOK_IMPORTED,
) -> Applied:
    """Make the allowed changes of the plan for ``dataset``, all or nothing, and record them.

    ``expected`` is the digest of the plan the person confirmed; a different plan now (someone
    changed the data meanwhile, a division submitted) is refused with :class:`PlanChanged`."""
    record = (
        SelfEvaluation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("department")
        .get(pk=record.pk)
    )
    plan = plan_changes(record, dataset)
    if expected is not None and plan.digest() != expected:
        raise PlanChanged(_("数据在核对之后已有变化，请重新上传并核对"))
    if plan.is_empty():
        return Applied(plan)
    incoming_tables = disassemble(dataset)
    divisions = {
        name: Division.objects.get_or_create(department=record.department, name=name)[0]
        for name in sorted(division_names(incoming_tables))
    }
    allowed = {(c.table, c.kind, c.key) for c in plan.allowed}
    for table in TABLES:
        _apply_table(record, LEDGERS[table.key], incoming_tables[table.key], divisions, allowed)
    if plan.department:
        Department.objects.filter(pk=record.department_id).update(name=dataset.department.name)
        SelfEvaluation.objects.filter(pk=record.pk).update(
            special_fund_name=dataset.special_fund_name
        )
        forget_department(record)  # its other years print the department's name too
    problems = [p for p in refresh(record).data_problems if p.severity is Severity.ERROR]
    events.changes_applied(actor, record, plan.as_record(), reason, action=action)
    return Applied(plan, problems)


# --- comparing -------------------------------------------------------------------------------


def _divisions(record: SelfEvaluation, tables: Mapping[str, list[Any]]) -> dict[str, Division]:
    """The department's divisions by name, and a new (unsaved) one for each name the incoming
    tables bring that the department lacks."""
    existing = {d.name: d for d in Division.objects.filter(department_id=record.department_id)}
    return {
        name: existing.get(name) or Division(department_id=record.department_id, name=name)
        for name in division_names(tables)
    }


def _stored_rows(record: SelfEvaluation, ledger: Ledger) -> list[Record]:
    model: Any = ledger.model
    rows = model.objects.filter(evaluation=record).order_by("position")
    return list(rows.select_related("division") if ledger.by_division else rows)


def _key(table: Table[Any], row: Record) -> tuple[str, ...]:
    return table.key_of(cells_of(row, table)) or ()


def _by_key(
    table: Table[Any], rows: list[Record]
) -> tuple[dict[tuple[str, ...], Record], list[Record]]:
    """Stored rows by natural key, and the rows repeating a key already taken (possible in a
    data set an earlier version stored): an incoming data set, one row per key, removes those."""
    first: dict[tuple[str, ...], Record] = {}
    repeated = []
    for row in rows:
        key = _key(table, row)
        if key in first:
            repeated.append(row)
        else:
            first[key] = row
    return first, repeated


def _incoming_rows(
    record: SelfEvaluation, ledger: Ledger, records: list[Any], divisions: dict[str, Division]
) -> list[Record]:
    """The incoming records as unsaved rows, to compare and show like stored ones."""
    return [
        ledger.model(evaluation=record, position=0, **fields_of(ledger.table, item, divisions))
        for item in records
    ]


def _value(row: Record, name: str) -> object:
    value = getattr(row, name)
    return value.name if isinstance(value, Division) else value


def _changed_fields(ledger: Ledger, stored: Record, incoming: Record) -> set[str]:
    names = {field_of(column) for column in ledger.columns}
    return {name for name in names if _value(stored, name) != _value(incoming, name)}


def _division_of(row: Record) -> Division | None:
    division = getattr(row, "division", None)
    return division if isinstance(division, Division) else None


def _table_changes(
    record: SelfEvaluation, ledger: Ledger, records: list[Any], divisions: dict[str, Division]
) -> list[RowChange]:
    table = ledger.table
    stored, repeated = _by_key(table, _stored_rows(record, ledger))
    changes = [
        _change(record, ledger, ChangeKind.REMOVED, row, [_division_of(row)]) for row in repeated
    ]
    seen = set()
    for incoming in _incoming_rows(record, ledger, records, divisions):
        key = _key(table, incoming)
        seen.add(key)
        before = stored.get(key)
        new_division = _division_of(incoming)
        if before is None:
            changes.append(_change(record, ledger, ChangeKind.ADDED, incoming, [new_division]))
            continue
        changed = _changed_fields(ledger, before, incoming)
        if changed:
            old_cells, new_cells = row_cells(before, ledger), row_cells(incoming, ledger)
            cells = tuple(
                CellChange(column.label, old_cells[column.key], new_cells[column.key])
                for column in ledger.columns
                if field_of(column) in changed
            )
            divisions_touched = [_division_of(before), new_division]
            changes.append(
                _change(
                    record,
                    ledger,
                    ChangeKind.CHANGED,
                    before,
                    divisions_touched,
                    cells=cells,
                )
            )
    for key, row in stored.items():
        if key not in seen:
            changes.append(_change(record, ledger, ChangeKind.REMOVED, row, [_division_of(row)]))
    return changes


def _change(
    record: SelfEvaluation,
    ledger: Ledger,
    kind: ChangeKind,
    row: Record,
    divisions: list[Division | None],
    *,
    cells: tuple[CellChange, ...] = (),
) -> RowChange:
    refused = _locked(record, divisions) if is_editable(record) else _("数据已锁定")
    division = next((d.name for d in divisions if d is not None), "")
    return RowChange(
        table=ledger.key,
        kind=kind,
        label=row_label(row, ledger),
        division=division,
        cells=cells,
        refused=refused,
        row_id=row.pk,
        key=_key(ledger.table, row),
    )


def _locked(record: SelfEvaluation, divisions: list[Division | None]) -> str | None:
    saved = [d for d in divisions if d is not None and d.pk is not None]
    return division_lock(record, *saved)


def _department_changes(record: SelfEvaluation, dataset: Dataset) -> tuple[CellChange, ...]:
    """The department's name and special fund, changed only while the year is being filled."""
    if not is_editable(record):
        return ()
    pairs = (
        ("部门名称", record.department.name, dataset.department.name),
        ("专项资金名称", record.special_fund_name, dataset.special_fund_name),
    )
    return tuple(CellChange(label, old, new) for label, old, new in pairs if old != new)


# --- applying --------------------------------------------------------------------------------


def _apply_table(
    record: SelfEvaluation,
    ledger: Ledger,
    records: list[Any],
    divisions: dict[str, Division],
    allowed: set[tuple[str, ChangeKind, tuple[str, ...]]],
) -> None:
    table = ledger.table
    stored, repeated = _by_key(table, _stored_rows(record, ledger))
    last = max((row.position for row in [*stored.values(), *repeated]), default=0)
    for row in repeated:
        if (ledger.key, ChangeKind.REMOVED, _key(table, row)) in allowed:
            row.delete()
    seen = set()
    for item in records:
        values = fields_of(table, item, divisions)
        incoming = ledger.model(evaluation=record, position=0, **values)
        key = _key(table, incoming)
        seen.add(key)
        before = stored.get(key)
        if before is None:
            if (ledger.key, ChangeKind.ADDED, key) in allowed:
                last += 1
                incoming.position = last
                incoming.save()
            continue
        if (ledger.key, ChangeKind.CHANGED, key) in allowed:
            _assign(before, values)
            before.save()
    for key, row in stored.items():
        if key not in seen and (ledger.key, ChangeKind.REMOVED, key) in allowed:
            row.delete()


def _assign(row: Record, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)
