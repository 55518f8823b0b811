"""Loading the roster of departments from a workbook (``adapters.roster``): checked against
the departments stored, then applied all at once — or nothing written when any error stands.

A department already stored (by its code) is changed to what its row says; one not yet stored
is created; departments the sheet does not name stay as they are. Groups the sheet names that do
not exist are created. The checks beyond the sheet's own: a parent code must be a department of
the sheet or stored; a parent must be a first-level unit (one with no parent, after the sheet is
applied); a unit that has subordinates (stored or in the sheet) cannot have a parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from jixiao.adapters.roster import LABELS, Roster, RosterRow, at, read_roster
from jixiao.core.problems import Problem
from jixiao.web.audit import events
from jixiao.web.organizations.manage import _recompute, _state_of
from jixiao.web.organizations.models import Department, DepartmentGroup, GroupKind
from jixiao.web.policy import Who, user_of

KINDS = {"review_groups": GroupKind.REVIEW_GROUP, "portfolios": GroupKind.PORTFOLIO}


@dataclass
class Imported:
    """What a roster did, or the problems that stopped it (nothing written then)."""

    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    groups_created: list[str] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        return {
            "新增部门": self.created,
            "修改部门": self.changed,
            "未变部门": self.unchanged,
            "新建分组": "；".join(self.groups_created),
        }


def import_roster(who: Who, path: Path, name: str) -> Imported:
    """Read the workbook at ``path`` (``name`` as the user knows it) and apply it."""
    roster = read_roster(path, name)
    if roster.problems:
        return Imported(roster.problems)
    return apply_roster(who, roster, name)


@transaction.atomic
def apply_roster(who: Who, roster: Roster, name: str) -> Imported:
    locked = Department.objects.select_for_update(of=("self",)).select_related("parent")
    stored = {d.code: d for d in locked}
    problems = _checked(roster, stored, name)
    if problems:
        return Imported(problems)
    outcome = Imported()
    groups = {(g.kind, g.name): g for g in DepartmentGroup.objects.all()}
    for row in roster.rows:
        for key, kind in KINDS.items():
            for group_name in getattr(row, key):
                if (kind, group_name) not in groups:
                    made = DepartmentGroup.objects.create(kind=kind, name=group_name)
                    groups[(kind, group_name)] = made
                    outcome.groups_created.append(str(made))
    # first-level units first, so that every parent exists when its subordinates are saved
    ordered = sorted(roster.rows, key=lambda r: bool(r.parent))
    for row in ordered:
        department = stored.get(row.code)
        before = _state_of(department) if department is not None else None
        parent = stored.get(row.parent) if row.parent else None
        if department is None:
            department = Department.objects.create(code=row.code, name=row.name, parent=parent)
            stored[row.code] = department
        else:
            renamed = department.name != row.name
            department.name = row.name
            if "parent" in roster.columns:
                department.parent = parent
            department.save()
            if renamed:
                _recompute(department)
        for key, kind in KINDS.items():
            if key in roster.columns:
                kept = department.groups.exclude(kind=kind)
                department.groups.set([*kept, *(groups[(kind, g)] for g in getattr(row, key))])
        after = _state_of(department)
        if before is None:
            outcome.created += 1
        elif before != after:
            outcome.changed += 1
        else:
            outcome.unchanged += 1
    events.departments_imported(user_of(who), name, outcome.as_record())
    return outcome


def _checked(roster: Roster, stored: dict[str, Department], name: str) -> list[Problem]:
    """The roster's problems against the departments stored."""
    problems: list[Problem] = []
    rows = {row.code: row for row in roster.rows}
    has_parent_column = "parent" in roster.columns

    def parent_of(code: str) -> str:
        """A department's parent code once the sheet is applied."""
        if code in rows and has_parent_column:
            return rows[code].parent
        department = stored.get(code)
        return department.parent.code if department and department.parent else ""

    parents_after = {code: parent_of(code) for code in {*stored, *rows}}
    has_subordinates = {parent for parent in parents_after.values() if parent}
    for row in roster.rows:
        if not has_parent_column or not row.parent:
            continue
        where = at(name, row.cells["parent"])
        label = LABELS["parent"]
        if row.parent not in rows and row.parent not in stored:
            problems.append(
                Problem("E-PARENT", f"“{label}”{row.parent} 不是已有部门，也不在本表中", where)
            )
        elif parents_after.get(row.parent):
            problems.append(
                Problem(
                    "E-PARENT",
                    f"上级单位 {row.parent} 本身是下属单位；上级单位须为一级单位",
                    where,
                )
            )
        if row.code in has_subordinates:
            problems.append(Problem("E-PARENT", f"{row.code} 有下属单位，不能再设上级单位", where))
    return problems


__all__ = ["Imported", "RosterRow", "apply_roster", "import_roster"]
