"""Each page and API endpoint runs a fixed number of queries whatever the number of rows
(issue 11, item 4): the result is stored, the user's membership read once, a division's sight
one query per table it may cite, counts in one query.

The bounds are this version's counts; a change that needs more must say why here."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jixiao.web.records.models import Indicator, Project
from jixiao.web.results.store import refresh

pytestmark = pytest.mark.django_db

# page: (url, bound for the finance reviewer, bound for a division filler)
PAGES = {
    # the session; the user with their membership (one join); the department-year; its stored
    # result; the dashboard: its latest audit event (the key of its kept workflow state), the
    # divisions that submit while it is being filled and, for the department's readers of
    # published rankings (not a division filler), the publications that list it
    "home": ("/", 3, 3),
    "dashboard": ("/evaluations/{pk}/", 7, 11),
    "tree": ("/evaluations/{pk}/tree/", 4, 9),
    "indicators": ("/evaluations/{pk}/indicators/", 4, 10),
    # a division also fills what its projects achieved (issue 13): one ledger more it writes
    "data": ("/evaluations/{pk}/data/", 4, 9),
    "ledger": ("/evaluations/{pk}/data/projects/", 4, 5),
    "monitoring": ("/evaluations/{pk}/monitoring/6/", 4, 9),
    "api-evaluation": ("/api/evaluations/{pk}/evaluation/", 4, 9),
    "api-tables": ("/api/evaluations/{pk}/tables/", 3, 8),
    # the bureau's review: the stored result's items, the latest review and its re-scores
    "review": ("/evaluations/{pk}/review/", 8, 8),
    "api-review": ("/api/evaluations/{pk}/review/", 7, 7),
}
# An indicator's actual value saved: its change, its table read back, the result, its changed
# node scores and months, the audit event (measured 20 with node scores changed).
SAVE_BOUND = 22


def queries_of(client: Client, url: str, **posted: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(url, posted) if posted else client.get(url)
    assert answer.status_code in (200, 302), (url, answer.status_code)
    return len(queries.captured_queries)


def counts(client: Client, pk: int, column: int) -> dict[str, tuple[int, int]]:
    found = {}
    for name, (url, *bounds) in PAGES.items():
        client.get(url.format(pk=pk))  # the first read in this process decodes the result
        found[name] = (queries_of(client, url.format(pk=pk)), bounds[column])
    return found


def grow(demo: Any, copies: int) -> None:
    """``copies`` more projects and indicators of 对外贸易处, as a bigger department has."""
    project = Project.objects.get(evaluation=demo, code="P01")
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    last = Project.objects.filter(evaluation=demo).order_by("-position").first()
    assert last is not None
    for number in range(copies):
        Project.objects.create(
            **{
                **_fields(project),
                "code": f"PX{number}",
                "name": f"新增项目{number}",
                "position": last.position + 1 + number,
                "adjusted_budget": 0,
                "spent": 0,
                **{f"m{month:02}": 0 for month in range(1, 13)},
            }
        )
        Indicator.objects.create(
            **{
                **_fields(indicator),
                "code": f"IX{number}",
                "name": f"新增指标{number}",
                "position": 1000 + number,
            }
        )
    refresh(demo)


def _fields(row: Any) -> dict[str, Any]:
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in ("id",)
    }


@pytest.mark.parametrize(("username", "column"), [("demo-finance", 0), ("demo-division", 1)])
def test_item4_every_page_within_its_bound_whatever_the_rows(
    client_for: Any, demo: Any, username: str, column: int
) -> None:
    client = client_for(username)
    before = counts(client, demo.pk, column)
    over = {name: found for name, found in before.items() if found[0] > found[1]}
    assert not over, over
    grow(demo, 40)
    after = counts(client, demo.pk, column)
    assert {n: c for n, (c, _b) in after.items()} == {n: c for n, (c, _b) in before.items()}
    assert Indicator.objects.filter(evaluation=demo).count() > 60


def test_item4_an_indicator_save_within_its_bound_whatever_the_rows(
    client_for: Any, demo: Any
) -> None:
    client = client_for("demo-finance")
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    url = f"/evaluations/{demo.pk}/indicators/{indicator.pk}/"
    first = queries_of(client, url, actual="1900")
    assert first <= SAVE_BOUND
    grow(demo, 40)
    assert queries_of(client, url, actual="2004.7") == first
    assert User.objects.filter(username="demo-finance").exists()
