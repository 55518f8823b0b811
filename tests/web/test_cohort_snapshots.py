"""The bureau's cut-off: a cohort frozen and stored, and the department-years scored with it
(decision 0023, "The web side").

Three departments of 批次“第一批” 2023, scored by the framework of tests/test_cohort.py (20
points: 预算执行率 5 × rate, its percentile rank 5/4/3/0 for the top 20%/50%/80%/rest, the
output indicators 5, their rank 5/3/1 for the first/top 3/rest). Every output indicator is met
(5 points, all tied first). Execution rates: A 95%, B 98%, C 90%.

- Before any cut-off both rank items are pending: A 4.75 + 5 = 9.75, B 9.90, C 9.50.
- Frozen: B first (top 33% → 4), A second (67% → 3), C third (100% → 0); output ranks 5 each:
  A 4.75 + 3 + 5 + 5 = 17.75, B 4.90 + 4 + 10 = 18.90, C 4.50 + 0 + 10 = 14.50.
- C, returned, spends 100%: ranked on its own live rate against A's and B's frozen ones, first
  (→ 4): 5.00 + 4 + 10 = 19.00; A and B unchanged.
- A accepted, a new cut-off (A 95, B 98, C 100): B second (→ 3): 17.90; C 19.00; A stays 17.75,
  pinned to the first snapshot (with the second it would be third, 0 points).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jixiao.core.model import Dataset, Department
from jixiao.core.problems import ProblemCode
from jixiao.web.audit.models import AuditEvent
from jixiao.web.cohorts.freezing import Frozen, current_of, freeze_cohort
from jixiao.web.cohorts.models import CohortSnapshot
from jixiao.web.errors import Conflict, NotFound
from jixiao.web.jobs import running
from jixiao.web.jobs.models import JobKind
from jixiao.web.loading import store
from jixiao.web.organizations.models import DepartmentGroup, Role, SelfEvaluation, Status
from jixiao.web.results import store as results
from jixiao.web.results.models import NodeScore, StoredResult

from ..builders import dataset, indicator, project
from ..conftest import DATA
from .bureau_builders import account, group

pytestmark = pytest.mark.django_db

D = Decimal
FRAMEWORK = str(DATA / "cohort-framework.yaml")
SPENT = {"A": "95000", "B": "98000", "C": "90000"}


def department(code: str, spent: str) -> Dataset:
    """A department spending ``spent`` of a 100,000 元 budget in January, its one output
    indicator (5 points, target 100) met."""
    built = dataset(
        [indicator("I1", "100", points="5")], [project("P1", "100000", [spent] + ["0"] * 11)]
    )
    return replace(built, department=Department(code, f"部门{code}"), fiscal_year=2023)


@pytest.fixture
def first_batch(db: None) -> DepartmentGroup:  # noqa: ARG001
    batch = group("第一批")
    for code, spent in SPENT.items():
        loaded = store(department(code, spent), f"{code}.xlsx", replace=False, framework=FRAMEWORK)
        assert loaded.evaluation is not None, loaded.problems
        loaded.evaluation.department.groups.add(batch)
        sent(loaded.evaluation)
    return batch


@pytest.fixture
def bureau(db: None) -> User:  # noqa: ARG001
    return account("bureau", Role.BUREAU_REVIEWER)


def record(code: str) -> SelfEvaluation:
    return SelfEvaluation.objects.select_related("department").get(department__code=code)


def sent(found: SelfEvaluation, status: str = Status.SUBMITTED_TO_BUREAU) -> None:
    SelfEvaluation.objects.filter(pk=found.pk).update(status=status)


def score(code: str, node: str = "total") -> Decimal:
    """The stored score of ``node``, read as a page reads it (a stale result computed first)."""
    results.stored_assessment(record(code))
    return NodeScore.objects.get(result__evaluation__department__code=code, node=node).score


def totals() -> dict[str, Decimal | None]:
    """The totals as stored now, without computing anything."""
    rows = StoredResult.objects.order_by("evaluation__department__code")
    return dict(rows.values_list("evaluation__department__code", "total"))


def revisions() -> dict[str, int]:
    rows = StoredResult.objects.order_by("evaluation__department__code")
    return dict(rows.values_list("evaluation__department__code", "revision"))


def warnings(code: str) -> list[str]:
    assessed = results.stored_assessment(record(code))
    return [problem.code for problem in assessed.problems]


def test_before_a_cut_off_the_cohort_items_are_pending(first_batch: Any) -> None:
    assert {code: score(code) for code in SPENT} == {
        "A": D("9.75"),
        "B": D("9.90"),
        "C": D("9.50"),
    }
    assert score("A", "execution_rank") == score("A", "output_rank") == 0
    assert warnings("A").count(ProblemCode.W_COHORT_PENDING) == 2
    assert current_of(2023, first_batch) is None


def test_freezing_scores_each_department_its_bands_points(first_batch: Any, bureau: User) -> None:
    for code in SPENT:
        score(code)  # stored before the cut-off
    frozen = freeze_cohort(bureau, 2023, first_batch)
    snapshot = frozen.snapshot
    assert (frozen.members, frozen.left_out, frozen.moved) == (["A", "B", "C"], [], 3)
    assert frozen.job is not None  # the three computed again in the background
    assert (frozen.job.kind, sorted(frozen.job.keys)) == (
        JobKind.RECOMPUTE_PART,
        sorted(record(code).pk for code in SPENT),
    )
    assert (snapshot.fiscal_year, snapshot.group, snapshot.members, snapshot.set_by) == (
        2023,
        first_batch,
        3,
        bureau,
    )
    assert snapshot.framework == FRAMEWORK and len(snapshot.digest) == 64
    assert current_of(2023, first_batch) == snapshot
    assert all(results.needs_refresh(record(code)) for code in SPENT)  # moved: stale
    running.run(frozen.job.pk)  # a worker computes them again; the overview's totals move
    assert totals() == {"A": D("17.75"), "B": D("18.90"), "C": D("14.50")}
    assert not any(results.needs_refresh(record(code)) for code in SPENT)
    assert {code: score(code, "execution_rank") for code in SPENT} == {
        "A": D(3),
        "B": D(4),
        "C": D(0),
    }
    assert {code: score(code, "output_rank") for code in SPENT} == dict.fromkeys(SPENT, D(5))
    assert totals() == {"A": D("17.75"), "B": D("18.90"), "C": D("14.50")}
    row = StoredResult.objects.get(evaluation__department__code="A")
    assert (row.cohort_snapshot_id, row.cohort_digest) == (snapshot.pk, snapshot.digest)
    assert ProblemCode.W_COHORT_PENDING not in warnings("A")


def test_more_moved_results_than_a_part_are_computed_in_parts(
    first_batch: Any, bureau: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With parts of 2 (of 50 in use), the three moved results are one job (重新计算部分评价结果)
    that queues two parts any worker takes, as recompute-all does; the totals are the same."""
    monkeypatch.setattr("jixiao.web.jobs.services.PART_SIZE", 2)
    monkeypatch.setattr("jixiao.web.jobs.kinds.PART_SIZE", 2)
    frozen = freeze_cohort(bureau, 2023, first_batch)
    job = frozen.job
    assert job is not None and job.kind == JobKind.RECOMPUTE_SOME
    running.run(job.pk)  # queues its parts and waits for them
    parts = list(job.parts.order_by("pk"))
    keys = sorted(record(code).pk for code in SPENT)
    assert [(part.kind, part.keys) for part in parts] == [
        (JobKind.RECOMPUTE_PART, keys[:2]),
        (JobKind.RECOMPUTE_PART, keys[2:]),
    ]
    for part in parts:
        running.run(part.pk)
    job.refresh_from_db()
    assert (job.done, job.total, job.step) == (3, 3, "已完成：3 个部门年度已重新计算")
    assert totals() == {"A": D("17.75"), "B": D("18.90"), "C": D("14.50")}


