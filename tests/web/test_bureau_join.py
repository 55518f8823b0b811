"""The bureau's pieces joined (issue 12): the overview ranks on the score that counts — the
review's where the bureau's review counts (``reviews.reading``), marked 复核 —, shows and filters
the review's state, links each department to its review page, exports the same columns and
follows every review change at once, in the same fixed number of queries."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from jixiao.web.bureau.overview import _department_result as department_result
from jixiao.web.organizations.models import SelfEvaluation, Status, Transition
from jixiao.web.results.models import StoredResult
from jixiao.web.reviews.models import Review, ReviewItem
from jixiao.web.reviews.reading import effective_scores, with_review

from .test_bureau_overview import _city, overview, signed_in, table

pytestmark = pytest.mark.django_db
D = Decimal


def review(record: SelfEvaluation, by: User, *changes: tuple[str, str, str]) -> Review:
    """A review of ``record``'s stored version re-scoring ``changes`` (node, 自评, 复核)."""
    result = StoredResult.objects.get(evaluation=record)
    submission = Transition.objects.filter(evaluation=record).first() or Transition.objects.create(
        evaluation=record,
        action="send",
        from_status=Status.APPROVED,
        to_status=Status.SUBMITTED_TO_BUREAU,
        actor=by,
    )
    made = Review.objects.create(
        evaluation=record,
        submission=submission,
        data_digest=result.data_digest,
        framework_version=result.framework_version,
        result_revision=result.revision,
        self_total=result.total,
        created_by=by,
    )
    for node, own, score in changes:
        ReviewItem.objects.create(
            review=made,
            node=node,
            path=f"total/{node}",
            name=node,
            points=D(50),
            self_score=D(own),
            score=D(score),
            reason="复核",
            reviewer=by,
        )
    return made


@pytest.fixture
def city(db: None) -> dict[str, Any]:  # noqa: ARG001
    """The overview's city; the bureau re-scored 乙局 92 → 91.5 (current), 丙局 80.50 → 70.50
    and then 丙局 changed its data (stale); 丁局 55 is accepted without a re-score."""
    found = _city()
    records, bureau = found["records"], found["bureau"]
    review(records["A02"], bureau, ("management_efficiency", "46", "45.5"))
    review(records["A03"], bureau, ("performance_effectiveness", "40", "30"))
    StoredResult.objects.filter(evaluation=records["A03"]).update(
        data_digest="1" * 64, computed_at=timezone.now()
    )
    SelfEvaluation.objects.filter(pk=records["A04"].pk).update(status=Status.BUREAU_ACCEPTED)
    return found


def test_the_sql_score_is_effective_scores(city: dict[str, Any]) -> None:
    """The overview's SQL and ``effective_scores`` say the same, department by department."""
    rows = with_review(
        SelfEvaluation.objects.filter(fiscal_year=2023).annotate(result=department_result()),
        "result__total",
    )
    found = {
        pk: (score, bool(is_review))
        for pk, score, is_review in rows.values_list("pk", "score", "is_review")
        if score is not None
    }
    assert found == effective_scores(2023)
    records = city["records"]
    assert found[records["A02"].pk] == (D("91.50"), True)
    assert found[records["A03"].pk] == (D("80.50"), False)  # stale: its own total
    assert found[records["A04"].pk] == (D("55.00"), True)  # accepted


def test_the_overview_ranks_on_the_review_and_says_so(city: dict[str, Any]) -> None:
    client = signed_in("bureau")
    answer = client.get("/bureau/?year=2023&level=first")
    html = answer.content.decode()
    rows = table(html, "overview")
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("A01", "1", "92.00"),
        ("A02", "2", "91.50"),  # tied with 甲局 before the review
        ("A03", "3", "80.50"),
        ("A04", "4", "55.00"),
        ("A05", "—", "—"),
    ]
    states = [r[10] for r in rows]
    assert states == ["—", "复核中", "已过期", "财政局审核通过", "—"]
    assert 'id="overview-legend"' in html and "排名按此" in html
    marks = html.split('id="overview"', 1)[1].count('<span class="mark"')
    assert marks == 2  # 乙局 (a current re-score) and 丁局 (accepted)
    a02 = city["records"]["A02"]
    assert f'href="/evaluations/{a02.pk}/review/"' in html
    assert 'title="自评得分 92.00"' in html


