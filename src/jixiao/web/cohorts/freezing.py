"""Freezing a cohort at the bureau's cut-off, and which snapshot a department-year is scored with
(decision 0023, "The web side").

``freeze_cohort(actor, year, group)`` is the use case: in one transaction it locks the
department-years of ``group`` (every department of the year when None), reads back the stored
data sets of those sent to the bureau (已报送财政局 or 财政局审核通过 — locked, so their submitted
version), computes their figures with ``cohort_figures`` — the same function as the command
line's ``--cohort`` — stores them as a :class:`CohortSnapshot`, marks the stored results the new
snapshot moves as due to be computed with it (stale: computed again at their next read, or by
the recompute job it queues — one part of the recompute kind, ``jobs.kinds.recompute_part``)
and records the audit event ``设定同批部门截止``.

Which snapshot a department-year is scored with (:func:`snapshot_for`): the latest snapshot of
its year and framework whose group is one of its department's groups, or every department —
except that a year the bureau accepted (财政局审核通过) stays with the snapshot its stored result
was computed with when it has one, so a later cut-off never moves an accepted score.

Worked example: 部门A, B and C of 批次“第一批” 2023 are sent to the bureau; the bureau sets the
cut-off on 2024-03-31. The snapshot holds their three execution rates (100%, 98%, 95%); A's
stored result is due to be computed with it, and at its next read ranks A first of 3 (top
33.3%, the band "前 50%"). A, returned, edits its data: its own result is computed again
against the same snapshot — its own rate live, B's and C's as frozen — and B's and C's stored
scores do not move.

Queries of ``freeze_cohort``: the records of the group-year with their departments, locked
(1); each department sent read back table by table — what ``cohort_figures`` needs, one query
per table of the schema (``records.mapping.TABLES``) per department —; the snapshot's insert
(1), the stale marks (1 update), the audit event's and the job's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.adapters.frameworks import load_versioned
from jixiao.adapters.stored_json import JSON, decode, encode
from jixiao.core.cohort import Cohort
from jixiao.core.evaluation import cohort_figures
from jixiao.core.model import Dataset
from jixiao.core.problems import ProblemsFound
from jixiao.web.audit import events
from jixiao.web.cohorts.models import CohortSnapshot
from jixiao.web.errors import Conflict, Invalid, NotFound
from jixiao.web.jobs.models import Job
from jixiao.web.organizations.models import DepartmentGroup, SelfEvaluation, Status
from jixiao.web.policy import Actor, Who, as_actor, user_of
from jixiao.web.records.mapping import read_stored
from jixiao.web.results.models import StoredResult, Subject

SENT = (Status.SUBMITTED_TO_BUREAU, Status.BUREAU_ACCEPTED)  # the departments a cohort holds
YEARS = range(2000, 2101)  # the fiscal years a cut-off may be set for


@dataclass(frozen=True)
class Frozen:
    """A cut-off set: the snapshot, the departments in it, those left out (not sent, or their
    stored data unreadable) and how many stored results it moved."""

    snapshot: CohortSnapshot
    members: list[str]
    left_out: list[str]
    moved: int
    job: Job | None  # the moved results' recomputation, queued


def cohort_name(year: int, group: DepartmentGroup | None) -> str:
    """The cohort's name as scores explain it: ``2023 年第一批``, ``2023 年全部部门``."""
    return f"{year} 年{group.name if group is not None else '全部部门'}"


def in_scope(year: int, group: DepartmentGroup | None) -> QuerySet[SelfEvaluation]:
    """The department-years a cut-off of ``group`` (None: every department) in ``year``
    concerns, in department code order."""
    records = SelfEvaluation.objects.filter(fiscal_year=year)
    if group is not None:
        records = records.filter(department__groups=group)
    return records.select_related("department").order_by("department__code")


def group_or_404(group_id: int | None) -> DepartmentGroup | None:
    if group_id is None:
        return None
    group = DepartmentGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("没有这个部门分组"))
    return group