def test_the_cut_off_is_audited_with_its_counts_and_digest(first_batch: Any, bureau: User) -> None:
    sent(record("C"), Status.DRAFTING)  # returned: not in the cohort
    frozen = freeze_cohort(bureau, 2023, first_batch)
    event = AuditEvent.objects.get(action="设定同批部门截止")
    assert (event.actor, event.target) == (bureau, "2023 年第一批")
    assert event.after == {
        "纳入部门数": 2,
        "未纳入部门数": 1,
        "重算结果数": 3,
        "数据摘要": frozen.snapshot.digest,
        "未纳入的部门": "C 部门C",
    }
    # C is ranked with the members, told it is outside: 90% third of A 95%, B 98% (→ 0)
    assert score("C", "execution_rank") == 0
    assert ProblemCode.W_COHORT_OUTSIDE in warnings("C")


def test_a_later_edit_moves_only_its_own_score(first_batch: Any, bureau: User) -> None:
    freeze_cohort(bureau, 2023, first_batch)
    for code in SPENT:
        score(code)
    before = revisions()
    sent(record("C"), Status.DRAFTING)  # returned by the bureau, the department edits
    store(department("C", "100000"), "C.xlsx", replace=True, framework=FRAMEWORK)
    assert totals() == {"A": D("17.75"), "B": D("18.90"), "C": D("19.00")}
    after = revisions()
    assert (after["A"], after["B"]) == (before["A"], before["B"])  # not even computed again
    assert not results.needs_refresh(record("A"))
    assert score("C", "execution_rank") == 4  # its own 100% first of the frozen 95%, 98%
    assert ProblemCode.W_COHORT_CHANGED in warnings("C")
    assert ProblemCode.W_COHORT_CHANGED not in warnings("B")


