"""The bureau's API (issue 12 item 7): the overview with the page's filters, sort and paging as
query parameters (400 naming the parameter), the ranking on the score that counts, item by item,
and the organization — for the bureau reviewer only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .bureau_builders import department, stored_year
from .test_bureau_join import city  # noqa: F401 — the fixture
from .test_bureau_overview import PARAMETERS, signed_in, value

pytestmark = pytest.mark.django_db


def get(url: str, status: int = 200) -> Any:
    answer = signed_in("bureau").get(url)
    assert answer.status_code == status, answer.content.decode()[:500]
    return answer.json()


def test_the_overview_as_the_page_shows_it(city: dict[str, Any]) -> None:  # noqa: F811
    found = get("/api/bureau/overview/?year=2023&level=first")
    assert (found["year"], found["count"], found["page"], found["pages"], found["size"]) == (
        2023, 5, 1, 1, 50,
    )  # fmt: skip
    assert [i["node"] for i in found["items"]] == [
        "performance_effectiveness",
        "management_efficiency",
    ]
    rows = {row["department_code"]: row for row in found["rows"]}
    assert [r["department_code"] for r in found["rows"]] == ["A01", "A02", "A03", "A04", "A05"]
    a02 = rows["A02"]
    assert (a02["rank"], a02["score"], a02["score_is_review"], a02["self_score"]) == (
        2, "91.50", True, "92.00",
    )  # fmt: skip
    assert a02["review_state"] == "reviewing" and a02["review_state_label"] == "复核中"
    assert a02["items"] == {"performance_effectiveness": "46.00", "management_efficiency": "46.00"}
    assert a02["execution_rate"] == "0.880000" and a02["submitted_at"] == "2024-03-05"
    assert a02["review_url"] == f"/evaluations/{city['records']['A02'].pk}/review/"
    assert rows["A03"]["review_state"] == "stale" and rows["A05"]["score"] is None
    assert rows["A01"]["review_state"] == "none" and rows["A04"]["review_state"] == "accepted"


def test_filters_sort_and_pages(city: dict[str, Any]) -> None:  # noqa: F811
    del city
    assert [r["department_code"] for r in get(
        "/api/bureau/overview/?year=2023&review=stale")["rows"]] == ["A03"]  # fmt: skip
    found = get("/api/bureau/overview/?year=2023&sort=-score&grade=优&min=91")
    assert [r["department_code"] for r in found["rows"]] == ["B01", "A01", "A02"]
    for number in range(25):
        stored_year(department(f"C{number:03}", f"新增局{number}"), 2023, ("30", "30"))
    second = get("/api/bureau/overview/?year=2023&size=20&page=2")
    assert (second["count"], second["pages"], len(second["rows"])) == (32, 2, 12)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("grade=甲", "等级（grade）"),
        ("min=101", "总分不低于（min）"),
        ("min=90&max=80", "总分不高于（max）"),
        ("item=management_efficiency", "该项得分低于（below）"),
        ("sort=password", "排序（sort）"),
        ("size=7", "每页行数（size）"),
        ("review=maybe", "复核状态（review）"),
        ("year=1999", "年度（year）"),
        ("q=" + "长" * 51, "搜索（q）"),
        ("page=0", "页码（page）"),
        ("page=abc", "页码（page）"),
        ("page=3", "页码（page）：共 1 页"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    city: dict[str, Any],  # noqa: F811
    query: str,
    parameter: str,
) -> None:
    del city
    found = get(f"/api/bureau/overview/?year=2023&{query}".replace("year=2023&year", "year"), 400)
    assert found["code"] == "E-INVALID"
    assert found["problems"] and found["problems"][0]["message"].startswith(parameter), found


def test_the_ranking_on_the_score_that_counts(city: dict[str, Any]) -> None:  # noqa: F811
    found = get("/api/bureau/ranking/?year=2023&level=first")
    assert [(r["department_code"], r["rank"], r["score"], r["score_is_review"])
            for r in found["rows"]] == [
        ("A01", 1, "92.00", False),
        ("A02", 2, "91.50", True),
        ("A03", 3, "80.50", False),
        ("A04", 4, "55.00", True),
    ]  # fmt: skip
    batch = city["batch"].pk
    in_group = get(f"/api/bureau/ranking/?year=2023&group={batch}")["rows"]
    assert [(r["department_code"], r["group_rank"]) for r in in_group] == [
        ("B01", 1),
        ("A01", 1),
        ("A03", 2),
    ]


def test_items_groups_and_departments(city: dict[str, Any]) -> None:  # noqa: F811
    items = get("/api/bureau/items/?year=2023")["items"]
    first = next(i for i in items if i["node"] == "management_efficiency")
    assert (first["points"], first["departments"]) == ("50.00", 6)
    groups = {g["name"]: g for g in get("/api/bureau/groups/")}
    assert groups["第一批重点评价"]["departments"] == ["A01", "A03", "B01"]
    assert groups["经济口"]["kind"] == "portfolio"
    departments = {d["code"]: d for d in get("/api/bureau/departments/")}
    assert departments["B01"]["parent_code"] == "A01"
    assert departments["A01"]["groups"] == sorted([city["batch"].pk, city["portfolio"].pk])


def test_a_fixed_number_of_queries(city: dict[str, Any]) -> None:  # noqa: F811
    del city
    client = signed_in("bureau")
    urls = ("/api/bureau/overview/?year=2023", "/api/bureau/ranking/?year=2023",
            "/api/bureau/groups/", "/api/bureau/departments/")  # fmt: skip

    def counted() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries.captured_queries))
        return found

    before = counted()
    for number in range(30):
        stored_year(department(f"C{number:03}", f"新增局{number}"), 2023, ("30", "30"))
    assert counted() == before


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.dictionaries(st.sampled_from(PARAMETERS), value, max_size=6))
def test_any_query_is_answered_200_400_or_404_never_500(
    city: dict[str, Any],  # noqa: F811
    query: dict[str, str],
) -> None:
    """400 for a bad value, 404 for a valid year not loaded, never 500."""
    del city
    client = signed_in("bureau")
    for url in ("/api/bureau/overview/", "/api/bureau/ranking/", "/api/bureau/items/"):
        answer = client.get(url, query)
        assert answer.status_code in (200, 400, 404), (url, query, answer.status_code)
        if answer.status_code == 400:
            assert answer.json()["problems"], (url, query)
