"""The finance bureau's overview (issue 12, item 2): every department of a year, ranked as
published rankings are, filtered, sorted, paged, exported, compared item by item and year over
year — from the stored results, in a fixed number of queries."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jixiao.web.organizations.models import (
    DepartmentGroup,
    GroupKind,
    Role,
    SelfEvaluation,
    Status,
    Transition,
)
from jixiao.web.results.models import StoredResult

from .bureau_builders import account, department, group, stored_year, submitted

pytestmark = pytest.mark.django_db
PASSWORD = "jixiao-demo"


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db: None) -> dict[str, Any]:  # noqa: ARG001
    return _city()


def _city() -> dict[str, Any]:
    """Five first-level units (two tied at 92, one without a score) and two subordinate
    units, in 2023; 甲局 also in 2022."""
    bureau = account("bureau", Role.BUREAU_REVIEWER)
    jia = department("A01", "甲局")
    yi = department("A02", "乙局")
    bing = department("A03", "丙局")
    ding = department("A04", "丁局")
    wu = department("A05", "戊局")
    jia_sub = department("B01", "甲局信息中心", parent=jia)
    yi_sub = department("B02", "乙局服务中心", parent=yi)
    batch = group("第一批重点评价")
    portfolio = group("经济口", GroupKind.PORTFOLIO)
    for unit in (jia, bing, jia_sub):
        unit.groups.add(batch)
    for unit in (jia, yi):
        unit.groups.add(portfolio)
    records = {
        "A01": stored_year(
            jia,
            2023,
            ("45", "47"),
            grade="优",
            execution_rate="0.971",
            average_rate="0.7252",
            warnings=3,
        ),
        "A02": stored_year(
            yi,
            2023,
            ("46", "46"),
            grade="优",
            execution_rate="0.88",
            average_rate="0.61",
            warnings=0,
        ),
        "A03": stored_year(
            bing,
            2023,
            ("40", "40.5"),
            grade="良",
            execution_rate="1.02",
            average_rate="0.8",
            warnings=1,
        ),
        "A04": stored_year(
            ding,
            2023,
            ("30", "25"),
            grade="差",
            execution_rate=None,
            average_rate=None,
            warnings=None,
        ),
        "A05": stored_year(wu, 2023, None),
        "B01": stored_year(
            jia_sub,
            2023,
            ("48", "47"),
            grade="优",
            execution_rate="0.5",
            average_rate="0.3",
            warnings=7,
        ),
        "B02": stored_year(
            yi_sub,
            2023,
            ("20", "50"),
            grade="中",
            execution_rate="0.9",
            average_rate="0.7",
            warnings=2,
        ),
        "A01-2022": stored_year(jia, 2022, ("40", "41.25"), grade="良"),
    }
    submitted(records["A02"], bureau, "2024-03-05")
    submitted(records["A01"], bureau, "2024-03-01")
    return {"records": records, "batch": batch, "portfolio": portfolio, "bureau": bureau}


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")


def table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id``, each cell's text (the department cell's name
    only)."""
    body = html.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            TAG.sub(" ", cell).split()[0] if TAG.sub("", cell).strip() else ""
            for cell in CELL.findall(row)
        ]
        rows.append(cells)
    return rows


def overview(client: Client, query: str = "") -> list[list[str]]:
    answer = client.get(f"/bureau/?year=2023{query}")
    assert answer.status_code == 200, answer.content.decode()[:2000]
    return table(answer.content.decode(), "overview")


def codes(rows: list[list[str]]) -> list[str]:
    return [row[0] for row in rows]


@pytest.mark.usefixtures("city")
def test_the_ranking_shares_ranks_on_ties_and_ranks_each_level_separately() -> None:
    rows = overview(signed_in("bureau"))
    # columns: code, name, rank, score, grade, rate, average, 履职效能, 管理效率, warnings, ...
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("B01", "1", "95.00", "优"),  # subordinate units: their own ranking
        ("A01", "1", "92.00", "优"),  # tied at 92.00: both first, the next is third
        ("A02", "1", "92.00", "优"),
        ("A03", "3", "80.50", "良"),
        ("B02", "2", "70.00", "中"),
        ("A04", "4", "55.00", "差"),
        ("A05", "—", "—", "—"),  # no score: not ranked, last
    ]