def test_a_new_cut_off_moves_all_but_an_accepted_year(first_batch: Any, bureau: User) -> None:
    first = freeze_cohort(bureau, 2023, first_batch).snapshot
    for code in SPENT:
        score(code)
    sent(record("C"), Status.DRAFTING)
    store(department("C", "100000"), "C.xlsx", replace=True, framework=FRAMEWORK)
    sent(record("C"))
    sent(record("A"), Status.BUREAU_ACCEPTED)
    second = freeze_cohort(bureau, 2023, first_batch)
    assert (second.members, second.moved) == (["A", "B", "C"], 2)
    assert not results.needs_refresh(record("A"))
    assert {code: score(code) for code in SPENT} == {
        "A": D("17.75"),  # pinned: with the new snapshot it would be third (0 points)
        "B": D("17.90"),  # second of A 95%, B 98%, C 100% (→ 3)
        "C": D("19.00"),
    }
    pinned = dict(
        StoredResult.objects.values_list("evaluation__department__code", "cohort_snapshot_id")
    )
    assert pinned == {"A": first.pk, "B": second.snapshot.pk, "C": second.snapshot.pk}
    assert current_of(2023, first_batch) == second.snapshot
    # A's result computed again (another storage format, say) stays with the first snapshot
    StoredResult.objects.filter(evaluation__department__code="A").update(codec_version="")
    assert score("A") == D("17.75")
    assert StoredResult.objects.get(evaluation__department__code="A").cohort_snapshot_id == (
        first.pk
    )


def test_another_groups_department_is_neither_in_nor_moved(first_batch: Any, bureau: User) -> None:
    loaded = store(department("D", "99000"), "D.xlsx", replace=False, framework=FRAMEWORK)
    assert loaded.evaluation is not None
    loaded.evaluation.department.groups.add(group("第二批"))
    sent(loaded.evaluation)
    frozen = freeze_cohort(bureau, 2023, first_batch)
    assert (frozen.members, frozen.moved) == (["A", "B", "C"], 3)
    assert not results.needs_refresh(record("D"))
    assert score("D", "execution_rank") == 0  # still pending: 第二批 has no cut-off
    assert ProblemCode.W_COHORT_PENDING in warnings("D")
    # a cut-off of every department is the latest for both groups: D ranked second of four
    everyone = freeze_cohort(bureau, 2023, None)
    assert (everyone.members, everyone.moved) == (["A", "B", "C", "D"], 4)
    assert score("D", "execution_rank") == 4  # 99%: first of 4, top 25% (→ the 50% band)
    assert score("A", "execution_rank") == 3  # 95%: third of 4, top 75% (→ the 80% band)


def test_only_the_bureau_sets_a_cut_off(first_batch: Any) -> None:
    finance = account("finance", Role.FINANCE_REVIEWER, record("A").department)
    with pytest.raises(NotFound):
        freeze_cohort(finance, 2023, first_batch)
    admin = account("admin", Role.SYSTEM_ADMIN)
    with pytest.raises(NotFound):
        freeze_cohort(admin, 2023, first_batch)
    assert not CohortSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="设定同批部门截止").exists()


