"""Who may see and do what: the one access policy. Every page, API call, download, upload,
workflow step and audit-log read asks an :class:`Actor`; menus only follow.

An actor is a user with their role and scope (their :class:`Membership`, loaded in one query),
built once per request (:func:`actor_of`). The roles:

- a **division filler** sees the self-evaluations of their department, reads only their own
  division's rows of the key tasks, projects, indicators, spending plans and forecasts, and
  changes there only the fields a division owns (:data:`DIVISION_FIELDS`); they take their own
  division's 提交;
- the **finance reviewer** reads and changes every ledger of their department, uploads
  workbooks, takes the finance office's steps;
- the **unit leader** reads their department's and takes the leader's steps;
- the **bureau reviewer** reads every department's, takes the bureau's return and, where
  :func:`may_review` says so (the reviewer assigned to the department-year, or any when no one
  is), re-scores a submitted self-evaluation (复核) and accepts it;
- the **system administrator** manages users, reads no data set, and reads the audit events of
  no self-evaluation (user administration, sign-ins);
- a **department's account administrator** manages the accounts of their department only —
  creates, deactivates, reactivates and resets the password of its division fillers, finance
  reviewers and unit leaders (:meth:`Actor.managed_accounts`, :meth:`Actor.may_grant`) — and
  reads no data set; they never touch another department's account, their own, another account
  administrator's, nor grant a bureau, system or account-administrator role (decision 0028).

Anything outside a scope is answered as if it did not exist (404), so that nothing leaks, not
even whether it exists. The department's documents (report, score table, workbook, monitoring
bulletin and review table) show every row, so they go only to those who read every row.

Worked example: ``demo-division1`` (division filler of 对外贸易处, 广州市商务局) asks about the
2023 self-evaluation: ``visible_evaluations()`` holds it; ``scope_on(record, "indicators")`` is
read and write of 对外贸易处's rows, fields ``actual`` and ``deviation_reason`` only;
``scope_on(record, "budget_lines")`` is nothing (404); ``may_download(record)`` is false; the
same user in another department's year gets 404 everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jixiao.web.audit.models import AuditEvent
from jixiao.web.errors import NotFound
from jixiao.web.organizations.models import (
    Division,
    Membership,
    ReviewerAssignment,
    Role,
    SelfEvaluation,
)

DEPARTMENT_ROLES = (Role.DIVISION_FILLER, Role.FINANCE_REVIEWER, Role.UNIT_LEADER)
DIVISION_TABLES = frozenset({"key_tasks", "projects", "indicators", "spending_plans", "forecasts"})
# The fields a division fills in its own rows; None: whole rows (it adds and removes them too).
# Everything else is the finance office's: budget amounts, funding sources and spending (from its
# accounts), targets and points (set with the budget), codes and names, the management facts.
DIVISION_FIELDS: Mapping[str, frozenset[str] | None] = {
    "key_tasks": frozenset({"content", "completion"}),  # the task's narrative
    "projects": frozenset({"goal_achieved"}),  # what its project achieved
    "indicators": frozenset({"actual", "deviation_reason"}),
    "spending_plans": None,  # its projects' spending plans
    "forecasts": None,  # its indicators' forecasts
}


@dataclass(frozen=True)
class Scope:
    """What one user may do with one ledger of one self-evaluation."""

    read: bool
    write: bool
    division: Division | None = None  # only this division's rows, when set
    fields: frozenset[str] | None = None  # only these fields, no rows added or removed, when set

    @property
    def whole_rows(self) -> bool:
        """Whether rows may be added and removed, not only some of their fields changed."""
        return self.write and self.fields is None

    def foreign(self, changed: Iterable[str]) -> list[str]:
        """The changed model fields this scope may not change."""
        if self.fields is None:
            return []
        return sorted(name for name in changed if name not in self.fields)


NOTHING = Scope(read=False, write=False)


@dataclass(frozen=True, eq=False)
class Actor:
    """A user with their role and scope, answering every permission question. ``user`` is
    None for an anonymous visitor, ``member`` None for an account without a role: both see
    nothing."""

    user: User | None
    member: Membership | None

    @classmethod
    def of(cls, user: User | AnonymousUser | None) -> Actor:
        """The actor of ``user``: its membership as read with the user (a request's user,
        ``signin.SignInBackend.get_user``), else read now in one query."""
        if user is None or not user.is_authenticated:
            return cls(None, None)
        assert isinstance(user, User)
        if User.membership.is_cached(user):  # read with the user
            return cls(user, getattr(user, "membership", None))  # None: an account without one
        member = (
            Membership.objects.select_related("department", "division").filter(user=user).first()
        )
        return cls(user, member)

    @property
    def signed_in(self) -> User:
        """The user of a view that requires sign-in (login_required or the API's
        IsAuthenticated)."""
        assert self.user is not None
        return self.user

    @property
    def role(self) -> str | None:
        return self.member.role if self.member is not None else None

    @property
    def division(self) -> Division | None:
        """The division whose rows alone the actor reads — a division filler's —, or None for
        everyone else. The one place that says so: ledgers, results, monitoring, documents and
        the audit log all follow it."""
        if self.member is not None and self.member.role == Role.DIVISION_FILLER:
            return self.member.division
        return None

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN

    @property
    def sees_every_department(self) -> bool:
        """Whether the actor sees the bureau's overview of every department — their scores,
        ranks and comparisons: the bureau reviewer only (a department's users never see
        another department's; the system administrator reads no data)."""
        return self.role == Role.BUREAU_REVIEWER

    # --- accounts --------------------------------------------------------------------------

    @property
    def managed_department_id(self) -> int | None:
        """The department whose accounts a department's account administrator manages."""
        if self.member is not None and self.member.role == Role.DEPARTMENT_ADMIN:
            return self.member.department_id
        return None

    def may_manage_accounts(self) -> bool:
        """Whether the actor sees user administration: the system administrator, and a
        department's account administrator (for their department's accounts only)."""
        return self.is_system_admin or self.managed_department_id is not None

    def managed_accounts(self) -> QuerySet[User]:
        """The accounts the actor may change: every account for the system administrator; for
        a department's account administrator, their department's division fillers, finance
        reviewers and unit leaders; none for anyone else."""
        if self.is_system_admin:
            return User.objects.all()
        department = self.managed_department_id
        if department is None:
            return User.objects.none()
        return User.objects.filter(
            membership__department_id=department, membership__role__in=DEPARTMENT_ROLES
        )

    def may_grant(self, role: str, department_id: int | None) -> bool:
        """Whether the actor may give an account ``role`` in the department ``department_id``:
        the system administrator any; a department's account administrator only a department
        role in their own department."""
        if self.is_system_admin:
            return True
        own = self.managed_department_id
        return own is not None and role in DEPARTMENT_ROLES and department_id == own

    # --- self-evaluations ----------------------------------------------------------------

    def visible_evaluations(self) -> QuerySet[SelfEvaluation]:
        """The self-evaluations the actor may read."""
        # with its reviewer assignment (a left join), so :func:`may_review` asks no more
        evaluations = SelfEvaluation.objects.select_related("department", "assignment")
        member = self.member
        if member is None:
            return evaluations.none()
        if member.role == Role.BUREAU_REVIEWER:
            return evaluations.all()
        if member.role in DEPARTMENT_ROLES and member.department_id is not None:
            return evaluations.filter(department_id=member.department_id)
        return evaluations.none()

    def evaluation_or_404(self, pk: int) -> SelfEvaluation:
        evaluation = self.visible_evaluations().filter(pk=pk).first()
        if evaluation is None:
            raise NotFound(_("没有这个年度绩效自评，或您无权查看"))
        return evaluation

    def _in_department(self, record: SelfEvaluation) -> bool:
        return self.member is not None and self.member.department_id == record.department_id

    # --- the ledgers -----------------------------------------------------------------------

    def scope_on(self, record: SelfEvaluation, table: str) -> Scope:
        """The actor's rights on the ledger ``table`` of ``record`` (the caller has checked
        that ``record`` is visible; the lock is checked when changing)."""
        role = self.role
        if role == Role.BUREAU_REVIEWER:
            return Scope(read=True, write=False)
        if not self._in_department(record):
            return NOTHING
        if role == Role.FINANCE_REVIEWER:
            return Scope(read=True, write=True)
        if role == Role.UNIT_LEADER:
            return Scope(read=True, write=False)
        division = self.division
        if division is not None and table in DIVISION_TABLES:
            owned = DIVISION_FIELDS[table]
            return Scope(read=True, write=owned != frozenset(), division=division, fields=owned)
        return NOTHING

    def reads_whole_department(self, record: SelfEvaluation) -> bool:
        """Whether the actor reads every row of every ledger of ``record`` (the finance
        reviewer, the unit leader, the bureau). Only they get the department's documents,
        which show every row; everyone else sees the department's results cut to the rows they
        read (``editing.readable``)."""
        if self.role == Role.BUREAU_REVIEWER:
            return True
        return self._in_department(record) and self.role in (
            Role.FINANCE_REVIEWER,
            Role.UNIT_LEADER,
        )

    # --- documents, uploads, workflow ------------------------------------------------------

    def may_download(self, record: SelfEvaluation) -> bool:
        """Whether the actor gets ``record``'s documents (report, score table, workbook,
        monitoring bulletin and review table): only if they read every row they show."""
        return self.reads_whole_department(record)

    def may_upload(self, record: SelfEvaluation) -> bool:
        """Whether the actor may bring a workbook into ``record`` (whatever the lock): the
        finance reviewer of its department."""
        return self.role == Role.FINANCE_REVIEWER and self._in_department(record)

    def may_recompute_all(self) -> bool:
        """Whether the actor may have every department-year's stored result computed again (a
        background job, ``jixiao.web.jobs``): the bureau reviewer and the system administrator,
        who see it run; computing again changes no data."""
        return self.role in (Role.BUREAU_REVIEWER, Role.SYSTEM_ADMIN)

    def may_set_cut_off(self) -> bool:
        """Whether the actor may freeze a cohort at a cut-off (``cohorts.freezing``, decision
        0023): the bureau reviewer only; department users never see the form (404)."""
        return self.role == Role.BUREAU_REVIEWER

    def may_read_summary(self) -> bool:
        """Whether the actor reads the bureau's summary of a year (every department's score,
        grade and rank; ``jixiao.web.summary``): the bureau reviewer only."""
        return self.role == Role.BUREAU_REVIEWER

    def may_manage_frameworks(self) -> bool:
        """Whether the actor installs scoring frameworks and says which years and groups use
        them (decision 0030): the bureau reviewer and the system administrator."""
        return self.role in (Role.BUREAU_REVIEWER, Role.SYSTEM_ADMIN)

    def may_load_departments(self) -> bool:
        """Whether the actor may load many departments' workbooks at once (a zip, a background
        job, ``web/bulk.py``): the bureau reviewer and the system administrator. Department
        users never see the page (404)."""
        return self.role in (Role.BUREAU_REVIEWER, Role.SYSTEM_ADMIN)

    def workflow_role(self, record: SelfEvaluation) -> str | None:
        """The role in which the actor takes ``record``'s workflow steps: their own, for the
        bureau or within their department; None otherwise (a system administrator, another
        department)."""
        if self.role == Role.BUREAU_REVIEWER or (
            self.role is not None and self._in_department(record)
        ):
            return self.role
        return None

    # --- the audit log ---------------------------------------------------------------------

    def visible_events(self) -> QuerySet[AuditEvent]:
        """The audit events the actor may read: those of the self-evaluations they see — for
        a division filler only the events about their division's rows and their own actions
        —; the system administrator also sees the events of no self-evaluation (user
        administration, sign-ins)."""
        in_scope = Q(evaluation__in=self.visible_evaluations())
        division = self.division
        if division is not None:
            in_scope &= Q(division=division) | Q(actor=self.user)
        if self.is_system_admin:
            in_scope |= Q(evaluation__isnull=True)
        return AuditEvent.objects.filter(in_scope)


def assigned_reviewer(record: SelfEvaluation) -> int | None:
    """The id of the bureau reviewer assigned to ``record`` (``ReviewerAssignment``), or None:
    read from ``record`` when it was loaded with its assignment (:meth:`Actor.visible_evaluations`
    does, so a page asks no more), else one query (the use cases ask on the locked row, so an
    assignment changed meanwhile is seen)."""
    descriptor = SelfEvaluation.assignment
    if not descriptor.is_cached(record):
        found = ReviewerAssignment.objects.filter(evaluation_id=record.pk)
        return found.values_list("reviewer_id", flat=True).first()
    try:
        return record.assignment.reviewer_id
    except ObjectDoesNotExist:
        return None


def may_review(actor: Actor, record: SelfEvaluation) -> bool:
    """Whether ``actor`` may re-score ``record``'s items and accept it (the bureau's 复核 and
    审核通过). Every bureau reviewer reads every department; only the reviewer assigned to the
    department-year (``ReviewerAssignment``) re-scores and accepts it. A department-year assigned
    to no one may be reviewed by any bureau reviewer (decision 0025): assigning is how a bureau
    with several reviewers divides the work, and a bureau with one reviewer, or a year not yet
    divided, is not held up.

    A department's users never review (their refusal is 404, as for any change outside a
    scope); a bureau reviewer who may not is refused with 409 (they see the department)."""
    if actor.role != Role.BUREAU_REVIEWER or actor.user is None:
        return False
    assigned = assigned_reviewer(record)
    return assigned is None or assigned == actor.user.pk


Who = User | Actor  # what the use cases accept: an actor, or a user (whose actor is built)


def as_actor(who: Who | AnonymousUser) -> Actor:
    """``who`` as an actor: itself, or a user's actor built now (one query)."""
    return who if isinstance(who, Actor) else Actor.of(who)


def user_of(who: Who) -> User:
    """The user behind ``who``, as audit events name them."""
    return who.signed_in if isinstance(who, Actor) else who


ACTOR_ATTRIBUTE = "jixiao_actor"


def actor_of(request: HttpRequest | Any) -> Actor:
    """The actor of ``request`` (a page's or the API's), built once per request and kept on it,
    so that a page asks the database for the membership once however many questions it asks.
    Built again if the request's user changes (signing in or out)."""
    user = request.user
    base = getattr(request, "_request", request)  # the API's request wraps the page's
    cached = getattr(base, ACTOR_ATTRIBUTE, None)
    if isinstance(cached, Actor) and cached.user == (user if user.is_authenticated else None):
        return cached
    actor = Actor.of(user)
    setattr(base, ACTOR_ATTRIBUTE, actor)
    return actor


def permitted(asked_by: HttpRequest | Any, may: Callable[[Actor], bool]) -> Actor:
    """The actor of ``asked_by`` — a request (a page's or the API's), a user or an actor — if
    ``may`` holds for them; anyone else is answered 404 (``NotFound``): a page, an API call or a
    use case one may not use does not exist for them, so its existence is not disclosed either.

    ``permitted(request, Actor.may_manage_frameworks)``,
    ``permitted(who, lambda actor: actor.sees_every_department)``."""
    actor = as_actor(asked_by) if isinstance(asked_by, User | Actor) else actor_of(asked_by)
    if not may(actor):
        raise NotFound(_("没有这个页面，或您无权查看"))
    return actor


def sees_every_department(actor: Actor) -> bool:
    return actor.sees_every_department


def is_system_admin(actor: Actor) -> bool:
    return actor.is_system_admin


def membership(user: User) -> Membership | None:
    """An account's role and scope as stored now (for user administration, which shows and
    records another account's; permission questions ask the actor)."""
    return Membership.objects.select_related("department", "division").filter(user=user).first()
