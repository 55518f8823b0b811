"""The bureau's summary report of a year in the web app and the command line (issue 12 item 6):
the figures read from the stored results in a fixed number of queries, the ranking with ties and
a review score, the page (bureau only; 404 for a department's users), the Word file as a
background job, and ``jixiao summary``."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document

from jixiao.cli import main
from jixiao.core.model import Dataset
from jixiao.core.model import Department as CoreDepartment
from jixiao.web.jobs.models import Job, JobKind, JobState
from jixiao.web.jobs.running import run
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.mapping import save_dataset
from jixiao.web.results.models import StoredResult
from jixiao.web.results.store import refresh
from jixiao.web.summary import department_figures, year_summary

from .test_reviews import rescore, send_to_bureau

pytestmark = pytest.mark.django_db
D = Decimal
DEPARTMENT_USERS = ("demo-finance", "demo-leader", "demo-division", "demo-admin")


@pytest.fixture(autouse=True)
def jobs_folder(settings: Any, tmp_path: Path) -> Path:
    settings.JIXIAO_JOBS_FOLDER = tmp_path / "jobs"
    return tmp_path / "jobs"


def add(dataset: Dataset, code: str, name: str, framework: str) -> SelfEvaluation:
    record = save_dataset(replace(dataset, department=CoreDepartment(code, name)), framework)
    refresh(record)
    return record


def low_execution(dataset: Dataset) -> Dataset:
    """The reference data with its largest project's spending halved, month by month."""
    largest = max(dataset.projects, key=lambda p: p.adjusted_budget)
    assert largest.monthly_spent is not None
    halved = replace(
        largest,
        spent=largest.spent / 2,
        monthly_spent=tuple(month / 2 for month in largest.monthly_spent),
    )
    projects = tuple(halved if p is largest else p for p in dataset.projects)
    return replace(dataset, projects=projects)


@pytest.fixture
def year(demo: SelfEvaluation, client_for, reference_dataset) -> SelfEvaluation:  # type: ignore[no-untyped-def]
    """Four departments of 2023: the demo (93.13 by itself, 92.63 after the bureau re-scores
    结转结余率 2 → 1.5), two with the reference data (93.13 each: a tie) and one with its
    largest project half spent (91.50)."""
    add(reference_dataset, "other", "另一个局", demo.framework)
    add(reference_dataset, "third", "第三局", demo.framework)
    add(low_execution(reference_dataset), "zz", "低执行局", demo.framework)
    send_to_bureau(demo)
    answer = rescore(client_for("demo-bureau"), demo, "carryover_rate", score="1.5", reason="口径")
    assert answer.status_code == 302
    return demo


@pytest.mark.usefixtures("year")
def test_the_figures_rank_ties_and_the_review_score_exactly(reference_evaluation) -> None:  # type: ignore[no-untyped-def]
    summary = year_summary(2023)
    assert (summary.departments, summary.scored, summary.reviewed, summary.is_draft) == (
        4,
        4,
        1,
        False,
    )
    assert [
        (r.department.name, r.rank, r.published, r.department.reviewed) for r in summary.ranking
    ] == [
        ("另一个局", 1, D("93.13"), False),
        ("第三局", 1, D("93.13"), False),
        ("广州市商务局", 3, D("92.63"), True),
        ("低执行局", 4, D("91.50"), False),
    ]
    assert summary.grades == (("优", 4), ("良", 0), ("中", 0), ("差", 0))
    own = reference_evaluation.execution.overall.rate
    low = D("0.9168716400911161731207289294")
    assert summary.execution.mean == (3 * own + low) / 4
    assert (summary.execution.median, summary.execution.minimum) == (own, low)
    assert summary.execution.below == ((D("0.9"), ()), (D("0.6"), ()))
    assert summary.average_execution.below[0][1] == (
        "广州市商务局",
        "另一个局",
        "第三局",
        "低执行局",
    )
    assert [(d.node, d.lost, d.losing) for d in summary.deductions] == [
        ("financial_compliance", D("8.00"), 4),
        ("budget_execution_rate", D("5.69"), 4),  # 1.37 × 3 + 1.58
        ("asset_management", D("4.00"), 4),
        ("output_indicators", D("4.00"), 4),
        ("procurement", D("4.00"), 4),
        ("effect_indicators", D("2.00"), 4),
        ("special_fund_execution_rate", D("1.42"), 1),
        ("carryover_rate", D("0.5"), 1),  # the review score counts
    ]
    [difference] = summary.review_differences
    assert (difference.name, difference.difference) == ("广州市商务局", D("0.50"))
    [item] = summary.item_differences
    assert (item.node, item.departments, item.difference) == ("carryover_rate", 1, D("0.50"))