def test_no_cut_off_before_a_department_is_sent(first_batch: Any, bureau: User) -> None:
    SelfEvaluation.objects.update(status=Status.APPROVED)
    with pytest.raises(Conflict, match="2023 年第一批 还没有部门报送财政局"):
        freeze_cohort(bureau, 2023, first_batch)
    with pytest.raises(Conflict, match="还没有部门报送财政局"):
        freeze_cohort(bureau, 2024, None)
    assert not CohortSnapshot.objects.exists()


def test_a_cut_off_of_every_department_of_the_year(first_batch: Any, bureau: User) -> None:
    frozen = freeze_cohort(bureau, 2023, None)
    assert (frozen.snapshot.group, frozen.members) == (None, ["A", "B", "C"])
    assert current_of(2023, None) == frozen.snapshot
    assert current_of(2023, first_batch) is None
    assert score("B") == D("18.90")


def test_freezing_reads_each_member_once(first_batch: Any, bureau: User) -> None:
    """Queries: the records locked (1), each member's tables (what ``cohort_figures`` needs),
    the snapshot (1), the marks (1), the audit event's — the same for each more member."""
    from jixiao.web.records.mapping import TABLES

    with CaptureQueriesContext(connection) as three:
        freeze_cohort(bureau, 2023, first_batch)
    sent(record("C"), Status.DRAFTING)
    with CaptureQueriesContext(connection) as two:
        freeze_cohort(bureau, 2023, first_batch)
    assert len(three) - len(two) == len(TABLES)