def freeze_cohort(who: Who, year: int, group: DepartmentGroup | None) -> Frozen:
    """Freeze the cohort of ``group``'s departments (every department when None) of ``year``
    at this moment: refused for anyone but the bureau reviewer (404), for a year out of range
    (400), and when no department has been sent to the bureau or those sent are scored by
    different frameworks (409)."""
    actor = as_actor(who)
    if not actor.may_set_cut_off():
        raise NotFound(_("没有这个页面，或您无权查看"))
    if year not in YEARS:
        raise Invalid(_("预算年度应为 %(low)s–%(high)s 之间的整数") % year_range())
    name = cohort_name(year, group)
    with transaction.atomic():
        # The locks refresh takes first: a result being computed meanwhile is stored before
        # the marks below, or computed after this commits, with the new snapshot.
        records = list(in_scope(year, group).select_for_update(no_key=True, of=("self",)))
        sent = [record for record in records if record.status in SENT]
        if not sent:
            raise Conflict(
                _("%(cohort)s 还没有部门报送财政局，不能设定同批部门截止") % {"cohort": name}
            )
        frameworks = sorted({record.framework for record in sent})
        if len(frameworks) > 1:
            raise Conflict(
                _("已报送的部门采用了不同的评价体系（%(names)s），不能作为同一批部门排名")
                % {"names": "、".join(frameworks)}
            )
        versioned = load_versioned(frameworks[0])
        cut_off = timezone.now()
        datasets: list[Dataset] = []
        left_out = [_label(r) for r in records if r.status not in SENT]
        for record in sent:
            dataset = read_stored(record).dataset
            if dataset is None:
                left_out.append(_label(record) + "（数据无法读取）")
            else:
                datasets.append(dataset)
        try:
            cohort = cohort_figures(
                datasets,
                versioned.framework,
                name=name,
                cut_off=timezone.localdate(cut_off),
                fiscal_year=year,
            )
        except ProblemsFound as found:  # a department code twice cannot be stored; kept safe
            raise Conflict(_("同批部门数据有误"), found.problems) from found
        content = encode(cohort, Cohort)
        snapshot = CohortSnapshot.objects.create(
            fiscal_year=year,
            group=group,
            framework=frameworks[0],
            framework_version=versioned.version,
            cut_off=cut_off,
            set_by=user_of(who),
            content=content,
            digest=digest_of(content),
            members=len(cohort.members),
        )
        moving = [
            r.pk
            for r in records
            if r.framework == snapshot.framework and r.status != Status.BUREAU_ACCEPTED
        ]
        moved = StoredResult.objects.filter(evaluation_id__in=moving).update(cohort_due=snapshot)
        members = [member.code for member in cohort.members]
        events.cohort_frozen(
            actor.signed_in,
            name,
            counts={"纳入部门数": len(members), "未纳入部门数": len(left_out), "重算结果数": moved},
            digest=snapshot.digest,
            left_out=left_out,
        )
        job = _recompute(actor, moving, year)
    _keep((snapshot.pk, snapshot.digest), cohort)
    return Frozen(snapshot, members, left_out, moved, job)


def _recompute(actor: Actor, keys: list[int], year: int) -> Job | None:
    """The moved results computed again in the background (stale meanwhile: a page reading
    one first computes it itself), so the overview, which reads stored totals, catches up."""
    from jixiao.web.jobs.services import queue_recompute  # it imports the readers of results

    return queue_recompute(actor, keys, year) if keys else None


def year_range() -> dict[str, int]:
    return {"low": YEARS.start, "high": YEARS.stop - 1}


def _label(record: SelfEvaluation) -> str:
    return f"{record.department.code} {record.department.name}"


def digest_of(content: JSON) -> str:
    """The SHA-256 of a snapshot's stored JSON (keys sorted), as the audit event records it."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- which snapshot a department-year is scored with ------------------------------------------


def current_snapshot(record: SelfEvaluation) -> CohortSnapshot | None:
    """The latest snapshot of ``record``'s year and framework for one of its department's
    groups or for every department (one query; its content deferred)."""
    found = CohortSnapshot.objects.defer("content").filter(
        Q(group__isnull=True) | Q(group__departments=record.department_id),
        fiscal_year=record.fiscal_year,
        framework=record.framework,
    )
    return found.order_by("-cut_off", "-id").first()


def snapshot_for(record: SelfEvaluation, row: StoredResult | None) -> CohortSnapshot | None:
    """The snapshot ``record`` is to be scored with: for an accepted year with a stored result
    (``row``), the one that result was computed with — pinned, none included —; else the
    current one."""
    if record.status == Status.BUREAU_ACCEPTED and row is not None:
        pinned = row.cohort_snapshot_id
        if pinned is None:
            return None
        return CohortSnapshot.objects.defer("content").filter(pk=pinned).first()
    return current_snapshot(record)


# Snapshots are never changed: a decoded one is kept by its id and digest (the digest too, as an
# id whose transaction rolled back may be given again to another snapshot).
_decoded: OrderedDict[tuple[int, str], Cohort] = OrderedDict()
_decoded_lock = threading.Lock()
DECODED_KEPT = 64


def cohort_of(snapshot: CohortSnapshot) -> Cohort:
    """The snapshot's cohort, decoded once per process (one query the first time)."""
    key = (snapshot.pk, snapshot.digest)
    with _decoded_lock:
        found = _decoded.get(key)
    if found is not None:
        return found
    content = CohortSnapshot.objects.filter(pk=snapshot.pk).values_list("content", flat=True)
    cohort = decode(Cohort, content.get())
    _keep(key, cohort)
    return cohort


