"""The self-evaluation's workflow: 填报中 → 处室已提交 → 财务已审核 → 单位已审定 → 已报送财政局 →
财政局审核通过.

While 填报中 each division submits its own part: a division filler's 提交 locks that division's
rows for its fillers, and when every division that has a filler account has submitted, the year
moves to 处室已提交. The finance reviewer may return one division's part with a reason (退回处室),
which unlocks it, or close the filling for all (汇总提交) when a division is late. After that each
step forward is taken by one role, and each step back (退回) by the role that would take the next
step, always with a reason; data change only while 填报中, so a return to 填报中 unlocks every
division. Every step is a :class:`Transition` and an audit event, in one transaction.

At the bureau the reviewer re-scores items (``web/reviews``, 复核) and accepts (审核通过, the
reviewer :func:`~jixiao.web.policy.may_review` allows) or returns to 单位已审定; an accepted
year is locked like a submitted one, and the bureau may still return it with a reason.

While the data have errors (a budget line whose projects no longer add up…) the year may still
be filled in and submitted by the divisions — the pages show the score with the problems and
the documents are drafts — but it is not reviewed, approved or sent: 审核通过 and every step
after it are refused, so the version the bureau receives is clean
(docs/decisions/0015-evaluation-with-problems.md).

Worked example (the demo department, two division fillers): 对外贸易处 submits — the year stays
填报中, 对外贸易处's rows are locked, 1 of 2 divisions in; the finance reviewer returns
对外贸易处 with "I102 请补充偏差原因" — it can edit again and sees the reason; both divisions
submit — the year is 处室已提交 and all data are locked until a return.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.web.audit import events
from jixiao.web.audit.events import AuditAction
from jixiao.web.audit.services import in_record_language
from jixiao.web.errors import Conflict, Invalid
from jixiao.web.organizations.models import (
    Division,
    DivisionSubmission,
    Role,
    SelfEvaluation,
    Status,
    Transition,
)
from jixiao.web.policy import Who, as_actor, may_review
from jixiao.web.results.store import stored_assessment
from jixiao.web.workflow_state import Submitted, submissions_of


@dataclass(frozen=True)
class Step:
    action: str  # code name used in forms and URLs
    label: str | Promise  # what the button says (translated when shown)
    role: str
    source: str
    target: str
    needs_reason: bool
    needs_division: bool = False  # the step concerns one division's part
    audit: AuditAction = AuditAction.RETURNED  # what the audit log calls it (its label)


D, S, F, A, B, C = (
    Status.DRAFTING,
    Status.DIVISIONS_SUBMITTED,
    Status.FINANCE_REVIEWED,
    Status.APPROVED,
    Status.SUBMITTED_TO_BUREAU,
    Status.BUREAU_ACCEPTED,
)
RETURN = gettext_lazy("退回")
CLEAN_DATA_STEPS = frozenset({"review", "approve", "send"})  # refused while errors stand
STEPS = (
    Step(
        "submit",
        gettext_lazy("提交"),
        Role.DIVISION_FILLER,
        D,
        S,
        needs_reason=False,
        audit=AuditAction.SUBMITTED,
    ),
    Step(
        "submit",
        gettext_lazy("汇总提交"),
        Role.FINANCE_REVIEWER,
        D,
        S,
        needs_reason=False,
        audit=AuditAction.SUBMITTED_FOR_ALL,
    ),
    Step(
        "return_division",
        gettext_lazy("退回处室"),
        Role.FINANCE_REVIEWER,
        D,
        D,
        needs_reason=True,
        needs_division=True,
        audit=AuditAction.DIVISION_RETURNED,
    ),
    Step(
        "review",
        gettext_lazy("审核通过"),
        Role.FINANCE_REVIEWER,
        S,
        F,
        needs_reason=False,
        audit=AuditAction.REVIEWED,
    ),
    Step(
        "approve",
        gettext_lazy("审定"),
        Role.UNIT_LEADER,
        F,
        A,
        needs_reason=False,
        audit=AuditAction.APPROVED,
    ),
    Step(
        "send",
        gettext_lazy("报送财政局"),
        Role.UNIT_LEADER,
        A,
        B,
        needs_reason=False,
        audit=AuditAction.SENT_TO_BUREAU,
    ),
    Step(
        "accept",
        gettext_lazy("财政局审核通过"),
        Role.BUREAU_REVIEWER,
        B,
        C,
        needs_reason=False,
        audit=AuditAction.BUREAU_ACCEPTED,
    ),
    Step("return", RETURN, Role.FINANCE_REVIEWER, S, D, needs_reason=True),
    Step("return", RETURN, Role.UNIT_LEADER, F, S, needs_reason=True),
    Step("return", RETURN, Role.UNIT_LEADER, A, F, needs_reason=True),
    Step("return", RETURN, Role.BUREAU_REVIEWER, B, A, needs_reason=True),
    Step("return", RETURN, Role.BUREAU_REVIEWER, C, A, needs_reason=True),
)
REVIEWER_STEPS = frozenset({"accept"})  # only for the reviewer policy.may_review allows


def is_editable(record: SelfEvaluation) -> bool:
    return record.status == Status.DRAFTING


def expected_divisions(record: SelfEvaluation) -> QuerySet[Division]:
    """The divisions that submit their part: those with an active division-filler account.
    (A division without one is filled in by the finance reviewer.)"""
    return (
        Division.objects.filter(
            department_id=record.department_id,
            membership__role=Role.DIVISION_FILLER,
            membership__user__is_active=True,
        )
        .distinct()
        .order_by("name")
    )


def division_progress(
    record: SelfEvaluation, submitted: Mapping[int, Submitted] | None = None
) -> list[tuple[Division, Submitted | None]]:
    """Each division that submits, with its submission (None while it is still filling);
    ``submitted``: the year's submissions by division when the caller has read them."""
    submitted = submissions_of(record) if submitted is None else submitted
    return [(d, submitted.get(d.pk)) for d in expected_divisions(record)]