# --- the overview's form ------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_overview_sets_the_cut_off_after_confirming(first_batch: Any, bureau: User) -> None:
    client = signed_in(bureau)
    sent(record("C"), Status.DRAFTING)
    page = client.get(f"/bureau/?year=2023&group={first_batch.pk}").content.decode()
    assert "尚未设定截止" in page
    assert "确认以已报送财政局的 2 个部门（共 3 个）设定截止" in page
    unconfirmed = client.post("/bureau/cut-off/", {"year": "2023", "group": first_batch.pk})
    assert unconfirmed.status_code == 400
    assert "请勾选确认后再设定截止" in unconfirmed.content.decode()
    assert not CohortSnapshot.objects.exists()
    answer = client.post(
        "/bureau/cut-off/", {"year": "2023", "group": first_batch.pk, "confirm": "yes"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/bureau/?year=2023&group={first_batch.pk}"
    page = client.get(answer["Location"]).content.decode()
    snapshot = CohortSnapshot.objects.get()
    assert "已设定同批部门截止：2 个部门纳入，1 个未纳入" in page
    at = timezone.localtime(snapshot.cut_off).strftime("%Y-%m-%d %H:%M")
    assert f"当前截止：{at}，同批部门 2 个，由 bureau 设定。" in page
    # the stored results moved, not computed yet: counted here, listed on a page of their own
    assert "范围内 3 个部门，已报送财政局 2 个；" in page
    assert '<span class="mark">3 个评价结果待重新计算</span>' in page
    link = f"/bureau/cut-off/departments/?year=2023&amp;group={first_batch.pk}"
    assert f'href="{link}" id="cohort-departments-link"' in page
    results.stored_assessment(record("A"))
    page = client.get(answer["Location"]).content.decode()
    assert '<span class="mark">2 个评价结果待重新计算</span>' in page


def test_the_overview_filters_on_a_second_level_cohort_item(first_batch: Any, bureau: User) -> None:
    """预算执行率排名 sits under 预算执行 (second level): after the cut-off (A 3, B 4, C 0 of 5)
    "an item below a value" names it, on the page and the API; its columns stay first-level."""
    from .test_bureau_overview import table

    freeze_cohort(bureau, 2023, first_batch)
    for code in SPENT:
        score(code)
    client = signed_in(bureau)
    page = client.get("/bureau/?year=2023").content.decode()
    assert '<option value="execution_rank">　预算执行率排名</option>' in page
    assert "预算执行率排名（" not in page  # not a column
    below = client.get("/bureau/?year=2023&item=execution_rank&below=4&sort=code")
    assert [row[0] for row in table(below.content.decode(), "overview")] == ["A", "C"]
    api = client.get("/api/bureau/overview/?year=2023&item=execution_rank&below=3").json()
    assert [row["department_code"] for row in api["rows"]] == ["C"]
    assert [item["node"] for item in api["items"]] == ["execution", "output", "output_rank"]
    assert set(api["rows"][0]["items"]) == {"execution", "output", "output_rank"}


def test_each_departments_cut_off_is_listed_filtered_sorted_and_paged(
    first_batch: Any, bureau: User
) -> None:
    client = signed_in(bureau)
    url = f"/bureau/cut-off/departments/?year=2023&group={first_batch.pk}"
    page = client.get(url).content.decode()
    assert [row[0] for row in rows_of(page)] == ["A 部门A", "B 部门B", "C 部门C"]
    assert {row[2] for row in rows_of(page)} == {"无（待评）"}
    snapshot = freeze_cohort(bureau, 2023, first_batch).snapshot
    results.stored_assessment(record("A"))
    at = timezone.localtime(snapshot.cut_off).strftime("%Y-%m-%d %H:%M")
    page = client.get(url + "&sort=-code").content.decode()
    assert rows_of(page) == [
        ["C 部门C", "已报送财政局", "无（待评） 待重新计算"],
        ["B 部门B", "已报送财政局", "无（待评） 待重新计算"],
        ["A 部门A", "已报送财政局", f"{at}（第一批）"],
    ]
    assert [r[0] for r in rows_of(client.get(url + "&state=waiting").content.decode())] == [
        "B 部门B",
        "C 部门C",
    ]
    assert [r[0] for r in rows_of(client.get(url + "&state=applied").content.decode())] == [
        "A 部门A"
    ]
    assert rows_of(client.get(url + "&q=部门B").content.decode())[0][0] == "B 部门B"
    refused = client.get(url + "&state=everything")
    assert refused.status_code == 400
    assert "截止情况" in refused.content.decode()
    too_long = client.get(url + "&q=" + "长" * 51)
    assert too_long.status_code == 400
    finance = account("finance-b", Role.FINANCE_REVIEWER, record("B").department)
    assert signed_in(finance).get(url).status_code == 404


def rows_of(page: str) -> list[list[str]]:
    """The cells of the page's table of department-years, as text."""
    import re

    body = page.split('id="cohort-departments"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)[1:]  # the header row first
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in rows
    ]


def test_the_cut_off_form_is_the_bureaus_only(first_batch: Any) -> None:
    finance = account("finance", Role.FINANCE_REVIEWER, record("A").department)
    answer = signed_in(finance).post(
        "/bureau/cut-off/", {"year": "2023", "group": first_batch.pk, "confirm": "yes"}
    )
    assert answer.status_code == 404
    assert not CohortSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("given", "status"),
    [({"year": "1999"}, 400), ({"year": "x"}, 400), ({"year": "2023", "group": "999"}, 404)],
)
@pytest.mark.usefixtures("first_batch")
def test_the_cut_off_forms_bad_input(bureau: User, given: dict[str, str], status: int) -> None:
    answer = signed_in(bureau).post("/bureau/cut-off/", {**given, "confirm": "yes"})
    assert answer.status_code == status


# --- the API ------------------------------------------------------------------------------------


def test_the_api_sets_a_cut_off_and_lists_them(first_batch: Any, bureau: User) -> None:
    client = signed_in(bureau)
    assert client.get("/api/bureau/cut-offs/?year=2023").json() == []
    answer = client.post(
        "/api/bureau/cut-offs/", {"year": 2023, "group": first_batch.pk}, "application/json"
    )
    assert answer.status_code == 201, answer.json()
    set_now = answer.json()
    snapshot = CohortSnapshot.objects.get()
    assert (set_now["id"], set_now["departments"], set_now["left_out"], set_now["moved"]) == (
        snapshot.pk,
        ["A", "B", "C"],
        [],
        3,
    )
    assert set_now["job"] is not None and set_now["current"] is True
    second = client.post("/api/bureau/cut-offs/", {"year": 2023, "group": first_batch.pk}).json()
    listed = client.get("/api/bureau/cut-offs/?year=2023").json()
    assert [(s["id"], s["current"], s["members"]) for s in listed] == [
        (second["id"], True, 3),
        (snapshot.pk, False, 3),
    ]
    assert (listed[0]["group"], listed[0]["group_name"], listed[0]["set_by"]) == (
        first_batch.pk,
        "第一批",
        "bureau",
    )
    detail = client.get(f"/api/bureau/cut-offs/{snapshot.pk}/").json()
    assert (detail["current"], detail["measures"]) == (False, ["execution_rate", "item:output"])
    assert [(f["code"], f["values"]["execution_rate"]["value"]) for f in detail["figures"]] == [
        ("A", "0.9500"),
        ("B", "0.9800"),
        ("C", "0.9000"),
    ]


def test_the_apis_refusals(first_batch: Any, bureau: User) -> None:
    finance = signed_in(account("finance", Role.FINANCE_REVIEWER, record("A").department))
    assert finance.get("/api/bureau/cut-offs/?year=2023").status_code == 404
    refused = finance.post("/api/bureau/cut-offs/", {"year": 2023, "group": first_batch.pk})
    assert refused.status_code == 404
    client = signed_in(bureau)
    assert client.get("/api/bureau/cut-offs/?year=1999").json()["code"] == "E-INVALID"
    bad = client.post("/api/bureau/cut-offs/", {"year": 1999})
    assert (bad.status_code, bad.json()["code"]) == (400, "E-INVALID")
    assert bad.json()["detail"].startswith("请求有误：预算年度（year）：")
    assert client.post("/api/bureau/cut-offs/", {"year": 2023, "group": 999}).status_code == 404
    none_sent = client.post("/api/bureau/cut-offs/", {"year": 2024})
    assert (none_sent.status_code, none_sent.json()["code"]) == (409, "E-CONFLICT")
    assert "2024 年全部部门 还没有部门报送财政局" in none_sent.json()["detail"]
    assert client.get("/api/bureau/cut-offs/999/").status_code == 404
    assert not CohortSnapshot.objects.exists()


# --- a cut-off while a result is being computed (PostgreSQL: rows locked, others read on) --------


@pytest.mark.django_db(transaction=True)
def test_a_cut_off_waits_for_a_result_being_computed(
    first_batch: Any, bureau: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C's result is being computed — its snapshot read (none yet) — when the bureau sets the
    cut-off: the cut-off waits for C's lock, so C's result is stored first and then marked
    stale — never stored after the mark, left on no snapshot unmarked."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing to interleave")
    pool = ThreadPoolExecutor(1)
    setting: list[Future[Frozen]] = []
    read_snapshot = results.snapshot_for

    def then_the_cut_off(*args: Any) -> Any:
        found = read_snapshot(*args)
        setting.append(pool.submit(_freeze_in_its_own_connection, bureau, first_batch))
        time.sleep(1)  # time enough to finish, were it not waiting for C's lock
        assert not setting[0].done()
        return found

    monkeypatch.setattr(results, "snapshot_for", then_the_cut_off)
    results.refresh_now(record("C"))
    monkeypatch.setattr(results, "snapshot_for", read_snapshot)
    frozen = setting[0].result(timeout=30)
    pool.shutdown()
    row = StoredResult.objects.get(evaluation__department__code="C")
    assert (row.cohort_snapshot_id, row.cohort_due_id) == (None, frozen.snapshot.pk)
    assert results.needs_refresh(record("C"))
    assert score("C") == D("14.50")


def _freeze_in_its_own_connection(bureau: User, group: DepartmentGroup) -> Frozen:
    try:
        return freeze_cohort(bureau, 2023, group)
    finally:
        connection.close()


def test_the_department_page_shows_each_years_cut_off(first_batch: Any, bureau: User) -> None:
    client = signed_in(bureau)
    score("A")
    assert "无（待评）" in client.get("/bureau/departments/A/").content.decode()
    snapshot = freeze_cohort(bureau, 2023, first_batch).snapshot
    page = client.get("/bureau/departments/A/").content.decode()
    assert "待重新计算" in page
    score("A")
    page = client.get("/bureau/departments/A/").content.decode()
    at = timezone.localtime(snapshot.cut_off).strftime("%Y-%m-%d %H:%M")
    assert f"{at}（第一批）" in page and "待重新计算" not in page
