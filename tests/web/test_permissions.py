"""The permission matrix: every page, download and action, as every role and anonymously, on
the user's own department and on another. Nothing outside a scope is shown or changed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from jixiao.core.model import Department as CoreDepartment
from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import ACCOUNTS
from jixiao.web.editing import DIVISION_FIELDS, LEDGERS, row_cells
from jixiao.web.organizations.models import (
    Department,
    DivisionSubmission,
    SelfEvaluation,
    Status,
)
from jixiao.web.records.mapping import MODELS, save_dataset
from jixiao.web.records.models import Indicator, Record

pytestmark = pytest.mark.django_db

USERS = [name for name, *_ in ACCOUNTS]
READERS_OF_OWN = {"demo-division", "demo-division2", "demo-finance", "demo-leader", "demo-bureau"}
DOWNLOADS = ["report-docx", "report-html", "scoretable", "workbook"]
OWN_DIVISION = {"demo-division": "对外贸易处", "demo-division2": "消费促进处"}


@pytest.fixture
def other(demo: SelfEvaluation, reference_dataset) -> SelfEvaluation:  # type: ignore[no-untyped-def]
    """The same data as another department's self-evaluation."""
    dataset = replace(reference_dataset, department=CoreDepartment("other", "另一个局"))
    return save_dataset(dataset, demo.framework)


def snapshot() -> tuple[object, ...]:
    return (
        tuple(Indicator.objects.order_by("id").values_list("actual", flat=True)),
        tuple(SelfEvaluation.objects.order_by("id").values_list("status", flat=True)),
        AuditEvent.objects.count(),
    )


def read_urls(evaluation: SelfEvaluation) -> list[str]:
    pk = evaluation.pk
    return [
        f"/evaluations/{pk}/",
        f"/evaluations/{pk}/tree/",
        f"/evaluations/{pk}/indicators/",
        f"/evaluations/{pk}/data/",
        f"/evaluations/{pk}/data/projects/",
        f"/evaluations/{pk}/monitoring/6/",
        f"/evaluations/{pk}/monitoring/6/download/review-xlsx/",
        *(f"/evaluations/{pk}/download/{kind}/" for kind in DOWNLOADS),
    ]


def api_urls(evaluation: SelfEvaluation) -> list[str]:
    pk = evaluation.pk
    return [
        f"/api/evaluations/{pk}/",
        f"/api/evaluations/{pk}/evaluation/",
        f"/api/evaluations/{pk}/dataset/",
        f"/api/evaluations/{pk}/monitoring/6/",
        f"/api/evaluations/{pk}/tables/",
        f"/api/evaluations/{pk}/tables/projects/",
    ]


def test_every_named_url_is_in_the_matrix() -> None:
    names = {p.name for p in get_resolver().url_patterns if isinstance(p, URLPattern)}
    assert names == {
        "home",
        "dashboard",
        "tree",
        "indicators",
        "update_indicator",
        "step",
        "download",
        "upload",
        "confirm_upload",
        "audit",
        "users",
        "edit_user",
        "monitoring",
        "monitoring_month",
        "monitoring_download",
        "data",
        "ledger",
        "new_row",
        "row",
        "delete_row",
        "login",
        "logout",
    }


