"""User administration: the system administrator only; every bad input refused at its field."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import ACCOUNTS
from jixiao.web.organizations.models import Division, Membership, Role, SelfEvaluation

pytestmark = pytest.mark.django_db


def test_only_the_system_administrator(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]  # noqa: ARG001
    for username in ("demo-division", "demo-finance", "demo-leader", "demo-bureau"):
        assert client_for(username).get("/users/").status_code == 404
        assert client_for(username).post("/users/", {"username": "x"}).status_code == 404
    assert client_for("demo-admin").get("/users/").status_code == 200


def test_bad_input_is_refused_at_each_field(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    other = SelfEvaluation.objects.create(
        department=demo.department.__class__.objects.create(code="x", name="另一个局"),
        fiscal_year=2023,
        framework=demo.framework,
    )
    foreign = Division.objects.create(department=other.department, name="外局处室")
    response = client_for("demo-admin").post(
        "/users/",
        {
            "username": "demo-finance",
            "password": "short",
            "role": Role.DIVISION_FILLER,
            "department": demo.department.pk,
            "division": foreign.pk,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<div class="field-error" id="error-username">该用户名已存在</div>' in page
    assert 'id="error-password"' in page
    assert '<div class="field-error" id="error-division">处室不属于所选部门</div>' in page
    assert Membership.objects.count() == len(ACCOUNTS)


def test_a_new_division_filler(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    division = Division.objects.get(department=demo.department, name="口岸管理处")
    response = client_for("demo-admin").post(
        "/users/",
        {
            "username": "kouan",
            "password": "port-office-2024",
            "role": Role.DIVISION_FILLER,
            "department": demo.department.pk,
            "division": division.pk,
        },
        follow=True,
    )
    assert "已新建用户 kouan。" in response.content.decode()
    assert authenticate(username="kouan", password="port-office-2024") is not None
    event = AuditEvent.objects.get(action="新建用户")
    assert event.after == {
        "启用": "是",
        "角色": "处室填报人",
        "部门": "广州市商务局",
        "处室": "口岸管理处",
    }
    assert "新建用户" in client_for("demo-admin").get("/audit/").content.decode()


def test_an_account_is_moved_to_another_division(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    account = User.objects.get(username="demo-division")
    division = Division.objects.get(department=demo.department, name="口岸管理处")
    admin = client_for("demo-admin")
    form = admin.get(f"/users/{account.pk}/")
    assert form.status_code == 200 and form.context["form"]["role"].value() == Role.DIVISION_FILLER
    response = admin.post(
        f"/users/{account.pk}/",
        {
            "role": Role.DIVISION_FILLER,
            "department": demo.department.pk,
            "division": division.pk,
            "is_active": "on",
        },
        follow=True,
    )
    assert "已修改用户 demo-division。" in response.content.decode()
    assert Membership.objects.get(user=account).division == division
    event = AuditEvent.objects.get(action="修改用户")
    assert (event.target, event.before, event.after) == (
        "用户 demo-division",
        {"处室": "对外贸易处"},
        {"处室": "口岸管理处"},
    )
    page = client_for("demo-division").get(f"/evaluations/{demo.pk}/data/projects/")
    assert "P01" in page.content.decode()  # 口岸管理处's project


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(
    client_for, demo: SelfEvaluation
) -> None:  # type: ignore[no-untyped-def]
    division = client_for("demo-division")
    assert division.get(f"/evaluations/{demo.pk}/").status_code == 200
    account = User.objects.get(username="demo-division")
    scope = Membership.objects.get(user=account)
    response = client_for("demo-admin").post(
        f"/users/{account.pk}/",
        {"role": scope.role, "department": scope.department_id, "division": scope.division_id},
    )
    assert response.status_code == 302
    assert division.get(f"/evaluations/{demo.pk}/").status_code == 302  # to the sign-in page
    assert authenticate(username="demo-division", password="jixiao-demo") is None
    event = AuditEvent.objects.get(action="修改用户")
    assert (event.before, event.after) == ({"启用": "是"}, {"启用": "否"})


def test_a_new_password_is_checked_and_not_recorded(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]  # noqa: ARG001
    account = User.objects.get(username="demo-leader")
    scope = Membership.objects.get(user=account)
    fields = {"role": scope.role, "department": scope.department_id, "is_active": "on"}
    admin = client_for("demo-admin")
    short = admin.post(f"/users/{account.pk}/", fields | {"password": "abc"})
    assert short.status_code == 400
    assert short.context["form"].errors["password"] == [
        "密码太短，至少需要 10 个字符。",
        "这个密码太常见了。",
    ]
    admin.post(f"/users/{account.pk}/", fields | {"password": "leader-office-2024"})
    assert authenticate(username="demo-leader", password="leader-office-2024") is not None
    event = AuditEvent.objects.get(action="修改用户")
    assert (event.before, event.after) == ({"密码": "（原密码）"}, {"密码": "（已重设）"})
    assert "leader-office-2024" not in str(event.after)


def test_the_administrator_cannot_lock_themselves_out(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]  # noqa: ARG001
    admin = User.objects.get(username="demo-admin")
    response = client_for("demo-admin").post(f"/users/{admin.pk}/", {"role": Role.UNIT_LEADER})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["is_active"] == ["不能停用自己的账号"]
    assert errors["role"][0] == "不能取消自己的系统管理员角色"
    admin.refresh_from_db()
    assert admin.is_active and Membership.objects.get(user=admin).role == Role.SYSTEM_ADMIN


def test_only_the_administrator_edits_accounts(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]  # noqa: ARG001
    account = User.objects.get(username="demo-finance")
    for username in ("demo-division", "demo-finance", "demo-leader", "demo-bureau"):
        client = client_for(username)
        assert client.get(f"/users/{account.pk}/").status_code == 404
        assert client.post(f"/users/{account.pk}/", {"role": Role.SYSTEM_ADMIN}).status_code == 404
    assert Membership.objects.get(user=account).role == Role.FINANCE_REVIEWER
    assert client_for("demo-admin").get("/users/999999/").status_code == 404
