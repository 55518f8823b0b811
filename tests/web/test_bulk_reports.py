"""Every department's report of a year in one zip (issue 12 item 5; jixiao.web.bulk_reports):
made department by department as the single download makes it, a department that cannot be
made an item with its reason and the others still made, and only the bureau reviewer asks for
it, sees it and takes it. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from docx import Document

from jixiao.core.model import Department as CoreDepartment
from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.audit.models import AuditEvent
from jixiao.web.bulk_reports import request_reports_zip
from jixiao.web.demo import PASSWORD
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.jobs.models import Job, JobKind, JobState
from jixiao.web.jobs.running import run
from jixiao.web.organizations.models import DepartmentGroup, GroupKind, SelfEvaluation
from jixiao.web.records import mapping
from jixiao.web.records.mapping import save_dataset

pytestmark = pytest.mark.django_db
FAKE_PDF = b"%PDF-1.7 test"


@pytest.fixture(autouse=True)
def jobs_folder(settings: Any, tmp_path: Path) -> Path:
    settings.JIXIAO_JOBS_FOLDER = tmp_path / "jobs"
    return tmp_path / "jobs"


@pytest.fixture
def three(demo: SelfEvaluation, reference_dataset) -> list[SelfEvaluation]:  # type: ignore[no-untyped-def]
    """广州市商务局 and two more departments with the same data, the 2023 年度 of each."""
    records = [demo]
    for code, name in (("z2", "第二个局"), ("z3", "第三个局")):
        dataset = replace(reference_dataset, department=CoreDepartment(code, name))
        records.append(save_dataset(dataset, demo.framework))
    return records


def _client(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def _zip(job: Job, client: Client) -> zipfile.ZipFile:
    answer = client.get(f"/jobs/{job.pk}/file/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)))  # type: ignore[attr-defined]


def _title(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    return next(p.text for p in document.paragraphs if p.text.strip())


def test_three_departments_give_a_zip_of_three_word_reports_each_titled_with_its_department(
    three: list[SelfEvaluation], jobs_folder: Path
) -> None:
    answer = _client("demo-bureau").post("/jobs/reports/", {"year": "2023"})
    job = Job.objects.get()
    assert answer["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.fiscal_year, job.state) == (
        JobKind.REPORTS_DOCX_ZIP,
        2023,
        JobState.QUEUED,
    )
    event = AuditEvent.objects.get(action="提交后台任务")
    assert event.target == f"2023 年度 各部门自评报告（Word，压缩包） #{job.pk}"
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.error) == (JobState.DONE, 4, 4, "")
    assert job.step == "已生成，可以下载：3 个部门的报告"
    assert list(job.items.values_list("name", "ok", "error")) == [
        ("广州市商务局 2023 年度", True, ""),
        ("第二个局 2023 年度", True, ""),
        ("第三个局 2023 年度", True, ""),
    ]
    code = three[0].department.code
    archive = _zip(job, _client("demo-bureau"))
    assert archive.namelist() == [
        f"{code}-广州市商务局-2023年度自评报告.docx",
        "z2-第二个局-2023年度自评报告.docx",
        "z3-第三个局-2023年度自评报告.docx",
    ]
    titles = [_title(archive.read(name)) for name in archive.namelist()]
    for title, name in zip(titles, ("广州市商务局", "第二个局", "第三个局"), strict=True):
        assert name in title, title
    assert [path.name for path in jobs_folder.iterdir()] == [job.file]  # the work folder gone


def test_a_department_that_cannot_be_assembled_is_an_item_with_its_reason_and_the_others_made(
    three: list[SelfEvaluation], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = three[1]
    original = mapping.read_stored

    def read_stored(record: SelfEvaluation, **options: Any) -> Any:
        stored = original(record, **options)
        if record.pk != broken.pk:
            return stored
        missing = Problem("E-REQUIRED", "缺少部门信息", SourceLocation("数据库", sheet="部门"))
        return replace(stored, dataset=None, problems=[missing])

    monkeypatch.setattr("jixiao.web.services.read_stored", read_stored)
    SelfEvaluation.objects.filter(pk=three[2].pk).update(framework="no-such-framework")
    job = request_reports_zip(User.objects.get(username="demo-bureau"), 2023)
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.DONE, 4, 4)
    assert job.step == "已生成，可以下载：1 个部门的报告，2 个未能生成"
    items = list(job.items.values_list("name", "ok", "error"))
    assert items[:2] == [
        ("广州市商务局 2023 年度", True, ""),
        (
            "第二个局 2023 年度",
            False,
            "数据无法汇总成数据集，暂不能生成报告；问题见该年度的自评页面",
        ),
    ]
    assert items[2][:2] == ("第三个局 2023 年度", False)
    assert items[2][2].startswith("未能生成：no-such-framework：找不到评价体系“no-such-framework”")
    archive = _zip(job, _client("demo-bureau"))
    code = three[0].department.code
    assert archive.namelist() == [f"{code}-广州市商务局-2023年度自评报告.docx", "未生成的部门.txt"]
    failures = archive.read("未生成的部门.txt").decode().splitlines()
    assert (
        failures[0]
        == "第二个局 2023 年度：数据无法汇总成数据集，暂不能生成报告；问题见该年度的自评页面"
    )
    assert failures[1].startswith("第三个局 2023 年度：未能生成：no-such-framework")


def test_a_group_and_pdf_make_only_the_groups_departments_in_pdf(
    three: list[SelfEvaluation], monkeypatch: pytest.MonkeyPatch
) -> None:
    def convert(documents: list[Path], folder: Path) -> None:
        assert len(documents) == 2  # one LibreOffice run for the batch
        for document in documents:
            (folder / f"{document.stem}.pdf").write_bytes(FAKE_PDF)

    monkeypatch.setattr("jixiao.web.bulk_reports.convert_docx_to_pdf", convert)
    group = DepartmentGroup.objects.create(kind=GroupKind.REVIEW_GROUP, name="第一批")
    for record in three[1:]:
        record.department.groups.add(group)
    answer = _client("demo-bureau").post(
        "/jobs/reports/", {"year": "2023", "group": str(group.pk), "format": "pdf"}
    )
    job = Job.objects.get()
    assert answer["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.keys) == (JobKind.REPORTS_PDF_ZIP, [three[1].pk, three[2].pk])
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.DONE, 4, 4)
    archive = _zip(job, _client("demo-bureau"))
    assert archive.namelist() == [
        "z2-第二个局-2023年度自评报告.pdf",
        "z3-第三个局-2023年度自评报告.pdf",
    ]
    assert archive.read("z2-第二个局-2023年度自评报告.pdf") == FAKE_PDF
    answer = _client("demo-bureau").get(f"/jobs/{job.pk}/file/")
    assert answer["Content-Disposition"] == (
        "attachment; filename*=UTF-8''2023%E5%B9%B4%E5%BA%A6%E5%90%84%E9%83%A8%E9%97%A8%E8%87%AA"
        "%E8%AF%84%E6%8A%A5%E5%91%8A%EF%BC%88PDF%EF%BC%8C%E5%8E%8B%E7%BC%A9%E5%8C%85%EF%BC%89.zip"
    )


@pytest.mark.usefixtures("three")
def test_only_the_bureau_reviewer_asks_sees_and_takes_the_zip() -> None:
    for name in ("demo-finance", "demo-leader", "demo-division", "demo-admin"):
        assert _client(name).post("/jobs/reports/", {"year": "2023"}).status_code == 404, name
    assert Job.objects.count() == 0
    bureau = User.objects.get(username="demo-bureau")
    with pytest.raises(Invalid):
        request_reports_zip(bureau, 2019)  # no department-year that year
    with pytest.raises(NotFound):
        request_reports_zip(bureau, 2023, group=999_999)
    assert _client("demo-bureau").post("/jobs/reports/", {"year": "20x3"}).status_code == 400
    job = request_reports_zip(bureau, 2023)
    run(job.pk)
    assert _client("demo-bureau").get(f"/jobs/{job.pk}/file/").status_code == 200
    assert f"#{job.pk}" in _client("demo-bureau").get("/jobs/").content.decode()
    for name in ("demo-finance", "demo-leader", "demo-division", "demo-admin"):
        client = _client(name)
        for url in (f"/jobs/{job.pk}/file/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/"):
            assert client.get(url).status_code == 404, (name, url)
        assert client.get(f"/api/jobs/{job.pk}/").status_code == 404, name
        assert f"#{job.pk}" not in client.get("/jobs/").content.decode()


@pytest.mark.usefixtures("three")
def test_the_jobs_page_offers_it_to_the_bureau_and_the_api_queues_it() -> None:
    form = 'action="/jobs/reports/"'
    assert form in _client("demo-bureau").get("/jobs/").content.decode()
    for name in ("demo-finance", "demo-admin"):
        assert form not in _client(name).get("/jobs/").content.decode(), name
        answer = _client(name).post("/api/jobs/reports/", {"year": 2023}, "application/json")
        assert answer.status_code == 404, name
    bureau = _client("demo-bureau")
    wrong = bureau.post("/api/jobs/reports/", {"year": 1999}, "application/json")
    assert wrong.status_code == 400
    assert (
        bureau.post(
            "/api/jobs/reports/", {"year": 2023, "format": "rtf"}, "application/json"
        ).status_code
        == 400
    )
    assert Job.objects.count() == 0
    queued = bureau.post("/api/jobs/reports/", {"year": 2023, "format": "pdf"}, "application/json")
    assert queued.status_code == 202
    assert (queued.json()["kind"], queued.json()["state"], queued.json()["file"]) == (
        "reports_pdf_zip",
        "queued",
        None,
    )


def test_a_resumed_job_skips_the_departments_made_and_makes_again_a_document_gone(
    three: list[SelfEvaluation], jobs_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jixiao.web import bulk_reports
    from jixiao.web.jobs.running import Requeue

    made: list[int] = []
    original = bulk_reports._make

    def make(record: SelfEvaluation, path: Path) -> str:
        if len(made) == 2:
            raise Requeue  # the worker stops in the middle of the third department
        made.append(record.pk)
        return original(record, path)

    monkeypatch.setattr(bulk_reports, "_make", make)
    job = request_reports_zip(User.objects.get(username="demo-bureau"), 2023)
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.items.count()) == (JobState.QUEUED, 2)
    (jobs_folder / f"{job.pk}-work" / f"{three[0].pk}.docx").unlink()  # lost meanwhile
    calls: list[int] = []
    monkeypatch.setattr(
        bulk_reports,
        "_make",
        lambda record, path: calls.append(record.pk) or original(record, path),
    )
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == (JobState.DONE, 4, 4, 2)
    assert calls == [three[0].pk, three[2].pk]  # the second department's document was kept
    assert list(job.items.values_list("name", flat=True)) == [
        "广州市商务局 2023 年度",
        "第二个局 2023 年度",
        "第三个局 2023 年度",
    ]
    assert len(_zip(job, _client("demo-bureau")).namelist()) == 3