def available_steps(
    who: Who, record: SelfEvaluation, submitted: Collection[int] | None = None
) -> list[Step]:
    """The steps ``who`` may take now: those of the role in which the actor takes ``record``'s
    steps (:meth:`Actor.workflow_role`) from its present status. ``submitted``: the ids of the
    divisions that have submitted, when the caller has read them (read now otherwise)."""
    actor = as_actor(who)
    role = actor.workflow_role(record)
    if role is None:
        return []
    steps = [s for s in STEPS if s.role == role and s.source == record.status]
    if submitted is None:
        submitted = set(record.division_submissions.values_list("division_id", flat=True))
    division = actor.division
    if role == Role.DIVISION_FILLER and division is not None and division.pk in submitted:
        return []  # already submitted: only a return opens it again
    if role == Role.BUREAU_REVIEWER and not may_review(actor, record):
        steps = [s for s in steps if s.action not in REVIEWER_STEPS]
    if not submitted:
        steps = [s for s in steps if not s.needs_division]
    return steps


@transaction.atomic
def take_step(
    who: Who,
    record: SelfEvaluation,
    action: str,
    reason: str,
    division_id: int | None = None,
) -> Transition:
    """Take the step ``action`` of ``record``; refused (:class:`Conflict`) when it is not
    open to the actor now, (:class:`Invalid`) when a reason or a division is missing."""
    actor = as_actor(who)
    user = actor.signed_in
    record = SelfEvaluation.objects.select_for_update(no_key=True).get(pk=record.pk)
    step = next((s for s in available_steps(actor, record) if s.action == action), None)
    if step is None:
        raise Conflict(
            _("当前状态“%(status)s”下，您不能执行此操作") % {"status": record.get_status_display()}
        )
    reason = reason.strip()
    if step.needs_reason and not reason:
        raise Invalid(_("退回必须填写理由"))
    if step.action in CLEAN_DATA_STEPS:
        _refuse_errors(record, step)
    if step.action == "submit" and step.role == Role.FINANCE_REVIEWER:
        late = [d.name for d, s in division_progress(record) if s is None]
        if late and not reason:
            raise Invalid(
                _("%(divisions)s尚未提交；汇总提交须说明理由") % {"divisions": "、".join(late)}
            )
    if step.action == "submit" and step.role == Role.DIVISION_FILLER:
        assert actor.division is not None  # a database constraint
        return _submit_division(user, record, actor.division, step, reason)
    if step.needs_division:
        return _return_division(user, record, division_id, reason)
    if step.target == D:
        record.division_submissions.all().delete()  # back to filling: every division again
    return _move(user, record, step, reason)


def _refuse_errors(record: SelfEvaluation, step: Step) -> None:
    """Refuse ``step`` while the data have errors: they are fixed only after a return to
    填报中, and what goes on must be clean."""
    errors = stored_assessment(record).errors
    if errors:
        raise Conflict(
            _("数据尚有 %(count)d 个问题未解决，不能%(step)s；请退回填报中修改（问题见本页）")
            % {"count": len(errors), "step": step.label}
        )


def _move(user: User, record: SelfEvaluation, step: Step, reason: str) -> Transition:
    """Move the whole year one step and record it."""
    with in_record_language():
        before = record.get_status_display()
        record.status = step.target
        after = record.get_status_display()
    record.save(update_fields=["status"])
    done = Transition.objects.create(
        evaluation=record,
        action=step.action,
        from_status=step.source,
        to_status=step.target,
        actor=user,
        reason=reason,
    )
    events.step_taken(user, record, step.audit, before=before, after=after, reason=reason)
    return done


def _submit_division(
    user: User, record: SelfEvaluation, division: Division, step: Step, reason: str
) -> Transition:
    DivisionSubmission.objects.create(evaluation=record, division=division, submitted_by=user)
    progress = division_progress(record)
    submitted = sum(1 for _division, s in progress if s is not None)
    done = Transition.objects.create(
        evaluation=record,
        action="submit_division",
        from_status=D,
        to_status=D,
        actor=user,
        reason=reason,
        division=division,
    )
    events.division_submitted(
        user, record, division, submitted=submitted, expected=len(progress), reason=reason
    )
    if submitted == len(progress):  # the last division: the year moves on
        done = _move(user, record, step, reason)
    return done


def _return_division(
    user: User, record: SelfEvaluation, division_id: int | None, reason: str
) -> Transition:
    submission = (
        None
        if division_id is None
        else DivisionSubmission.objects.filter(evaluation=record, division_id=division_id).first()
    )
    if submission is None:
        raise Invalid(_("请选择一个已提交的处室"))
    division = submission.division
    submission.delete()
    done = Transition.objects.create(
        evaluation=record,
        action="return",
        from_status=D,
        to_status=D,
        actor=user,
        reason=reason,
        division=division,
    )
    events.division_returned(user, record, division, reason)
    return done


def may_change_division(record: SelfEvaluation, division: Division | None) -> bool:
    """Whether a division filler of ``division`` may still change its rows."""
    if not is_editable(record):
        return False
    if division is None:
        return True
    return not record.division_submissions.filter(division=division).exists()
