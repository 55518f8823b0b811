"""A department's account administrator (部门账号管理员, decision 0028): manages the accounts of
their own department only, and only with the department's roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import PASSWORD
from jixiao.web.errors import NotFound
from jixiao.web.organizations.models import Department, Division, Membership, Role, SelfEvaluation
from jixiao.web.policy import Actor
from jixiao.web.users import EditUserForm, NewUserForm, change_user, create_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Kq7-mangrove-lantern"


@pytest.fixture
def admin(demo: SelfEvaluation) -> User:
    """The account administrator of 广州市商务局, and another department with its own
    finance reviewer."""
    other = Department.objects.create(code="other", name="另一个局")
    Division.objects.create(department=other, name="办公室")
    user = User.objects.create_user("other-finance", password=PASSWORD)
    Membership.objects.create(user=user, role=Role.FINANCE_REVIEWER, department=other)
    manager = User.objects.get(username="demo-accounts")  # the demo's account administrator
    assert manager.membership.role == Role.DEPARTMENT_ADMIN
    assert manager.membership.department == demo.department
    return manager


def _client(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def _new(client: Client, **fields: object):  # type: ignore[no-untyped-def]
    data = {"username": "new-leader", "password": NEW_PASSWORD, "role": "unit_leader"}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post("/users/", data)


def test_they_see_and_change_only_their_departments_accounts(
    admin: User, demo: SelfEvaluation
) -> None:
    client = _client("demo-accounts")
    page = client.get("/users/").content.decode()
    for shown in ("demo-division", "demo-division2", "demo-finance", "demo-leader"):
        assert f'id="user-{shown}"' in page, shown
    for hidden in ("demo-bureau", "demo-admin", "other-finance", "demo-accounts"):
        assert f'id="user-{hidden}"' not in page, hidden
    for name in ("demo-bureau", "demo-admin", "other-finance", "demo-accounts"):
        account = User.objects.get(username=name)
        assert client.get(f"/users/{account.pk}/").status_code == 404, name
        answer = client.post(
            f"/users/{account.pk}/", {"role": "unit_leader", "department": demo.department_id}
        )
        assert answer.status_code == 404, name
        assert User.objects.get(username=name).is_active
    finance = User.objects.get(username="demo-finance")
    answer = client.post(
        f"/users/{finance.pk}/",
        {
            "role": "finance_reviewer",
            "department": demo.department_id,
            "password": NEW_PASSWORD,
        },
    )
    assert answer.status_code == 302
    finance.refresh_from_db()
    assert not finance.is_active and finance.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="修改用户")
    assert (event.actor, event.target) == (admin, "用户 demo-finance")
    assert event.after == {"启用": "否", "密码": "（已重设）"}


def test_they_create_accounts_in_their_department_with_its_roles_only(
    admin: User, demo: SelfEvaluation
) -> None:
    client = _client("demo-accounts")
    other = Department.objects.get(code="other")
    for role in ("bureau_reviewer", "system_admin", "department_admin"):
        answer = _new(client, role=role, department=demo.department_id)
        assert answer.status_code == 400, role
        assert "选择一个有效的选项" in answer.content.decode() or "Select a valid" in (
            answer.content.decode()
        )
    answer = _new(client, department=other.pk)
    assert answer.status_code == 400
    foreign = Division.objects.get(department=other)
    answer = _new(
        client, role="division_filler", department=demo.department_id, division=foreign.pk
    )
    assert answer.status_code == 400
    assert not User.objects.filter(username="new-leader").exists()
    answer = _new(client, department=demo.department_id)
    assert answer.status_code == 302
    created = Membership.objects.get(user__username="new-leader")
    assert (created.role, created.department_id) == (Role.UNIT_LEADER, demo.department_id)
    event = AuditEvent.objects.get(action="新建用户")
    assert event.actor == admin


def test_the_use_cases_refuse_what_the_form_of_another_would_allow(admin: User) -> None:
    """Defence in depth: a form filled for the system administrator, used by the department's
    account administrator, is refused by the use case itself."""
    actor = Actor.of(admin)
    form = NewUserForm({"username": "sneaky", "password": NEW_PASSWORD, "role": "bureau_reviewer"})
    assert form.is_valid(), form.errors
    with pytest.raises(NotFound):
        create_user(actor, form)
    assert not User.objects.filter(username="sneaky").exists()
    other = User.objects.get(username="other-finance")
    edit = EditUserForm(
        other,
        admin,
        {"role": "finance_reviewer", "department": other.membership.department_id},
    )
    assert edit.is_valid(), edit.errors
    with pytest.raises(NotFound):
        change_user(actor, edit)
    other.refresh_from_db()
    assert other.is_active
    promote = EditUserForm(
        User.objects.get(username="demo-finance"),
        admin,
        {"role": "system_admin", "is_active": "on"},
    )
    assert promote.is_valid(), promote.errors
    with pytest.raises(NotFound):
        change_user(actor, promote)
    assert Membership.objects.get(user__username="demo-finance").role == Role.FINANCE_REVIEWER


def test_they_read_no_data_and_the_bureau_pages_are_not_theirs(
    admin: User, demo: SelfEvaluation
) -> None:
    client = _client("demo-accounts")
    assert client.get(f"/evaluations/{demo.pk}/").status_code == 404
    assert client.get("/jobs/bulk-load/").status_code == 404
    assert client.get("/users/bulk/").status_code == 404
    assert "部门账号管理员管理本部门的账号，不查看数据。" in client.get("/").content.decode()
    assert Actor.of(admin).managed_accounts().filter(username="demo-admin").count() == 0
    for name in ("demo-finance", "demo-leader", "demo-division"):
        assert _client(name).get("/users/").status_code == 404, name
