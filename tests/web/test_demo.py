"""The demo loads the reference department and one account per role."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from jixiao.adapters.dataset_files import load_dataset
from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import ACCOUNTS, PASSWORD, load_demo
from jixiao.web.organizations.models import Membership, Role
from jixiao.web.records.models import Project

from ..conftest import REFERENCE

pytestmark = pytest.mark.django_db


def test_demo_accounts_and_scopes() -> None:
    evaluation = load_demo(load_dataset(REFERENCE), REFERENCE.name)
    scopes = {
        m.user.username: (m.role, m.department_id, m.division.name if m.division else None)
        for m in Membership.objects.select_related("division", "user")
    }
    department = evaluation.department_id
    assert scopes == {
        "demo-division": (Role.DIVISION_FILLER, department, "对外贸易处"),
        "demo-division2": (Role.DIVISION_FILLER, department, "消费促进处"),
        "demo-finance": (Role.FINANCE_REVIEWER, department, None),
        "demo-leader": (Role.UNIT_LEADER, department, None),
        "demo-bureau": (Role.BUREAU_REVIEWER, None, None),
        "demo-admin": (Role.SYSTEM_ADMIN, None, None),
        "demo-accounts": (Role.DEPARTMENT_ADMIN, department, None),
    }
    for username, *_ in ACCOUNTS:
        assert authenticate(username=username, password=PASSWORD) is not None
    assert Project.objects.filter(evaluation=evaluation).count() == 53
    assert AuditEvent.objects.get().action == "载入演示数据"


def test_loading_twice_resets_rather_than_duplicates() -> None:
    load_demo(load_dataset(REFERENCE), REFERENCE.name)
    load_demo(load_dataset(REFERENCE), REFERENCE.name)
    assert Membership.objects.count() == len(ACCOUNTS)
    assert Project.objects.count() == 53
    assert AuditEvent.objects.count() == 2