@pytest.mark.parametrize(
    ("state", "codes"),
    [("none", ["A01", "A05"]), ("reviewing", ["A02"]), ("stale", ["A03"]),
     ("accepted", ["A04"])],
)  # fmt: skip
def test_filter_by_review_state(city: dict[str, Any], state: str, codes: list[str]) -> None:
    del city
    rows = overview(signed_in("bureau"), f"&level=first&review={state}")
    assert [r[0] for r in rows] == codes


def test_bad_review_state_is_400_naming_the_field(city: dict[str, Any]) -> None:
    del city
    answer = signed_in("bureau").get("/bureau/?year=2023&review=maybe")
    assert answer.status_code == 400 and "复核状态" in answer.content.decode()


def test_the_export_has_the_same_columns(city: dict[str, Any]) -> None:
    del city
    answer = signed_in("bureau").get("/bureau/export/?year=2023&level=first&review=reviewing")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    header = values[0]
    line = dict(zip(header, values[1], strict=True))
    assert line["总分"] == 91.5 and line["排名"] == 2
    assert line["复核状态"] == "复核中" and line["总分来源"] == "复核" and line["自评总分"] == 92
    assert len(values) == 2


def test_a_review_change_changes_the_cached_page(city: dict[str, Any]) -> None:
    client = signed_in("bureau")
    first = [(r[0], r[2], r[3]) for r in overview(client, "&level=first")][:2]
    assert first == [("A01", "1", "92.00"), ("A02", "2", "91.50")]
    item = ReviewItem.objects.get(review__evaluation=city["records"]["A02"])
    item.score = D("46")  # re-scored again: 92.00, tied again
    item.save()
    assert [(r[0], r[2], r[3]) for r in overview(client, "&level=first")][:2] == [
        ("A01", "1", "92.00"),
        ("A02", "1", "92.00"),
    ]
    item.score = D("40")
    item.save()
    assert overview(client, "&level=first")[1][:4] == ["A02", "乙局", "2", "86.00"]
    item.delete()  # withdrawn: the self-evaluation's score, the review still 复核中
    rows = overview(client, "&level=first")
    assert rows[1][:4] == ["A02", "乙局", "1", "92.00"] and rows[1][10] == "复核中"
    # a new review of 甲局
    review(city["records"]["A01"], city["bureau"], ("performance_effectiveness", "45", "44"))
    assert overview(client, "&level=first")[0][:4] == ["A02", "乙局", "1", "92.00"]
    # accepted (a workflow step): the state changes
    a02 = city["records"]["A02"]
    Transition.objects.create(
        evaluation=a02,
        action="accept",
        from_status=Status.SUBMITTED_TO_BUREAU,
        to_status=Status.BUREAU_ACCEPTED,
        actor=city["bureau"],
    )
    SelfEvaluation.objects.filter(pk=a02.pk).update(status=Status.BUREAU_ACCEPTED)
    assert overview(client, "&level=first")[0][10] == "财政局审核通过"


def test_reviews_add_no_query(city: dict[str, Any]) -> None:
    """The overview's queries with reviews are those without: the reviews are read in the
    listing's own query (and one version query, counted in test_bureau_overview; the year's
    items are kept under the results' version, read once more for them)."""
    del city
    client = signed_in("bureau")
    for url in ("/bureau/?year=2023", "/bureau/?year=2023&review=stale&sort=-review"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries.captured_queries) <= 18