def test_the_ranking_within_a_group_and_filters_never_change_a_rank(city: Any) -> None:
    client = signed_in("bureau")
    rows = overview(client, f"&group={city['batch'].pk}")
    # the last column: the rank within 第一批重点评价, each level on its own
    assert [(r[0], r[2], r[-1]) for r in rows] == [
        ("B01", "1", "1"),
        ("A01", "1", "1"),
        ("A03", "3", "2"),
    ]
    assert [(r[0], r[2]) for r in overview(client, "&grade=良")] == [("A03", "3")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&grade=优", ["B01", "A01", "A02"]),
        ("&grade=none", ["A05"]),
        ("&level=first", ["A01", "A02", "A03", "A04", "A05"]),
        ("&level=subordinate", ["B01", "B02"]),
        ("&status=submitted_to_bureau", ["A01", "A02"]),
        ("&min=70&max=92", ["A01", "A02", "A03", "B02"]),
        ("&min=92.01", ["B01"]),
        ("&item=management_efficiency&below=46", ["A03", "A04"]),
        ("&item=performance_effectiveness&below=40.01", ["A03", "B02", "A04"]),
        ("&q=乙", ["A02", "B02"]),
        ("&q=b0", ["B01", "B02"]),
        ("&group=__portfolio__&grade=优", ["A01", "A02"]),
        ("&sort=name", ["A04", "A03", "A02", "B02", "A05", "A01", "B01"]),
        ("&sort=-code", ["B02", "B01", "A05", "A04", "A03", "A02", "A01"]),
        ("&sort=-rank", ["A04", "B02", "A03", "A01", "A02", "B01", "A05"]),
        ("&sort=execution_rate", ["B01", "A02", "B02", "A01", "A03", "A04", "A05"]),
        ("&sort=-average_rate", ["A03", "A01", "B02", "A02", "B01", "A04", "A05"]),
        ("&sort=-item:management_efficiency", ["B02", "A01", "B01", "A02", "A03", "A04", "A05"]),
        ("&sort=warnings", ["A02", "A03", "B02", "A01", "B01", "A04", "A05"]),
        ("&sort=-submitted_at", ["A02", "A01", "A03", "A04", "A05", "B01", "B02"]),
        ("&sort=status&level=first", ["A03", "A04", "A05", "A01", "A02"]),
    ],
)
def test_filters_and_sorting_give_exactly_these_rows(
    city: Any, query: str, expected: list[str]
) -> None:
    query = query.replace("__portfolio__", str(city["portfolio"].pk))
    assert codes(overview(signed_in("bureau"), query)) == expected


@pytest.mark.usefixtures("city")
def test_a_page_at_a_time() -> None:
    client = signed_in("bureau")
    first = client.get("/bureau/?year=2023&size=20&sort=code")
    assert first.status_code == 200
    assert "共 7 个部门" in first.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min=100.01", "总分不低于"),
        ("max=-1", "总分不高于"),
        ("min=50.123", "总分不低于"),
        ("min=90&max=80", "总分不高于"),
        ("size=7", "每页行数"),
        ("size=100000", "每页行数"),
        ("q=" + "长" * 51, "搜索"),
        ("sort=total", "排序"),
        ("grade=甲", "等级"),
        ("item=performance_effectiveness", "该项得分低于"),
        ("below=30", "评价项"),
        ("item=nowhere&below=30", "评价项"),
        ("year=abc", "年度"),
        ("year=1999", "年度"),
        ("group=999999", "分组"),
        ("status=lost", "流程状态"),
    ],
)
@pytest.mark.usefixtures("city")
def test_bad_input_is_a_400_naming_the_field(query: str, field: str) -> None:
    answer = signed_in("bureau").get(f"/bureau/?{query}")
    assert answer.status_code == 400
    assert f"{field}：" in answer.content.decode()


def test_the_export_is_the_filtered_list_numbers_as_numbers_texts_as_texts(city: Any) -> None:
    record = city["records"]["A02"]
    record.department.name = '=HYPERLINK("http://x")'
    record.department.save()
    client = signed_in("bureau")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # a document stays Chinese
    answer = client.get(f"/bureau/export/?year=2023&grade=优&group={city['portfolio'].pk}")
    translation.activate("zh-hans")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == [
        "部门编码",
        "部门名称",
        "排名",
        "总分",
        "等级",
        "预算执行率",
        "年度平均执行率",
        "履职效能（50）",
        "管理效率（50）",
        "预警",
        "复核状态",
        "流程状态",
        "报送日期",
        "总分来源",
        "自评总分",
        "组内排名（经济口）",
    ]
    assert values[1] == [
        "A01",
        "甲局",
        1,
        92,
        "优",
        0.971,
        0.7252,
        45,
        47,
        3,
        "未复核",
        "已报送财政局",
        "2024-03-01",
        "自评",
        92,
        1,
    ]
    assert values[2][:4] == ["A02", '=HYPERLINK("http://x")', 1, 92]
    assert sheet["B4"].data_type == "s"  # a text, never a formula
    assert sheet["F3"].number_format == "0.00%"
    assert len(values) == 3
    from jixiao.web.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="导出部门总览")
    assert event.target == "2 个部门年度"
    assert event.after == {"筛选条件": "年度：2023；等级：优；分组：归口：经济口"}


