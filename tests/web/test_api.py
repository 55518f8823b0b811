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
