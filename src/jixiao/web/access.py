"""Who may see and do what. Every view, download and API call asks here; menus only follow.

Scopes: a division filler sees the self-evaluations of their department (and later edits only
their division's records); finance reviewers and unit leaders see their department's; finance-
bureau reviewers see every department's; system administrators manage users and see no data
set. Anything outside a user's scope is answered as if it did not exist (404), so that nothing
leaks, not even whether it exists.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

from jixiao.web.organizations.models import Membership, Role, SelfEvaluation

DEPARTMENT_ROLES = (Role.DIVISION_FILLER, Role.FINANCE_REVIEWER, Role.UNIT_LEADER)


def signed_in(user: User | AnonymousUser) -> User:
    """The user of a view that requires sign-in (login_required or the API's IsAuthenticated)."""
    assert isinstance(user, User)
    return user


def membership(user: User | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("department", "division").filter(user=user).first()


def visible_evaluations(user: User | AnonymousUser) -> QuerySet[SelfEvaluation]:
    """The self-evaluations ``user`` may read."""
    scope = membership(user)
    evaluations = SelfEvaluation.objects.select_related("department")
    if scope is None:
        return evaluations.none()
    if scope.role == Role.BUREAU_REVIEWER:
        return evaluations.all()
    if scope.role in DEPARTMENT_ROLES and scope.department_id is not None:
        return evaluations.filter(department_id=scope.department_id)
    return evaluations.none()


def evaluation_or_404(user: User | AnonymousUser, pk: int) -> SelfEvaluation:
    evaluation = visible_evaluations(user).filter(pk=pk).first()
    if evaluation is None:
        raise Http404("没有这个年度绩效自评，或您无权查看")
    return evaluation