@pytest.mark.usefixtures("city")
def test_item_by_item_shows_where_points_are_lost() -> None:
    answer = signed_in("bureau").get("/bureau/items/?year=2023&sort=code")
    assert answer.status_code == 200
    html = answer.content.decode()
    summaries = table(html, "item-summaries")
    # 管理效率: 6 scored departments, 50 points each: 300 − (47+46+40.5+25+47+50) = 44.5 lost
    assert summaries[0] == ["履职效能", "50.00", "6", "6", "38.17", "20.00", "71.00"]
    assert summaries[1] == ["管理效率", "50.00", "6", "5", "42.58", "25.00", "44.50"]
    matrix = table(html, "item-matrix")
    assert matrix[0] == ["甲局", "45.00", "47.00"]
    assert matrix[4] == ["戊局", "—", "—"]


@pytest.mark.usefixtures("city")
def test_year_over_year_per_department_and_item() -> None:
    html = signed_in("bureau").get("/bureau/departments/A01/").content.decode()
    assert [r[:3] for r in table(html, "years")] == [
        ["2022", "81.25", "良"],
        ["2023", "92.00", "优"],
    ]
    assert table(html, "year-items") == [
        ["履职效能", "40.00", "45.00"],
        ["管理效率", "41.25", "47.00"],
    ]


@pytest.mark.usefixtures("city")
def test_the_distribution_charts_are_svg_without_script_or_style() -> None:
    html = signed_in("bureau").get("/bureau/?year=2023").content.decode()
    chart = html.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert "style=" not in chart and "<script" not in chart
    # 90–100: 甲局, 乙局, 甲局信息中心
    assert re.search(r'<text class="count"[^>]*>3</text><text class="label"[^>]*>90–100<', chart)


def test_only_bureau_reviewers_see_the_overview(city: Any) -> None:
    jia = city["records"]["A01"].department
    for username, role in (
        ("finance", Role.FINANCE_REVIEWER),
        ("leader", Role.UNIT_LEADER),
        ("admin", Role.SYSTEM_ADMIN),
    ):
        account(username, role, jia if role != Role.SYSTEM_ADMIN else None)
        client = signed_in(username)
        for url in (
            "/bureau/?year=2023",
            "/bureau/export/?year=2023",
            "/bureau/items/",
            "/bureau/departments/A02/",
            "/bureau/departments/A01/",
        ):
            answer = client.get(url)
            assert answer.status_code == 404, (username, url)
            assert "92.00" not in answer.content.decode()
    assert Client().get("/bureau/").status_code == 302  # to sign in
    home = signed_in("bureau").get("/")
    assert home.status_code == 302 and home["Location"] == "/bureau/"


def test_the_overview_runs_a_fixed_number_of_queries(city: Any) -> None:
    client = signed_in("bureau")
    urls = (
        "/bureau/?year=2023",
        f"/bureau/?year=2023&group={city['batch'].pk}&grade=优&sort=-item:management_efficiency",
        "/bureau/export/?year=2023&min=10",
        "/bureau/items/?year=2023",
        "/bureau/departments/A01/",
    )

    def counted() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries.captured_queries))
        return found

    before = counted()
    for number in range(40):
        unit = department(f"C{number:03}", f"新增局{number}")
        stored_year(unit, 2023, (str(number % 50), "30"), grade="中", warnings=number)
        if number % 2:
            stored_year(
                department(f"D{number:03}", f"新增中心{number}", parent=unit),
                2023,
                ("20", "20"),
                grade="差",
            )
    assert counted() == before
    # the overview: session, the user with their membership; years; the year's versions (one
    # query: results, departments, steps, reviews, cut-offs); its items (kept under them);
    # groups; then, unless the page is cached under those: the count, the page's keys, its rows,
    # the ranks (2 more with a group) and the distribution; unless kept under the versions, the
    # group-year's current snapshot and its department-years counted (cut_off_of)
    assert before == [13, 14, 10, 11, 6], before  # overview, by group, export, items, a department
    assert counted()[0] == 5  # the same page again: from the cache


def test_stored_results_carry_the_cores_figures(demo: Any) -> None:
    """The reference department: 97.10% executed, 72.52% on average (decision 0004)."""
    row = StoredResult.objects.get(evaluation=demo)
    assert row.execution_rate is not None and row.average_execution_rate is not None
    assert round(row.execution_rate, 4) == Decimal("0.9710")
    assert round(row.average_execution_rate, 4) == Decimal("0.7252")
    from jixiao.web.monitoring import warnings_at

    assert row.warnings == len(warnings_at(demo, 12))


def test_the_overview_of_the_demo(client_for: Any) -> None:
    rows = overview(client_for("demo-bureau"), "")
    assert [r[:5] for r in rows] == [["gz-commerce", "广州市商务局", "1", "93.13", "优"]]
    assert rows[0][5:9] == ["97.10%", "72.52%", "47.13", "46.00"]
    assert Status.DRAFTING.label in rows[0]


