"""Published rankings (公布排名, web/publications): a department's users never see another
department's scores or ranks unless the bureau publishes them; what is published is frozen,
read by the departments listed (their finance reviewers and unit leaders), withdrawn with a
reason; all of it audited, the pages and the API alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import Department, Role
from jixiao.web.publications.models import PublishedRanking
from jixiao.web.results.models import StoredResult

from .bureau_builders import account
from .test_bureau_overview import _city, signed_in, table

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> dict[str, Any]:
    found = _city()
    jia = Department.objects.get(code="A01")
    found["jia_finance"] = account("jia-finance", Role.FINANCE_REVIEWER, jia)
    account("jia-leader", Role.UNIT_LEADER, jia)
    account("jia-filler-admin", Role.DEPARTMENT_ADMIN, jia)
    account("wu-finance", Role.FINANCE_REVIEWER, Department.objects.get(code="A05"))
    return found


def publish(client: Client, **form: Any) -> Any:
    return client.post("/rankings/", {"year": "2023", **form})


def test_before_publishing_a_department_reads_no_ranking(city: Any) -> None:  # noqa: ARG001
    jia = signed_in("jia-finance")
    assert "财政局尚未公布本部门所在的排名。" in jia.get("/rankings/").content.decode()
    assert jia.get("/api/rankings/").json() == []
    assert jia.get("/bureau/?year=2023").status_code == 404  # the overview stays the bureau's
    assert jia.post("/rankings/", {"year": "2023"}).status_code == 404
    assert jia.post("/api/rankings/", {"year": 2023}).status_code == 404
    assert not PublishedRanking.objects.exists()


def test_a_published_ranking_is_frozen_and_read_by_the_departments_listed(city: Any) -> None:
    bureau = signed_in("bureau")
    answer = publish(bureau, note="2023 年度部门整体支出绩效自评结果")
    published = PublishedRanking.objects.get()
    assert answer["Location"] == f"/rankings/{published.pk}/"
    expected = [
        ["1", "甲局", "一级单位", "92.00", "优"],  # tied: both first, the next is third
        ["1", "乙局", "一级单位", "92.00", "优"],
        ["3", "丙局", "一级单位", "80.50", "良"],
        ["4", "丁局", "一级单位", "55.00", "差"],
        ["1", "甲局信息中心", "下属单位", "95.00", "优"],  # subordinate units: their own
        ["2", "乙局服务中心", "下属单位", "70.00", "中"],
    ]
    for reader in ("jia-finance", "jia-leader"):
        page = signed_in(reader).get(f"/rankings/{published.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert table(html, "ranking") == expected
        assert '<tr class="own" id="own"><td class="number">1</td><td>甲局</td>' in html
    api = signed_in("jia-finance").get(f"/api/rankings/{published.pk}/").json()
    assert (api["fiscal_year"], api["group"], api["note"]) == (
        2023,
        None,
        "2023 年度部门整体支出绩效自评结果",
    )
    assert [(line["department_code"], line["rank"], line["score"]) for line in api["lines"]] == [
        ("A01", 1, "92.00"),
        ("A02", 1, "92.00"),
        ("A03", 3, "80.50"),
        ("A04", 4, "55.00"),
        ("B01", 1, "95.00"),
        ("B02", 2, "70.00"),
    ]
    # 戊局 has no score: not ranked, not listed; a department administrator reads no data
    for outsider in ("wu-finance", "jia-filler-admin"):
        client = signed_in(outsider)
        assert client.get(f"/rankings/{published.pk}/").status_code == 404
        assert client.get(f"/api/rankings/{published.pk}/").status_code == 404
    # frozen: a later change of a score moves the overview, not the publication
    StoredResult.objects.filter(evaluation=city["records"]["A03"]).update(total=Decimal("99"))
    assert (
        table(
            signed_in("jia-finance").get(f"/rankings/{published.pk}/").content.decode(), "ranking"
        )
        == expected
    )
    event = AuditEvent.objects.get(action="公布排名")
    assert (event.target, event.after, event.reason) == (
        "2023 年度排名（全部部门）",
        {"部门数": 6, "摘要": published.digest},
        "2023 年度部门整体支出绩效自评结果",
    )


def test_a_groups_ranking_and_its_withdrawal(city: Any) -> None:
    bureau = signed_in("bureau")
    answer = bureau.post(
        "/api/rankings/",
        {"year": 2023, "group": city["batch"].pk, "note": "第一批"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    lines = answer.json()["lines"]
    assert [(line["department"], line["rank"]) for line in lines] == [
        ("甲局", 1),
        ("丙局", 2),  # within the group
        ("甲局信息中心", 1),
    ]
    pk = answer.json()["id"]
    assert signed_in("jia-finance").get(f"/rankings/{pk}/").status_code == 200
    no_reason = bureau.post(f"/api/rankings/{pk}/withdraw/", {}, content_type="application/json")
    assert no_reason.status_code == 400
    withdrawn = bureau.post(f"/rankings/{pk}/withdraw/", {"reason": "丙局数据更正后重新公布"})
    assert withdrawn.status_code == 302
    assert signed_in("jia-finance").get(f"/rankings/{pk}/").status_code == 404
    page = bureau.get(f"/rankings/{pk}/").content.decode()
    assert "丙局数据更正后重新公布" in page and 'id="withdrawn"' in page
    again = bureau.post(
        f"/api/rankings/{pk}/withdraw/", {"reason": "x"}, content_type="application/json"
    )
    assert (again.status_code, again.json()["detail"]) == (409, "该排名已撤回")
    assert AuditEvent.objects.get(action="撤回公布的排名").reason == "丙局数据更正后重新公布"


def test_a_year_without_scores_cannot_be_published(city: Any) -> None:  # noqa: ARG001
    refused = publish(signed_in("bureau"), year="2022", note="x")
    # 2022: 甲局 alone has a stored score, so it can be published; a year without any cannot
    assert refused.status_code == 302
    StoredResult.objects.filter(evaluation__fiscal_year=2023).update(total=None)
    empty = publish(signed_in("bureau"))
    assert empty.status_code == 409
    assert "2023 年度没有已评分的部门，不能公布排名" in empty.content.decode()
    long_note = publish(signed_in("bureau"), year="2022", note="长" * 501)
    assert long_note.status_code == 400
    assert PublishedRanking.objects.count() == 1


def test_the_dashboard_shows_where_the_department_stands(city: Any) -> None:
    """Before publishing, a department sees no rank; then its finance reviewer's dashboard
    shows its place in every publication in force (the group's, latest first, and the whole
    year's), one query; a department administrator and a department not listed see none."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jixiao.web.policy import Actor
    from jixiao.web.publications.actions import places_of

    record = city["records"]["A01"]
    finance = User.objects.get(username="jia-finance")
    assert places_of(finance, record) == []
    bureau = signed_in("bureau")
    publish(bureau, note="全部")
    publish(bureau, group=city["batch"].pk, note="第一批")
    reader = Actor.of(finance)  # the dashboard's, with its membership
    with CaptureQueriesContext(connection) as queries:
        places = places_of(reader, record)
    assert len(queries.captured_queries) == 1
    assert [(str(p.published), p.rank, p.of, p.score, p.grade) for p in places] == [
        ("2023 年度排名（第一批重点评价）", 1, 2, "92.00", "优"),
        ("2023 年度排名（全部部门）", 1, 4, "92.00", "优"),
    ]
    html = signed_in("jia-finance").get(f"/evaluations/{record.pk}/").content.decode()
    assert 'id="published-places"' in html
    assert "第 1 名（同级 4 个单位），得分 92.00，等级 优" in html
    assert places_of(User.objects.get(username="jia-filler-admin"), record) == []
    wu = city["records"]["A05"]
    assert places_of(User.objects.get(username="wu-finance"), wu) == []