def test_the_distribution_counts_the_score_that_counts(city: dict[str, Any]) -> None:
    """乙局 counted at its review score; one query whatever the number of departments."""
    from jixiao.web.bureau import overview as listing

    items = listing.items_of(2023)
    rows = listing.listing(2023, items).filter(department__parent__isnull=True)
    with CaptureQueriesContext(connection) as queries:
        spread = listing.distribution(rows)
    assert len(queries.captured_queries) == 1
    assert dict(spread.bands)["90–100"] == 2  # 甲局 92, 乙局 91.50
    review(city["records"]["A01"], city["bureau"], ("performance_effectiveness", "45", "30"))
    spread = listing.distribution(listing.listing(2023, items).filter(department__parent=None))
    assert dict(spread.bands)["90–100"] == 1 and dict(spread.bands)["70–80"] == 1
    assert dict(spread.grades)["无得分"] == 1 and spread.scored == 4


def test_the_grade_follows_the_review_score_across_a_band(city: dict[str, Any]) -> None:
    """甲局 scored itself 92 (优); the bureau re-scores 45 → 30: 复核得分 77, graded 中 by the
    framework's bands (优 ≥ 90, 良 ≥ 80, 中 ≥ 60) in the row, the grade filter, the distribution
    and the export; 乙局 re-scored to 91.50 stays 优; 丙局's stale review leaves its own 良."""
    review(city["records"]["A01"], city["bureau"], ("performance_effectiveness", "45", "30"))
    # 戊局, accepted without a score: no grade (not the lowest band's)
    SelfEvaluation.objects.filter(pk=city["records"]["A05"].pk).update(
        status=Status.BUREAU_ACCEPTED
    )
    client = signed_in("bureau")
    rows = overview(client, "&level=first&sort=code")
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("A01", "77.00", "中"),
        ("A02", "91.50", "优"),
        ("A03", "80.50", "良"),
        ("A04", "55.00", "差"),
        ("A05", "—", "—"),
    ]
    assert [r[0] for r in overview(client, "&level=first&grade=中")] == ["A01"]
    assert [r[0] for r in overview(client, "&level=first&grade=优")] == ["A02"]
    from jixiao.web.bureau import overview as listing

    items = listing.items_of(2023)
    spread = listing.distribution(listing.listing(2023, items).filter(department__parent=None))
    assert dict(spread.grades) == {"优": 1, "良": 1, "中": 1, "差": 1, "无得分": 1}
    answer = client.get("/bureau/export/?year=2023&level=first&sort=code")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert dict(zip(values[0], values[1], strict=True))["等级"] == "中"


def test_an_item_is_found_whatever_its_path_in_each_framework(city: dict[str, Any]) -> None:
    """乙局 is scored by another framework whose root is called differently: its 管理效率 (46)
    is still its column's value and found by "an item below a value"."""
    from jixiao.web.results.models import NodeScore

    result = StoredResult.objects.get(evaluation=city["records"]["A02"])
    StoredResult.objects.filter(pk=result.pk).update(framework="national-project-2020")
    for row in NodeScore.objects.filter(result=result, depth=1):
        NodeScore.objects.filter(pk=row.pk).update(path=f"root/{row.node}")
    client = signed_in("bureau")
    rows = overview(client, "&level=first&sort=code")
    assert [(r[0], r[8]) for r in rows][:2] == [("A01", "47.00"), ("A02", "46.00")]
    below = overview(client, "&level=first&item=management_efficiency&below=46.5&sort=code")
    assert [r[0] for r in below] == ["A02", "A03", "A04"]


def test_a_result_recomputed_under_an_older_stamp_still_changes_the_versions(
    city: dict[str, Any],
) -> None:
    """Two workers recompute at once and the earlier stamp commits last: the count and the
    latest ``computed_at`` stay, the revisions' sum moves the key (no stale page kept)."""
    from jixiao.web.bureau.overview import Versions, results_version

    before, version = Versions.of(2023), results_version(2023)
    StoredResult.objects.filter(evaluation=city["records"]["A03"]).update(revision=12345)
    assert Versions.of(2023).results != before.results
    assert results_version(2023) != version
    assert Versions.of(2023).departments == before.departments