def test_the_cached_page_follows_every_change(city: Any) -> None:
    client = signed_in("bureau")
    assert [(r[0], r[2]) for r in overview(client, "&level=first")][:3] == [
        ("A01", "1"),
        ("A02", "1"),
        ("A03", "3"),
    ]
    # a result computed again (refresh stamps computed_at)
    from django.utils import timezone

    StoredResult.objects.filter(evaluation=city["records"]["A03"]).update(
        total=Decimal("99"), computed_at=timezone.now()
    )
    rows = overview(client, "&level=first")
    assert [(r[0], r[2]) for r in rows][:3] == [("A03", "1"), ("A01", "2"), ("A02", "2")]
    # a workflow step
    submitted(city["records"]["A03"], city["bureau"], "2024-04-01")
    assert overview(client, "&level=first")[0][-1] == "2024-04-01"
    # returned: the date it was sent is no longer shown
    record = city["records"]["A03"]
    Transition.objects.create(
        evaluation=record,
        action="return",
        from_status=Status.SUBMITTED_TO_BUREAU,
        to_status=Status.DRAFTING,
        actor=city["bureau"],
        reason="退回",
    )
    SelfEvaluation.objects.filter(pk=record.pk).update(status=Status.DRAFTING)
    assert overview(client, "&level=first")[0][-2:] == ["填报中", "—"]
    # a group renamed: named so in the filter and the rank-in-group column at once
    query = f"/bureau/?year=2023&group={city['batch'].pk}"
    assert "组内排名（第一批重点评价）" in client.get(query).content.decode()
    DepartmentGroup.objects.filter(pk=city["batch"].pk).update(name="第二批重点评价")
    assert "组内排名（第二批重点评价）" in client.get(query).content.decode()
    # a department moved under another: ranked with the subordinate units from then on
    a03 = city["records"]["A03"].department
    a03.parent = city["records"]["A04"].department
    a03.save()
    assert [(r[0], r[2]) for r in overview(client, "&level=subordinate")] == [
        ("A03", "1"),
        ("B01", "2"),
        ("B02", "3"),
    ]


PARAMETERS = ["year", "q", "grade", "group", "status", "review", "level", "min", "max", "item",
              "below", "sort", "size", "page"]  # fmt: skip
value = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12
) | st.sampled_from(
    ["2023", "0", "-1", "100", "100.00", "100.001", "1e400", "NaN", "Infinity", "优", "none",
     "first", "subordinate", "drafting", "performance_effectiveness", "-item:nowhere",
     "-score", "rank", "20", "200", "999999999999999999999", "\x00", " ", "１２", "stale",
     "reviewing", "accepted", "-review"]
)  # fmt: skip


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.dictionaries(st.sampled_from(PARAMETERS), value, max_size=6))
def test_any_query_is_answered_200_or_400_never_500(city: Any, query: dict[str, str]) -> None:
    del city  # the departments to list
    client = signed_in("bureau")
    for url in ("/bureau/", "/bureau/items/", "/bureau/export/"):
        answer = client.get(url, query)
        assert answer.status_code in (200, 400), (url, query, answer.status_code)


def test_the_overview_in_english(client_for: Any) -> None:
    client = client_for("demo-bureau")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/bureau/").content.decode()
    assert "departments overview" in page and ">Rank</a>" in page and ">Grade</a>" in page
    assert "Score distribution" in page and "排名" not in page
    translation.activate("zh-hans")  # the test client's thread keeps the last request's language


def test_the_overview_links_to_the_years_summary_report(client_for: Any) -> None:
    """The bureau reaches the year's 汇总分析报告 from its overview (no other page links it)."""
    bureau = client_for("demo-bureau")
    for page in ("/bureau/?year=2023", "/bureau/items/?year=2023"):
        html = bureau.get(page).content.decode()
        assert '<a href="/summary/2023/" id="summary-link">2023 年度汇总分析报告</a>' in html
    assert bureau.get("/summary/2023/").status_code == 200


def test_the_page_size_shown_is_the_one_used(client_for: Any) -> None:
    """Without ``size`` a page holds 50 rows and the filter's 每页行数 says 50, so that 筛选
    keeps it (the browser sends the option shown: it showed 20, the first, and 筛选 halved the
    page)."""
    bureau = client_for("demo-bureau")
    for query in ("", "&grade=优", "&size=100"):
        html = bureau.get(f"/bureau/?year=2023{query}").content.decode()
        chosen = re.findall(r'<option value="(\d+)" selected>', html.split('id="size"', 1)[1])
        assert chosen[:1] == (["100"] if "size" in query else ["50"]), query