def _keep(key: tuple[int, str], cohort: Cohort) -> None:
    with _decoded_lock:
        _decoded[key] = cohort
        while len(_decoded) > DECODED_KEPT:
            _decoded.popitem(last=False)


# --- reading ------------------------------------------------------------------------------------


def current_of(year: int, group: DepartmentGroup | None) -> CohortSnapshot | None:
    """The current snapshot of ``group`` (None: every department) in ``year``: its latest."""
    return snapshots(year, group, exactly=True).first()


def snapshots(
    year: int, group: DepartmentGroup | None = None, *, exactly: bool = False
) -> QuerySet[CohortSnapshot]:
    """The snapshots of ``year`` — of ``group`` only when given, or, ``exactly``, of ``group``
    even when None (every department) —, latest first, without their figures."""
    found = CohortSnapshot.objects.defer("content").filter(fiscal_year=year)
    if group is not None or exactly:
        found = found.filter(group=group)
    return found.select_related("group", "set_by").order_by("-cut_off", "-id")


@dataclass(frozen=True)
class Standing:
    """One department-year of a cut-off's scope as the overview shows it: the cut-off of the
    snapshot its stored result was computed with and that snapshot's group (None: none, its
    cohort items pending; the group None too for every department's) and whether a newer
    cut-off has moved it and it waits to be computed again."""

    record: SelfEvaluation
    cut_off: datetime | None
    group: str | None
    waiting: bool


@dataclass(frozen=True)
class CutOff:
    """The cut-off of ``group`` (None: every department) in ``year`` for the bureau's overview:
    the current snapshot and, of the scope's department-years, how many there are, how many
    have been sent to the bureau (those a cut-off now would hold) and how many stored results a
    newer cut-off moved and wait to be computed again. Each department-year's standing is a
    page of its own (:func:`with_standing`), paged: a province has 2,000 departments."""

    year: int
    group: DepartmentGroup | None
    current: CohortSnapshot | None
    total: int
    sent: int
    waiting: int

    @property
    def name(self) -> str:
        return cohort_name(self.year, self.group)


def with_standing(records: QuerySet[SelfEvaluation]) -> QuerySet[SelfEvaluation]:
    """``records`` annotated, in the same query, with the snapshot their stored result was
    computed with: ``used_at`` (its cut-off; None: none, the cohort items pending),
    ``used_group`` (its group's name; None for every department's), and ``waiting`` (a newer
    cut-off moved the result, not computed again yet)."""
    result = StoredResult.objects.filter(evaluation=OuterRef("pk"), subject=Subject.DEPARTMENT)

    def of_result(name: str) -> Subquery:
        return Subquery(result.values(name)[:1])

    same = Q(used=F("due")) | (Q(used__isnull=True) & Q(due__isnull=True))
    return records.annotate(
        used=of_result("cohort_snapshot_id"),
        due=of_result("cohort_due_id"),
        used_at=of_result("cohort_snapshot__cut_off"),
        used_group=of_result("cohort_snapshot__group__name"),
    ).annotate(
        waiting=Case(
            When(same, then=Value(False)), default=Value(True), output_field=BooleanField()
        )
    )


def standings(records: QuerySet[SelfEvaluation]) -> list[Standing]:
    """Each of ``records`` with the snapshot its stored result was computed with: one query."""
    annotated: Any = with_standing(records)
    return [Standing(r, r.used_at, r.used_group, r.waiting) for r in annotated]


def cut_off_of(year: int, group: DepartmentGroup | None) -> CutOff:
    """What the overview shows of ``group``'s cut-off in ``year``: two queries (the current
    snapshot with who set it; the department-years counted), whatever the number of
    departments."""
    current = snapshots(year, group, exactly=True).first()
    # counted here, two short values a row: an aggregate filtered on these annotations is
    # compiled without them (Django 5.x: ``FILTER (WHERE "waiting")``, a constant on SQLite)
    rows = list(with_standing(in_scope(year, group)).values_list("status", "waiting"))  # type: ignore[misc]
    sent = sum(status in SENT for status, _waiting in rows)
    waiting = sum(bool(is_waiting) for _status, is_waiting in rows)
    return CutOff(year, group, current, len(rows), sent, waiting)
