"""Out-of-range numbers and over-long texts are refused at their field on every web path,
never a server error (issue 10, items 10 and 11)."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Indicator, Project

pytestmark = pytest.mark.django_db


def test_item10_a_huge_actual_value_is_refused_in_the_form_and_the_api(
    client_for: Any, demo: SelfEvaluation
) -> None:
    client = client_for("demo-finance")
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    form = client.post(
        f"/evaluations/{demo.pk}/indicators/{indicator.pk}/",
        {"actual": "1e999999999", "reason": "试"},
    )
    assert form.status_code == 400
    assert "超出可处理的范围" in form.content.decode()
    api = client.patch(
        f"/api/evaluations/{demo.pk}/indicators/{indicator.pk}/actual/",
        {"actual": "1e999999999"},
        content_type="application/json",
    )
    assert api.status_code == 400
    row = client.patch(
        f"/api/evaluations/{demo.pk}/tables/projects/{Project.objects.filter(evaluation=demo).first().pk}/",
        {"cells": {"adjusted_budget_wan": "1e999999999"}},
        content_type="application/json",
    )
    assert row.status_code == 400
    assert [p["code"] for p in row.json()["problems"]] == ["E-RANGE"]
    assert Indicator.objects.get(pk=indicator.pk).actual == indicator.actual


def test_item11_a_200000_character_project_name_is_refused_with_its_limit(
    client_for: Any, demo: SelfEvaluation
) -> None:
    client = client_for("demo-finance")
    project = Project.objects.filter(evaluation=demo).first()
    assert project is not None
    answer = client.patch(
        f"/api/evaluations/{demo.pk}/tables/projects/{project.pk}/",
        {"cells": {"name": "长" * 200_000}},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert [p["message"] for p in answer.json()["problems"]] == [
        "“项目名称”最多 300 个字符，实际有 200000 个"
    ]
    assert Project.objects.get(pk=project.pk).name == project.name


def test_item11_a_name_at_its_limit_fits_the_audit_log(
    client_for: Any, demo: SelfEvaluation
) -> None:
    """The audit event's object names the row by its name: a 300-character project name must
    not make a valid change fail where the database enforces the column's length."""
    client = client_for("demo-finance")
    project = Project.objects.filter(evaluation=demo).first()
    assert project is not None
    answer = client.patch(
        f"/api/evaluations/{demo.pk}/tables/projects/{project.pk}/",
        {"cells": {"name": "长" * 300}},
        content_type="application/json",
    )
    assert answer.status_code == 200
    event = AuditEvent.objects.get(action="修改项目")
    assert len(event.target) == 300 and event.target.endswith("…")
