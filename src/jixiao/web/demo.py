"""The demo: the reference department with one account per role (password ``jixiao-demo``).

Accounts exist only where this is run — by ``jixiao demo`` on a machine the user controls; the
application never creates them otherwise.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from jixiao.core.model import Dataset
from jixiao.web.audit import events
from jixiao.web.loading import store
from jixiao.web.organizations.models import Division, Membership, Role, SelfEvaluation

PASSWORD = "jixiao-demo"
ACCOUNTS = (  # username, role, division (for division fillers)
    ("demo-division", Role.DIVISION_FILLER, "对外贸易处"),
    ("demo-division2", Role.DIVISION_FILLER, "消费促进处"),
    ("demo-finance", Role.FINANCE_REVIEWER, None),
    ("demo-leader", Role.UNIT_LEADER, None),
    ("demo-bureau", Role.BUREAU_REVIEWER, None),
    ("demo-admin", Role.SYSTEM_ADMIN, None),
    ("demo-accounts", Role.DEPARTMENT_ADMIN, None),  # the department's account administrator
)


@transaction.atomic
def load_demo(dataset: Dataset, source: str) -> SelfEvaluation:
    """Store ``dataset`` (read from ``source``) as ``jixiao load --replace`` does, and the demo
    accounts for its department; running it again brings the data set back to ``source`` (but
    for a submitted division's rows) and resets the accounts' passwords.

    The accounts belong to the department the last demo loaded: its finance reviewer, leader,
    and the fillers of two of its divisions (the reference's 对外贸易处 and 消费促进处 where the
    data set has them, else its first divisions). Other departments loaded stay as they are."""
    evaluation = store(dataset, source, replace=True, audit_creation=False).evaluation
    assert evaluation is not None
    users = get_user_model()
    fillers = _filler_divisions(evaluation)
    for username, role, preferred in ACCOUNTS:
        if preferred and fillers.get(preferred) is None:  # a department of one division
            users.objects.filter(username=username).update(is_active=False)
            continue
        user, _ = users.objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.is_staff = role is Role.SYSTEM_ADMIN
        user.is_active = True
        user.save()
        in_department = role in (
            Role.DIVISION_FILLER,
            Role.FINANCE_REVIEWER,
            Role.UNIT_LEADER,
            Role.DEPARTMENT_ADMIN,
        )
        Membership.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "division": fillers.get(preferred) if preferred else None,
                "department": evaluation.department if in_department else None,
            },
        )
    counts = {"项目": len(dataset.projects), "指标": len(dataset.indicators)}
    events.dataset_loaded(evaluation, counts, f"jixiao demo 载入 {source}", demo=True)
    return evaluation


def _filler_divisions(evaluation: SelfEvaluation) -> dict[str, Division | None]:
    """The division each demo filler account fills: the one it prefers if the department has
    it, else the department's first divisions not taken (None when there are too few)."""
    divisions = list(Division.objects.filter(department=evaluation.department).order_by("id"))
    by_name = {division.name: division for division in divisions}
    wanted = [preferred for _username, _role, preferred in ACCOUNTS if preferred]
    chosen: dict[str, Division | None] = {name: by_name.get(name) for name in wanted}
    free = iter(d for d in divisions if d not in chosen.values())
    for name in wanted:
        if chosen[name] is None:
            chosen[name] = next(free, None)
    return chosen
