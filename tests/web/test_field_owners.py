"""Fields have owners: a division fills its indicators' actual values and deviation reasons,
its key tasks' narrative, its spending plans and forecasts; budgets, funding sources, spending
and targets are the finance office's — in forms, the API and uploads alike (issue 10, item 8)."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Indicator, KeyTask, Project

pytestmark = pytest.mark.django_db


def test_item8_a_division_cannot_raise_its_projects_budget(
    client_for: Any, demo: SelfEvaluation
) -> None:
    division = client_for("demo-division2")  # 消费促进处
    p18 = Project.objects.get(evaluation=demo, code="P18")
    answer = division.patch(
        f"/api/evaluations/{demo.pk}/tables/projects/{p18.pk}/",
        {"cells": {"adjusted_budget_wan": "12200"}, "reason": "加 5000 万元"},
        content_type="application/json",
    )
    # a division fills only what its projects achieved (issue 13): the budget is not its field
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["code"] == "E-FIELD-OWNER"
    assert Project.objects.get(pk=p18.pk).adjusted_budget == p18.adjusted_budget
    score = division.get(f"/api/evaluations/{demo.pk}/evaluation/").json()["total"]["score"]
    assert score == "93.13"


def test_item8_a_division_changes_its_actual_values_but_not_its_targets(
    client_for: Any, demo: SelfEvaluation
) -> None:
    division = client_for("demo-division2")
    i201 = Indicator.objects.get(evaluation=demo, code="I201")
    target, points = i201.target, i201.points
    url = f"/api/evaluations/{demo.pk}/tables/indicators/{i201.pk}/"
    refused = division.patch(
        url, {"cells": {"target": "1", "points": "5"}}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert [(p["code"], p["message"]) for p in refused.json()["problems"]] == [
        ("E-FIELD-OWNER", "“年度指标值”由财务审核人填报，处室不能修改"),
        ("E-FIELD-OWNER", "“分值”由财务审核人填报，处室不能修改"),
    ]
    saved = division.patch(
        url,
        {"cells": {"actual": "6.8", "deviation_reason": "消费回暖"}},
        content_type="application/json",
    )
    assert saved.status_code == 200
    i201.refresh_from_db()
    assert (i201.actual, i201.deviation_reason) == ("6.8", "消费回暖")
    assert (i201.target, i201.points) == (target, points)


def test_item8_a_division_writes_its_tasks_narrative_but_adds_no_task(
    client_for: Any, demo: SelfEvaluation
) -> None:
    division = client_for("demo-division2")
    task = KeyTask.objects.get(evaluation=demo, division__name="消费促进处")
    base = f"/api/evaluations/{demo.pk}/tables/key_tasks/"
    saved = division.patch(
        f"{base}{task.pk}/", {"cells": {"completion": "全年完成"}}, content_type="application/json"
    )
    assert saved.status_code == 200
    assert KeyTask.objects.get(pk=task.pk).completion == "全年完成"
    added = division.post(
        base, {"cells": {"code": "T9", "name": "新任务"}}, content_type="application/json"
    )
    assert (added.status_code, added.json()["detail"]) == (
        409,
        "处室不能新增重点任务，请联系财务审核人",
    )
    assert division.get(f"/evaluations/{demo.pk}/data/key_tasks/new/").status_code == 404
    form = division.get(f"/evaluations/{demo.pk}/data/key_tasks/{task.pk}/").content.decode()
    assert 'name="completion"' in form and 'name="name" maxlength' not in form


def test_item8_a_division_cannot_learn_other_divisions_codes_through_its_forecasts(
    client_for: Any, demo: SelfEvaluation
) -> None:
    division = client_for("demo-division2")  # 消费促进处
    base = f"/api/evaluations/{demo.pk}/tables/forecasts/"
    answers = [
        division.post(
            base,
            {"cells": {"indicator": code, "month": "6", "forecast": "1"}},
            content_type="application/json",
        )
        for code in ("I102", "I999")  # 对外贸易处's, and none
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert [a.json()["problems"][0]["message"] for a in answers] == [
        "“指标编码”须为本处室的编码，“I102”不是",
        "“指标编码”须为本处室的编码，“I999”不是",
    ]
