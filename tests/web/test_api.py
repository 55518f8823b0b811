"""The REST API: the same scopes and checks as the pages, and an OpenAPI schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Indicator

pytestmark = pytest.mark.django_db


def test_schema_lists_every_endpoint(client_for) -> None:  # type: ignore[no-untyped-def]
    schema = client_for("demo-finance").get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = set(json.loads(schema.content)["paths"])
    assert paths == {
        "/api/evaluations/",
        "/api/evaluations/{id}/",
        "/api/evaluations/{id}/evaluation/",
        "/api/evaluations/{id}/dataset/",
        "/api/evaluations/{id}/indicators/{indicator}/actual/",
        "/api/evaluations/{id}/monitoring/{month}/",
        "/api/evaluations/{id}/tables/",
        "/api/evaluations/{id}/tables/{table}/",
        "/api/evaluations/{id}/tables/{table}/{row}/",
        "/api/evaluations/{id}/review/",
        "/api/evaluations/{id}/review/items/{node}/",
        "/api/evaluations/{id}/review/accept/",
        "/api/evaluations/{id}/review/return/",
        "/api/evaluations/{id}/jobs/report-pdf/",
        "/api/jobs/{id}/",
        "/api/jobs/recompute-all/",
        "/api/bureau/overview/",
        "/api/bureau/ranking/",
        "/api/bureau/items/",
        "/api/bureau/groups/",
        "/api/bureau/cut-offs/",
        "/api/bureau/cut-offs/{id}/",
        "/api/frameworks/",
        "/api/frameworks/assignments/",
        "/api/bureau/departments/",
        "/api/jobs/reports/",
        "/api/bureau/bulk-load/",
        "/api/bureau/assignments/",
        "/api/evaluations/{id}/assignment/",
        "/api/accounts/bulk/",
        "/api/rankings/",
        "/api/rankings/{id}/",
        "/api/rankings/{id}/withdraw/",
    }


def test_reading(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-leader")
    assert [e["department"] for e in client.get("/api/evaluations/").json()] == ["广州市商务局"]
    result = client.get(f"/api/evaluations/{demo.pk}/evaluation/").json()
    assert (result["total"], result["grade"]) == ({"score": "93.13", "max": "100"}, "优")
    tables = client.get(f"/api/evaluations/{demo.pk}/dataset/").json()["tables"]
    assert len(tables["projects"]) == 53
    p47 = next(row for row in tables["projects"] if row["code"] == "P47")
    assert p47["adjusted_budget_wan"] == "3924.185582"


def test_anonymous_and_out_of_scope(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/api/evaluations/").status_code in (401, 403)
    admin = client_for("demo-admin")
    assert admin.get("/api/evaluations/").json() == []
    for url in (
        f"/api/evaluations/{demo.pk}/",
        f"/api/evaluations/{demo.pk}/evaluation/",
        f"/api/evaluations/{demo.pk}/dataset/",
    ):
        assert admin.get(url).status_code == 404


def test_changing_an_actual_value(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    own = Indicator.objects.get(evaluation=demo, code="I102")
    other = Indicator.objects.get(evaluation=demo, code="I201")
    client = client_for("demo-division")
    url = f"/api/evaluations/{demo.pk}/indicators/{{}}/actual/"
    bad = client.patch(url.format(own.pk), {"actual": "两千"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["problems"][0]["code"] == "E-NUMBER"
    hidden = client.patch(url.format(other.pk), {"actual": "1"}, content_type="application/json")
    assert hidden.status_code == 404
    good = client.patch(
        url.format(own.pk), {"actual": "1900", "reason": "API"}, content_type="application/json"
    )
    assert good.json() == {"code": "I102", "actual": "1900"}
    result = client.get(f"/api/evaluations/{demo.pk}/evaluation/").json()
    assert result["total"]["score"] == "93.63"
    bureau = client_for("demo-bureau").patch(
        url.format(own.pk), {"actual": "1"}, content_type="application/json"
    )
    assert bureau.status_code == 404
    assert Indicator.objects.get(pk=own.pk).actual == "1900"


def test_tables_row_by_row(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division2")  # 消费促进处
    tables = client.get(f"/api/evaluations/{demo.pk}/tables/").json()
    assert [(t["key"], t["writable"], t["division"]) for t in tables] == [
        ("key_tasks", True, "消费促进处"),
        # budgets and spending are the finance office's; what its projects achieved its own
        ("projects", True, "消费促进处"),
        ("indicators", True, "消费促进处"),
        ("spending_plans", True, "消费促进处"),
        ("forecasts", True, "消费促进处"),
    ]
    assert tables[1]["columns"][7] == {
        "key": "adjusted_budget_wan",
        "label": "年度预算（万元）",
        "kind": "wan",
        "required": True,
        "help": "",
    }
    base = f"/api/evaluations/{demo.pk}/tables/projects/"
    rows = client.get(base).json()
    assert {r["cells"]["division"] for r in rows} == {"消费促进处"}
    p18 = next(r for r in rows if r["cells"]["code"] == "P18")
    assert p18["cells"]["spent_wan"] == "6000"
    client = client_for("demo-finance")

    bad = client.patch(
        f"{base}{p18['id']}/",
        {"cells": {"spent_wan": "九千"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["problems"] == [
        {
            "code": "E-NUMBER",
            "message": "“支出金额（万元）”不是有效数字：“九千”",
            "location": "项目!spent_wan",
            "severity": "error",
        }
    ]
    created = client.post(
        base,
        {
            "cells": {
                "code": "P99",
                "name": "夜间消费试点",
                "funding_source": "city",
                "adjusted_budget_wan": "10",
                "division": "消费促进处",
            },
            "reason": "API",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["cells"]["division"] == "消费促进处" and body["position"] == 54
    assert body["warnings"][0]["code"] == "E-BUDGET-TOTAL"  # the finance reviewer sees it
    row_url = f"{base}{body['id']}/"
    unreasoned = client.delete(row_url, {}, content_type="application/json")
    assert unreasoned.status_code == 400  # invalid input, as everywhere (it answered 409)
    assert [p["location"] for p in unreasoned.json()["problems"]] == ["项目!reason"]
    gone = client.delete(row_url, {"reason": "录错了"}, content_type="application/json")
    assert gone.status_code == 204
    assert client.get(row_url).status_code == 404


def test_tables_outside_the_scope(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    division = client_for("demo-division2")
    lines = f"/api/evaluations/{demo.pk}/tables/budget_lines/"
    assert division.get(lines).status_code == 404
    assert division.post(lines, {"cells": {}}, content_type="application/json").status_code == 404
    p01 = client_for("demo-finance").get(f"/api/evaluations/{demo.pk}/tables/projects/").json()[0]
    row_url = f"/api/evaluations/{demo.pk}/tables/projects/{p01['id']}/"
    assert division.get(row_url).status_code == 404
    assert (
        division.delete(row_url, {"reason": "x"}, content_type="application/json").status_code
        == 404
    )
    leader = client_for("demo-leader")
    assert leader.get(row_url).status_code == 200
    refused = leader.patch(row_url, {"cells": {"name": "改"}}, content_type="application/json")
    assert refused.status_code == 404
    admin = client_for("demo-admin")
    assert admin.get(f"/api/evaluations/{demo.pk}/tables/").status_code == 404
