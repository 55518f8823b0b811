"""The demo: the reference department with one account per role (password ``jixiao-demo``).

Accounts exist only where this is run — by ``jixiao demo`` on a machine the user controls; the
application never creates them otherwise.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK
from jixiao.core.model import Dataset
from jixiao.web.audit.services import record_event
from jixiao.web.organizations.models import Division, Membership, Role, SelfEvaluation
from jixiao.web.records.mapping import save_dataset

PASSWORD = "jixiao-demo"
ACCOUNTS = (  # username, role, division (for division fillers)
    ("demo-division", Role.DIVISION_FILLER, "对外贸易处"),
    ("demo-division2", Role.DIVISION_FILLER, "消费促进处"),
    ("demo-finance", Role.FINANCE_REVIEWER, None),
    ("demo-leader", Role.UNIT_LEADER, None),
    ("demo-bureau", Role.BUREAU_REVIEWER, None),
    ("demo-admin", Role.SYSTEM_ADMIN, None),
)


@transaction.atomic
def load_demo(dataset: Dataset, source: str) -> SelfEvaluation:
    """Store ``dataset`` (read from ``source``) and the demo accounts; running it again resets
    the data set and the accounts' passwords."""
    evaluation = save_dataset(dataset, DEFAULT_FRAMEWORK)
    users = get_user_model()
    for username, role, division_name in ACCOUNTS:
        user, _ = users.objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.is_staff = role is Role.SYSTEM_ADMIN
        user.save()
        in_department = role in (Role.DIVISION_FILLER, Role.FINANCE_REVIEWER, Role.UNIT_LEADER)
        division = (
            Division.objects.get(department=evaluation.department, name=division_name)
            if division_name
            else None
        )
        Membership.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "division": division,
                "department": evaluation.department if in_department else None,
            },
        )
    record_event(
        None,
        "载入演示数据",
        str(evaluation),
        evaluation=evaluation,
        after={"projects": len(dataset.projects), "indicators": len(dataset.indicators)},
        reason=f"jixiao demo 载入 {source}",
    )
    return evaluation
