"""The self-evaluation's workflow: 填报中 → 处室已提交 → 财务已审核 → 单位已审定 → 已报送财政局.

Each step forward is taken by one role; each step back (退回) by the role that would take the
next step, always with a reason. Data can be changed only while 填报中: submission locks it and
only a return unlocks it. Every step is recorded as a :class:`Transition` and an audit event, in
one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.web.access import membership
from jixiao.web.audit.services import in_record_language, record_event
from jixiao.web.organizations.models import Role, SelfEvaluation, Status, Transition


@dataclass(frozen=True)
class Step:
    action: str  # code name used in forms and URLs
    label: str | Promise  # what the button says (translated when shown)
    role: str
    source: str
    target: str
    needs_reason: bool


D, S, F, A, B = (
    Status.DRAFTING,
    Status.DIVISIONS_SUBMITTED,
    Status.FINANCE_REVIEWED,
    Status.APPROVED,
    Status.SUBMITTED_TO_BUREAU,
)
RETURN = gettext_lazy("退回")
STEPS = (
    Step("submit", gettext_lazy("提交"), Role.DIVISION_FILLER, D, S, needs_reason=False),
    Step("review", gettext_lazy("审核通过"), Role.FINANCE_REVIEWER, S, F, needs_reason=False),
    Step("approve", gettext_lazy("审定"), Role.UNIT_LEADER, F, A, needs_reason=False),
    Step("send", gettext_lazy("报送财政局"), Role.UNIT_LEADER, A, B, needs_reason=False),
    Step("return", RETURN, Role.FINANCE_REVIEWER, S, D, needs_reason=True),
    Step("return", RETURN, Role.UNIT_LEADER, F, S, needs_reason=True),
    Step("return", RETURN, Role.UNIT_LEADER, A, F, needs_reason=True),
    Step("return", RETURN, Role.BUREAU_REVIEWER, B, A, needs_reason=True),
)


class WorkflowRefused(Exception):
    """The step is not open to this user now; the message says why."""


def available_steps(user: User, record: SelfEvaluation) -> list[Step]:
    scope = membership(user)
    if scope is None:
        return []
    return [s for s in STEPS if s.role == scope.role and s.source == record.status]


def is_editable(record: SelfEvaluation) -> bool:
    return record.status == Status.DRAFTING


@transaction.atomic
def take_step(user: User, record: SelfEvaluation, action: str, reason: str) -> Transition:
    record = SelfEvaluation.objects.select_for_update().get(pk=record.pk)
    step = next((s for s in available_steps(user, record) if s.action == action), None)
    if step is None:
        raise WorkflowRefused(
            _("当前状态“%(status)s”下，您不能执行此操作") % {"status": record.get_status_display()}
        )
    reason = reason.strip()
    if step.needs_reason and not reason:
        raise WorkflowRefused(_("退回必须填写理由"))
    with in_record_language():
        action, before = str(step.label), record.get_status_display()
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
    record_event(
        user,
        action,
        str(record),
        evaluation=record,
        before={"状态": before},
        after={"状态": after},
        reason=reason,
    )
    return done


def last_return(record: SelfEvaluation) -> Transition | None:
    return record.transitions.filter(action="return").select_related("actor").first()