def test_anonymous_gets_nothing(demo: SelfEvaluation, other: SelfEvaluation) -> None:
    before = snapshot()
    client = Client()
    indicator = Indicator.objects.filter(evaluation=demo).first()
    assert indicator is not None
    for url in ["/", "/audit/", *read_urls(demo), *read_urls(other)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in (
        f"/evaluations/{demo.pk}/indicators/{indicator.pk}/",
        f"/evaluations/{demo.pk}/steps/submit/",
    ):
        assert client.post(url, {"actual": "1", "reason": "x"}).status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize("username", USERS)
def test_reading(client_for, demo: SelfEvaluation, other: SelfEvaluation, username: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(username)
    for url in [*read_urls(demo), *api_urls(demo)]:
        expected = 200 if username in READERS_OF_OWN else 404
        assert client.get(url).status_code == expected, (username, url)
    for url in [*read_urls(other), *api_urls(other)]:
        expected = 200 if username == "demo-bureau" else 404
        assert client.get(url).status_code == expected, (username, url)


@pytest.mark.parametrize("username", USERS)
def test_changing(client_for, demo: SelfEvaluation, other: SelfEvaluation, username: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(username)
    own_division = {"demo-division": "对外贸易处", "demo-division2": "消费促进处"}.get(username)
    for evaluation in (demo, other):
        for indicator in Indicator.objects.filter(evaluation=evaluation).select_related("division"):
            before = indicator.actual
            response = client.post(
                f"/evaluations/{evaluation.pk}/indicators/{indicator.pk}/",
                {"actual": "1", "reason": "矩阵测试"},
            )
            allowed = evaluation == demo and (
                username == "demo-finance"
                or (
                    own_division is not None
                    and indicator.division is not None
                    and indicator.division.name == own_division
                )
            )
            indicator.refresh_from_db()
            assert (indicator.actual != before) == allowed, (username, indicator.code)
            if evaluation == other and username != "demo-bureau":
                assert response.status_code == 404
    for evaluation in (demo, other):
        for action in ("submit", "review", "approve", "send", "return", "return_division"):
            client.post(f"/evaluations/{evaluation.pk}/steps/{action}/", {"reason": "矩阵测试"})
    statuses = dict(SelfEvaluation.objects.values_list("pk", "status"))
    assert statuses[other.pk] == Status.DRAFTING
    # A division submits its own part; the finance reviewer closes the filling and reviews;
    # nobody else moves the year, and nobody moves another department's.
    expected = Status.FINANCE_REVIEWED if username == "demo-finance" else Status.DRAFTING
    assert statuses[demo.pk] == expected
    submitted = DivisionSubmission.objects.values_list("evaluation_id", "division__name")
    assert list(submitted) == ([(demo.pk, own_division)] if own_division else [])


def test_audit_log_shows_only_events_in_scope(  # type: ignore[no-untyped-def]
    client_for, other: SelfEvaluation
) -> None:
    finance = client_for("demo-finance").get("/audit/").content.decode()
    assert "载入演示数据" in finance
    assert "另一个局" not in finance
    admin = client_for("demo-admin").get("/audit/").content.decode()
    assert "载入演示数据" not in admin  # the administrator manages users, not data
    Department.objects.get(code="other")
    assert other.department.name == "另一个局"


@pytest.mark.parametrize("username", USERS)
def test_upload_is_for_the_departments_finance_reviewer_only(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation, other: SelfEvaluation, username: str
) -> None:
    client = client_for(username)
    own = client.get(f"/evaluations/{demo.pk}/upload/").status_code
    assert own == (200 if username == "demo-finance" else 404)
    assert client.get(f"/evaluations/{other.pk}/upload/").status_code == 404
    before = snapshot()
    for evaluation in (demo, other):
        response = client.post(f"/evaluations/{evaluation.pk}/upload/confirm/", {"token": "0" * 32})
        assert response.status_code in (302, 404)
    assert snapshot() == before


def sample_rows(evaluation: SelfEvaluation, key: str) -> list[Record]:
    """The first row of a table, and for the tables of divisions one row of each division."""
    rows = list(MODELS[key]._default_manager.filter(evaluation=evaluation).order_by("position"))
    if not LEDGERS[key].by_division:
        return rows[:1]
    by_division: dict[object, Record] = {}
    for row in rows:
        by_division.setdefault(row.division_id, row)  # type: ignore[attr-defined]
    return list(by_division.values())


def may_read(
    username: str, evaluation: SelfEvaluation, demo: SelfEvaluation, row: Record | None, key: str
) -> bool:
    if username == "demo-bureau":
        return True
    if evaluation != demo:
        return False
    if username in ("demo-finance", "demo-leader"):
        return True
    division = OWN_DIVISION.get(username)
    if division is None or not LEDGERS[key].by_division:
        return False
    if row is None:
        return True
    owner = getattr(row, "division", None)
    return owner is not None and owner.name == division


def may_change(
    username: str,
    evaluation: SelfEvaluation,
    demo: SelfEvaluation,
    row: Record | None,
    key: str,
    field: str | None = None,
) -> bool:
    """Whether ``username`` may change ``field`` of ``row`` (no field: add or remove rows)."""
    if evaluation != demo or username in ("demo-leader", "demo-bureau"):
        return False
    if username == "demo-finance":
        return True
    if not may_read(username, evaluation, demo, row, key):
        return False
    owned = DIVISION_FIELDS[key]  # a division fills only what it owns (issue 10, item 8)
    return owned is None or (field is not None and field in owned)


def change_status(
    username: str, in_department: bool, row: Record | None, key: str, allowed: bool
) -> int:
    """How a refused change answers: 404 outside the scope or in a table the user may not
    change at all, 400 at a field the user may not change, 409 for rows the user may not
    add or remove in a table where they change some fields."""
    if allowed:
        return 0
    division = OWN_DIVISION.get(username)
    owner = getattr(row, "division", None)
    in_scope = (
        in_department and division is not None and owner is not None and owner.name == division
    )
    if not in_scope or not DIVISION_FIELDS.get(key, frozenset()):
        return 404
    return 400


@pytest.mark.parametrize("username", USERS)
def test_ledgers_reading(
    client_for, demo: SelfEvaluation, other: SelfEvaluation, username: str
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(username)
    for evaluation in (demo, other):
        base = f"/evaluations/{evaluation.pk}/data/"
        any_table = any(may_read(username, evaluation, demo, None, key) for key in LEDGERS)
        assert client.get(base).status_code == (200 if any_table else 404), (username, base)
        for key in LEDGERS:
            expected = 200 if may_read(username, evaluation, demo, None, key) else 404
            assert client.get(f"{base}{key}/").status_code == expected, (username, key)
            new = client.get(f"{base}{key}/new/").status_code
            assert new == (200 if may_change(username, evaluation, demo, None, key) else 404)
            for row in sample_rows(evaluation, key):
                expected = 200 if may_read(username, evaluation, demo, row, key) else 404
                assert client.get(f"{base}{key}/{row.pk}/").status_code == expected, (
                    username,
                    key,
                    row.pk,
                )
    assert client.get(f"/evaluations/{demo.pk}/data/no_such_table/").status_code == 404


@pytest.mark.parametrize("username", USERS)
def test_ledgers_changing(
    client_for, demo: SelfEvaluation, other: SelfEvaluation, username: str
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(username)
    for evaluation in (demo, other):
        base = f"/evaluations/{evaluation.pk}/data/"
        for index, (key, ledger) in enumerate(LEDGERS.items()):
            for row in sample_rows(evaluation, key):
                if ledger.by_division:
                    allowed = may_change(username, evaluation, demo, row, key, "name")
                    refused = change_status(username, evaluation == demo, row, key, allowed)
                    cells = row_cells(row, ledger) | {"name": "矩阵测试改名", "reason": "矩阵测试"}
                    response = client.post(f"{base}{key}/{row.pk}/", cells)
                    # a field the user does not own is read-only in the form: what is posted for
                    # it is ignored, and the row is saved unchanged
                    form_refusal = 302 if refused == 400 else refused
                    assert response.status_code == (302 if allowed else form_refusal), (
                        username,
                        key,
                    )
                    row.refresh_from_db()
                    assert (row.name == "矩阵测试改名") == allowed, (username, key)  # type: ignore[attr-defined]
                    api = f"/api/evaluations/{evaluation.pk}/tables/{key}/{row.pk}/"
                    change = {"cells": {"name": "矩阵API"}, "reason": "矩阵测试"}
                    response = client.patch(api, change, content_type="application/json")
                    assert response.status_code == (200 if allowed else refused), (username, key)
                    row.refresh_from_db()
                    assert (row.name == "矩阵API") == allowed, (username, key)  # type: ignore[attr-defined]
                allowed = may_change(username, evaluation, demo, row, key)
                refused = change_status(username, evaluation == demo, row, key, allowed)
                if index % 2:
                    response = client.post(f"{base}{key}/{row.pk}/delete/", {"reason": "矩阵测试"})
                    expected = 404 if refused == 404 else 302  # refused: back with the reason
                    assert response.status_code == expected, (username, key)
                else:
                    api = f"/api/evaluations/{evaluation.pk}/tables/{key}/{row.pk}/"
                    response = client.delete(
                        api, {"reason": "矩阵测试"}, content_type="application/json"
                    )
                    expected_api = (200, 204) if allowed else ((409,) if refused == 400 else (404,))
                    assert response.status_code in expected_api, (username, key)
                exists = type(row)._default_manager.filter(pk=row.pk).exists()
                assert exists != allowed, (username, key, row.pk)
