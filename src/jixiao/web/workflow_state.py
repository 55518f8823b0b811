"""Where a year stands in its workflow, as the dashboard shows it: the returns and submissions
(the open 退回 a user sees), each division's submission and the bureau's review — read in one go
and kept per process until the year changes.

Every change of these is a workflow step or a re-score, and each records an audit event about
the year in the transaction that makes it (``workflow.take_step``, ``reviews.actions``); the
review is current only while the stored result is the version it was made on. So what is read
is kept under the year's status, its latest audit event and its stored result's version
(:func:`workflow_state`): the next change names a new key, and nothing kept can show an older
state. The key is read before the state, so a change that commits between the two is kept under
the older key and never the reverse.

Worked example (the demo department): 对外贸易处 submits (audit event 41): the dashboard reads
the state once — one submission, no return — and every reader after it takes it from the
process's cache; the finance reviewer returns 对外贸易处 with "I102 请补充偏差原因" (event 42):
the next reader reads it again, the division's fillers see the open return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from jixiao.web.audit.services import last_event_of
from jixiao.web.organizations.models import DivisionSubmission, SelfEvaluation
from jixiao.web.results.store import kept
from jixiao.web.reviews.reading import ReviewSummary, review_summary

SUBMITS = ("submit", "submit_division")


@dataclass(frozen=True)
class Submitted:
    """A division's submission of its part (处室提交)."""

    division_id: int
    submitted_by: str  # the filler's username
    at: datetime


@dataclass(frozen=True)
class Returned:
    """A return (退回) of the whole year or, within 填报中, of one division's part."""

    id: int
    at: datetime
    division_id: int | None
    division_name: str
    actor_name: str
    reason: str


@dataclass(frozen=True)
class WorkflowState:
    """``returns``: the returns to the year's present status, latest first; ``submits``: every
    submission step as (transition id, division id or None for the whole year);
    ``submissions``: the divisions' standing submissions by division id; ``review``: the
    bureau's latest review, if it re-scored."""

    returns: tuple[Returned, ...]
    submits: tuple[tuple[int, int | None], ...]
    submissions: Mapping[int, Submitted]
    review: ReviewSummary | None

    def open_return(self, division_id: int | None) -> Returned | None:
        """The return a user of ``division_id`` (None: of the whole department) should see:
        the latest to the present status — for a division, of that division or of the whole
        year — not yet answered by a later submission of the division it concerns (or of the
        whole year)."""
        seen = (r for r in self.returns if r.division_id in (None, division_id) or not division_id)
        latest = next(seen, None)
        if latest is None:
            return None
        concerned = division_id or latest.division_id
        answered = any(
            step > latest.id and (concerned is None or division in (None, concerned))
            for step, division in self.submits
        )
        return None if answered else latest


def submissions_of(record: SelfEvaluation) -> dict[int, Submitted]:
    """``record``'s standing division submissions by division id (one query)."""
    rows = DivisionSubmission.objects.filter(evaluation=record)
    return {
        division: Submitted(division, by, at)
        for division, by, at in rows.values_list("division_id", "submitted_by__username", "at")
    }


def read_state(record: SelfEvaluation) -> WorkflowState:
    """``record``'s workflow state as it is now (three queries, four with a review)."""
    steps = record.transitions.filter(
        Q(action="return", to_status=record.status) | Q(action__in=SUBMITS)
    ).order_by("-at", "-id")
    returns, submits = [], []
    fields = ("id", "action", "at", "division_id", "division__name", "actor__username", "reason")
    for pk, action, at, division, division_name, actor, reason in steps.values_list(*fields):
        if action in SUBMITS:
            submits.append((pk, division))
        else:
            returns.append(Returned(pk, at, division, division_name or "", actor, reason))
    review = review_summary(record)
    return WorkflowState(tuple(returns), tuple(submits), submissions_of(record), review)


def workflow_state(record: SelfEvaluation, result_version: str) -> WorkflowState:
    """``record``'s workflow state, kept until its status, its latest audit event or its stored
    result's version (``result_version``) changes (one query while kept)."""
    key = f"workflow:{record.pk}:{record.status}:{last_event_of(record)}:{result_version}"
    return kept(key, lambda: read_state(record))
