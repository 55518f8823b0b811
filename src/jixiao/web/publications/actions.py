"""Publishing a ranking (公布排名) and withdrawing it; who reads what was published.

A department's users never see another department's scores or ranks (docs/security.md) —
unless the finance bureau publishes them: the bureau reviewer publishes the ranking of a year,
or of one group, as the overview ranks it at that moment (the review total where the bureau's
review counts, marked 复核; ties as published rankings rank them). What is published is frozen:
a later edit or review changes the overview, never a publication; a corrected ranking is a new
publication, and the old one is withdrawn with a reason. The users of every department listed
— their finance reviewers and unit leaders — read the publication (the page and the API), the
whole table; nobody else of a department does.
Publishing and withdrawing are audited.

Worked example: the bureau publishes 2023 (note "2023 年度部门整体支出绩效自评结果"): 37
departments, 广州市商务局 2nd with 93.13 (优). The department's finance reviewer reads the table
at /rankings/; a department not in it gets 404. The bureau re-scores 广州市商务局 to 92.63: the
overview shows 92.63 (复核), the publication still 93.13 until the bureau publishes again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.web.audit import events
from jixiao.web.bureau import overview
from jixiao.web.errors import Conflict, Invalid, NotFound
from jixiao.web.organizations.models import Department, DepartmentGroup, Role, SelfEvaluation
from jixiao.web.policy import Actor, Who, as_actor, permitted, sees_every_department, user_of
from jixiao.web.publications.models import PublishedRanking

NOTE_CHARS = 500
# who of a listed department reads a publication: those who read the department's whole result
# (a division filler reads its own division's; an account administrator reads no data)
READERS = frozenset({Role.FINANCE_REVIEWER, Role.UNIT_LEADER})
REASON_CHARS = 500


def _bureau(who: Who) -> Actor:
    return permitted(who, sees_every_department)


def _lines(year: int, group: DepartmentGroup | None) -> list[dict[str, Any]]:
    """The ranking's lines as published: first-level units, then subordinate units (each
    ranked among their own level), in rank order."""
    rows = overview.ranked_rows(year, group, overview.items_of(year))
    lines = []
    for row in rows:
        record: Any = row.record  # with the overview's annotations
        department = record.department
        lines.append(
            {
                "rank": row.group_rank if group is not None else row.rank,
                "department_code": department.code,
                "department": department.name,
                "level": "subordinate" if department.parent_id else "first",
                "score": overview.score_text(record.score),
                "score_is_review": row.is_review,
                "grade": record.grade or "",
            }
        )
    return sorted(lines, key=lambda line: (line["level"] != "first", line["rank"]))


@transaction.atomic
def publish_ranking(
    who: Who, year: int, group: DepartmentGroup | None, note: str = ""
) -> PublishedRanking:
    """Publish the ranking of ``year`` (of ``group``'s departments when given) as it stands."""
    actor = _bureau(who)
    note = note.strip()
    if len(note) > NOTE_CHARS:
        raise Invalid(_("说明至多 %(count)d 字") % {"count": NOTE_CHARS})
    lines = _lines(year, group)
    if not lines:
        raise Conflict(_("%(year)d 年度没有已评分的部门，不能公布排名") % {"year": year})
    content = json.dumps(lines, ensure_ascii=False, sort_keys=True).encode()
    published = PublishedRanking.objects.create(
        fiscal_year=year,
        group=group,
        note=note,
        lines=lines,
        digest=hashlib.sha256(content).hexdigest(),
        published_by=user_of(actor),
        published_at=timezone.now(),
    )
    codes = [line["department_code"] for line in lines]
    published.departments.set(Department.objects.filter(code__in=codes))
    events.ranking_published(user_of(actor), str(published), len(lines), published.digest, note)
    return published


@transaction.atomic
def withdraw_ranking(who: Who, pk: int, reason: str) -> PublishedRanking:
    """Withdraw a publication (its departments no longer read it), with a reason."""
    actor = _bureau(who)
    reason = reason.strip()
    if not reason:
        raise Invalid(_("撤回须说明原因"))
    if len(reason) > REASON_CHARS:
        raise Invalid(_("原因至多 %(count)d 字") % {"count": REASON_CHARS})
    found = PublishedRanking.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("没有这个公布的排名"))
    if found.withdrawn_at is not None:
        raise Conflict(_("该排名已撤回"))
    found.withdrawn_at = timezone.now()
    found.withdrawal_reason = reason
    found.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    events.ranking_withdrawn(user_of(actor), str(found), reason)
    return found


def readable_rankings(who: Who) -> QuerySet[PublishedRanking]:
    """The publications ``who`` reads: every one for the bureau (withdrawn ones included); for a
    department's users, those in force that list their department; none for anyone else."""
    actor = as_actor(who)
    found = PublishedRanking.objects.select_related("group", "published_by")
    if actor.sees_every_department:
        return found.all()
    member = actor.member
    if member is None or member.department_id is None or member.role not in READERS:
        return found.none()
    return found.filter(withdrawn_at=None, departments=member.department_id)


def ranking_or_404(who: Who, pk: int) -> PublishedRanking:
    found = readable_rankings(who).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("没有这个公布的排名，或您无权查看"))
    return found


@dataclass(frozen=True)
class Place:
    """A department's line in a publication in force: its rank among ``of`` departments of
    its level (first-level or subordinate units), its score (marked when the review's) and
    grade as published."""

    published: PublishedRanking
    rank: int
    of: int
    score: str
    score_is_review: bool
    grade: str


def places_of(who: Who, record: SelfEvaluation) -> list[Place]:
    """Where ``record``'s department stands in each publication in force of its year that
    ``who`` reads (the whole year's and a group's), latest first — one query (``record`` read
    with its department, as ``Actor.evaluation_or_404`` reads it), none for a user who reads no
    publication (a division filler, an account administrator: ``readable_rankings`` answers
    none without asking the database). The department's dashboard
    shows it; reading a publication's whole table stays on /rankings/."""
    in_force = readable_rankings(who).filter(
        fiscal_year=record.fiscal_year, withdrawn_at=None, departments=record.department_id
    )
    places = []
    code = record.department.code
    for published in in_force:
        line = next((x for x in published.lines if x["department_code"] == code), None)
        if line is None:
            continue
        level = [x for x in published.lines if x["level"] == line["level"]]
        places.append(
            Place(
                published,
                line["rank"],
                len(level),
                line["score"],
                line["score_is_review"],
                line["grade"],
            )
        )
    return places
