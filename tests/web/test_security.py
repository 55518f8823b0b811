"""Issue 10, items 16–18: sign-in throttling and lockout, the Content-Security-Policy and the
HTTPS mode, the password policy and usernames unique regardless of case (docs/security.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from jixiao.web.demo import ACCOUNTS, PASSWORD
from jixiao.web.organizations.models import Division, Membership, Role, SelfEvaluation

pytestmark = pytest.mark.django_db


def new_filler(demo: SelfEvaluation, username: str, password: str) -> dict[str, object]:
    division = Division.objects.get(department=demo.department, name="口岸管理处")
    return {
        "username": username,
        "password": password,
        "role": Role.DIVISION_FILLER,
        "department": demo.department.pk,
        "division": division.pk,
    }


# Item 18: the password policy and usernames regardless of case


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("kouan", "port-2024", "密码太短，至少需要 10 个字符。"),
        ("kouan", "20240101123", "密码只包含数字。"),
        ("kouan", "password123", "这个密码太常见了。"),
        ("kouan-office", "kouan-office1", "密码与用户名过于相似。"),
    ],
)
def test_item18_a_new_password_is_held_to_the_policy_at_its_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation, username: str, password: str, message: str
) -> None:
    response = client_for("demo-admin").post("/users/", new_filler(demo, username, password))
    assert response.status_code == 400
    assert response.context["form"].errors == {"password": [message]}
    page = response.content.decode()
    assert f'<div class="field-error" id="error-password">{message}</div>' in page
    assert not User.objects.filter(username=username).exists()


def test_item18_a_changed_password_is_held_to_the_policy_against_its_account(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    account = User.objects.get(username="demo-leader")
    fields = {"role": Role.UNIT_LEADER, "department": demo.department.pk, "is_active": "on"}
    response = client_for("demo-admin").post(
        f"/users/{account.pk}/", fields | {"password": "demo-leader1"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"password": ["密码与用户名过于相似。"]}


def test_item18_the_demo_password_meets_the_policy(demo: SelfEvaluation) -> None:  # noqa: ARG001
    """`jixiao demo` sets it without the validators (set_password), but it would pass them."""
    for username, *_ in ACCOUNTS:
        validate_password(PASSWORD, User.objects.get(username=username))


def test_item18_a_username_differing_only_in_case_is_refused_at_its_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    response = client_for("demo-admin").post(
        "/users/", new_filler(demo, "Demo-Finance", "port-office-2024")
    )
    assert response.status_code == 400
    message = "已有用户 demo-finance；用户名不区分大小写，不能只以大小写与已有用户区分"
    assert response.context["form"].errors == {"username": [message]}
    assert f'<div class="field-error" id="error-username">{message}</div>' in (
        response.content.decode()
    )
    assert User.objects.filter(username__iexact="demo-finance").count() == 1
    assert Membership.objects.count() == len(ACCOUNTS)


def test_item18_the_database_refuses_a_username_differing_only_in_case(
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user("DEMO-finance", password="port-office-2024")


def test_item18_two_administrators_at_once_get_the_refusal_at_the_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's check passes (the other account is created after it ran): the database's
    index refuses the account, and the page says why at the field — not a 500."""
    admin = client_for("demo-admin")
    monkeypatch.setattr("jixiao.web.users.NewUserForm.clean_username", lambda _form: "Demo-Finance")
    response = admin.post("/users/", new_filler(demo, "Demo-Finance", "port-office-2024"))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["已有用户 demo-finance；用户名不区分大小写，不能只以大小写与已有用户区分"]
    }
    assert Membership.objects.count() == len(ACCOUNTS)


def test_item18_sign_in_ignores_the_case_of_the_username(demo: SelfEvaluation) -> None:  # noqa: ARG001
    client = Client()
    response = client.post("/accounts/login/", {"username": "DEMO-Finance", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.get_username() == "demo-finance"


@pytest.mark.django_db(transaction=True)
def test_item18_an_upgrade_over_usernames_differing_only_in_case_names_them() -> None:
    """A database from before the unique index that holds such a pair: the migration stops
    with their names (nothing changed) instead of a bare IntegrityError."""
    before, index = (
        ("organizations", "0003_division_submissions"),
        ("organizations", "0004_usernames_unique_regardless_of_case"),
    )
    MigrationExecutor(connection).migrate([before])
    try:
        User.objects.create_user("Kouan")
        User.objects.create_user("kouan")
        with pytest.raises(RuntimeError) as refused:
            MigrationExecutor(connection).migrate([index])
        assert str(refused.value) == (
            "以下用户名只有大小写不同，无法加上“用户名不区分大小写唯一”的约束：Kouan、kouan。"
            "请先为其中的账号改名后再升级。"
        )
        User.objects.filter(username="Kouan").update(username="kouan-port")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("KOUAN")