def test_the_figures_take_seven_queries_whatever_the_departments(year, reference_dataset) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as four:
        department_figures(2023)
    add(reference_dataset, "fifth", "第五局", year.framework)
    add(reference_dataset, "sixth", "第六局", year.framework)
    with CaptureQueriesContext(connection) as six:
        assert len(department_figures(2023)) == 6
    assert len(four) == len(six) == 7


@pytest.mark.usefixtures("year")
def test_the_page_is_the_bureaus_alone(client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("demo-bureau").get("/summary/2023/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="summary-title">2023年度部门整体绩效自评汇总分析报告</h1>' in html
    assert (
        '<tr><td class="number">3</td><td class="number">3</td><td>广州市商务局</td>'
        '<td class="number">92.63</td><td>优</td><td>复核</td></tr>'
    ) in html
    assert html.count('<svg class="summary-chart"') == 3
    assert " style=" not in html.split('id="summary"')[1]  # nothing the CSP would refuse
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert client_for("demo-bureau").get("/summary/1999/").status_code == 404
    for name in DEPARTMENT_USERS:
        client = client_for(name)
        assert client.get("/summary/2023/").status_code == 404, name
        assert client.post("/summary/2023/word/").status_code == 404, name
    assert Client().get("/summary/2023/").status_code == 302  # to the sign-in page


@pytest.mark.usefixtures("year")
def test_the_word_summary_is_a_job_the_bureau_downloads(client_for) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    answer = bureau.post("/summary/2023/word/")
    job = Job.objects.get(kind=JobKind.SUMMARY_DOCX)
    assert answer["Location"] == f"/jobs/{job.pk}/"
    assert (job.fiscal_year, job.requested_by.username) == (2023, "demo-bureau")
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.step) == (
        JobState.DONE,
        3,
        3,
        "已生成，可以下载（4 个部门）",
    )
    page = bureau.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/jobs/{job.pk}/file/" in page
    assert f"#{job.pk}" in bureau.get("/jobs/").content.decode()
    download = bureau.get(f"/jobs/{job.pk}/file/")
    assert download.status_code == 200
    assert download["Content-Type"].endswith("wordprocessingml.document")
    assert download["Content-Disposition"].endswith(".docx")
    document = Document(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:3] == ["2023年度部门整体绩效自评汇总分析报告", "各预算部门：", "一、总体情况"]
    ranking = document.tables[1]
    assert [c.text for c in ranking.rows[3].cells] == [
        "3",
        "3",
        "广州市商务局",
        "92.63",
        "优",
        "复核",
    ]
    for name in DEPARTMENT_USERS:
        client = client_for(name)
        for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/file/"):
            assert client.get(url).status_code == 404, (name, url)


@pytest.mark.usefixtures("year")
def test_jixiao_summary_writes_word_and_html(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    docx = tmp_path / "summary.docx"
    assert main(["summary", "2023", "--out", str(docx)]) == 0
    assert capsys.readouterr().out == (
        f"已生成 2023 年度汇总分析报告：{docx}（4 个部门，4 个已评分）\n"
    )
    headings = [p.text for p in Document(str(docx)).paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "一、总体情况" and len(headings) == 5
    page = tmp_path / "summary.html"
    assert main(["summary", "2023", "--out", str(page)]) == 0
    assert '<td>第三局</td><td class="number">93.13</td>' in page.read_text(encoding="utf-8")
    assert main(["summary", "2023", "--out", str(tmp_path / "x.pdf")]) == 1
    assert main(["summary", "2022", "--out", str(docx)]) == 1
    assert "没有 2022 年度" in capsys.readouterr().err


@pytest.mark.usefixtures("year")
def test_a_year_with_departments_in_error_is_a_draft_naming_them(client_for) -> None:  # type: ignore[no-untyped-def]
    results = StoredResult.objects.filter(evaluation__fiscal_year=2023)
    results.filter(evaluation__department__code="zz").update(errors=2)
    results.filter(evaluation__department__code="third").update(total=None, grade="")
    summary = year_summary(2023)
    assert (summary.departments, summary.scored, summary.unscored) == (4, 3, ("第三局",))
    assert [r.department.name for r in summary.ranking] == ["另一个局", "广州市商务局", "低执行局"]
    html = client_for("demo-bureau").get("/summary/2023/").content.decode()
    assert "【草稿】2023年度部门整体绩效自评汇总分析报告" in html
    assert "数据尚有错误的部门：低执行局；尚不能评分的部门：第三局" in html
