"""User administration: the system administrator only; every bad input refused at its field."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from jixiao.web.audit.models import AuditEvent
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
    assert Membership.objects.count() == 6


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
        "role": "division_filler",
        "department": "广州市商务局",
        "division": "口岸管理处",
    }
    assert "新建用户" in client_for("demo-admin").get("/audit/").content.decode()
