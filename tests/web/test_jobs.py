"""Background jobs in this process (issue 12, item 5): asking for one queues it with its audit
event in one transaction; running it reports progress and each item's result in Chinese; who
sees a job, its page, its API and its file; interrupted jobs resumed, then reported. The same
with real worker processes: tests/web/test_job_workers.py."""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jixiao.cli import main
from jixiao.core.model import Department as CoreDepartment
from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import PASSWORD
from jixiao.web.home import SetupProblem
from jixiao.web.jobs import running
from jixiao.web.jobs.models import Job, JobItem, JobKind, JobState
from jixiao.web.jobs.running import recover, run
from jixiao.web.jobs.services import request_recompute_all, request_report_pdf
from jixiao.web.organizations.models import Membership, Role, SelfEvaluation
from jixiao.web.records.mapping import save_dataset
from jixiao.web.results.models import StoredResult
from jixiao.web.runtime import check_job_workers

from .live import jixiao

pytestmark = pytest.mark.django_db
FAKE_PDF = b"%PDF-1.7 test"


@pytest.fixture(autouse=True)
def jobs_folder(settings: Any, tmp_path: Path) -> Path:
    settings.JIXIAO_JOBS_FOLDER = tmp_path / "jobs"
    return tmp_path / "jobs"


@pytest.fixture
def fast_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice's conversion replaced by a file written at once (the real one runs in
    tests/web/test_job_workers.py)."""

    def convert(documents: list[Path], folder: Path) -> None:
        for document in documents:
            (folder / f"{document.stem}.pdf").write_bytes(FAKE_PDF)

    monkeypatch.setattr("jixiao.web.jobs.kinds.convert_docx_to_pdf", convert)


@pytest.fixture
def other(demo: SelfEvaluation, reference_dataset) -> SelfEvaluation:  # type: ignore[no-untyped-def]
    """The same data as another department's self-evaluation, with its finance reviewer."""
    dataset = replace(reference_dataset, department=CoreDepartment("other", "另一个局"))
    record = save_dataset(dataset, demo.framework)
    user = User.objects.create_user("other-finance", password=PASSWORD)
    Membership.objects.create(user=user, role=Role.FINANCE_REVIEWER, department=record.department)
    return record


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _client(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def test_asking_for_the_pdf_queues_the_job_its_task_and_its_audit_event_together(
    demo: SelfEvaluation,
) -> None:
    client = _client("demo-finance")
    events = AuditEvent.objects.count()
    answer = client.post(f"/evaluations/{demo.pk}/jobs/report-pdf/")
    job = Job.objects.get()
    assert (answer.status_code, answer["Location"]) == (302, f"/jobs/{job.pk}/")
    assert (job.kind, job.state, job.requested_by, job.evaluation) == (
        JobKind.REPORT_PDF,
        JobState.QUEUED,
        _user("demo-finance"),
        demo,
    )
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs) == (
        "jixiao.web.jobs.queue.run_job",
        {"args": [job.pk], "kwargs": {}},
    )
    event = AuditEvent.objects.order_by("sequence").last()
    assert event is not None
    assert AuditEvent.objects.count() == events + 1
    assert (event.action, event.target, event.actor, event.evaluation, event.after) == (
        "提交后台任务",
        f"广州市商务局 2023 年度 自评报告（PDF） #{job.pk}",
        _user("demo-finance"),
        demo,
        {"任务": job.pk},
    )


def test_a_failing_enqueue_leaves_neither_job_nor_event(
    demo: SelfEvaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_job: Job) -> None:
        raise RuntimeError("queue down")

    monkeypatch.setattr("jixiao.web.jobs.services.enqueue", broken)
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        request_report_pdf(_user("demo-finance"), demo)
    assert (Job.objects.count(), AuditEvent.objects.count()) == (0, events)


@pytest.mark.usefixtures("other", "fast_pdf")
def test_the_pdf_job_reports_its_steps_and_its_file_goes_only_to_the_departments_readers(
    demo: SelfEvaluation, jobs_folder: Path
) -> None:
    job = request_report_pdf(_user("demo-finance"), demo)
    seen: list[tuple[int, int, str]] = []
    original = running.Progress._write

    def watched(self: running.Progress, **fields: Any) -> None:
        original(self, **fields)
        seen.append((self.job.done, self.job.total, self.job.step))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(running.Progress, "_write", watched)
        run(job.pk)
    assert [step for *_, step in seen] == [
        "读取数据并评价",
        "生成 Word 文稿",
        "转换为 PDF（LibreOffice）",
        "保存文件",
        "保存文件",
        "已生成，可以下载",
    ]
    assert [(done, total) for done, total, _ in seen][-1] == (4, 4)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts, job.error) == (
        JobState.DONE,
        4,
        4,
        1,
        "",
    )
    assert (jobs_folder / job.file).read_bytes() == FAKE_PDF
    for reader in ("demo-finance", "demo-leader", "demo-bureau"):
        answer = _client(reader).get(f"/jobs/{job.pk}/file/")
        assert answer.status_code == 200, reader
        assert b"".join(answer.streaming_content) == FAKE_PDF  # type: ignore[attr-defined]
        assert answer["Content-Disposition"] == (
            "attachment; filename*=UTF-8''"
            "%E5%B9%BF%E5%B7%9E%E5%B8%82%E5%95%86%E5%8A%A1%E5%B1%802023%E5%B9%B4%E5%BA%A6"
            "%E8%87%AA%E8%AF%84%E6%8A%A5%E5%91%8A%EF%BC%88PDF%EF%BC%89.pdf"
        )
    downloaded = AuditEvent.objects.filter(action="下载").values_list("actor__username", "target")
    assert sorted(downloaded) == [
        (name, "广州市商务局 2023 年度 自评报告（PDF）")
        for name in ("demo-bureau", "demo-finance", "demo-leader")
    ]
    for outsider in ("other-finance", "demo-division", "demo-admin"):
        client = _client(outsider)
        for url in (f"/jobs/{job.pk}/file/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/"):
            assert client.get(url).status_code == 404, (outsider, url)
        assert client.get(f"/api/jobs/{job.pk}/").status_code == 404, outsider
        assert f"#{job.pk}" not in client.get("/jobs/").content.decode()
    assert Client().get(f"/jobs/{job.pk}/file/").status_code == 302  # to the sign-in page


def test_the_job_page_polls_while_running_and_stops_when_finished(demo: SelfEvaluation) -> None:
    job = request_report_pdf(_user("demo-finance"), demo)
    client = _client("demo-leader")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/" hx-trigger="every 2s"' in page
    assert "排队中，等待工作进程" in page and "<script>" not in page and "style=" not in page
    assert "没有工作进程接手" not in page
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    unattended = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已排队超过 1 分钟，仍没有工作进程接手" in unattended
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error="未找到 LibreOffice，无法生成 PDF。"
    )
    fragment = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment
    assert '<p class="error" id="job-error">未找到 LibreOffice，无法生成 PDF。</p>' in fragment
    assert "/file/" not in fragment
    state = client.get(f"/api/jobs/{job.pk}/").json()
    assert {k: state[k] for k in ("kind", "state", "state_label", "error", "file")} == {
        "kind": "report_pdf",
        "state": "failed",
        "state_label": "失败",
        "error": "未找到 LibreOffice，无法生成 PDF。",
        "file": None,
    }


@pytest.mark.usefixtures("other")
def test_the_api_queues_the_pdf_and_refuses_those_without_the_documents(
    demo: SelfEvaluation,
) -> None:
    answer = _client("demo-leader").post(f"/api/evaluations/{demo.pk}/jobs/report-pdf/")
    assert answer.status_code == 202
    assert {k: answer.json()[k] for k in ("kind", "state", "evaluation", "done", "total")} == {
        "kind": "report_pdf",
        "state": "queued",
        "evaluation": demo.pk,
        "done": 0,
        "total": 0,
    }
    for name, record in (("demo-division", demo), ("other-finance", demo), ("demo-admin", demo)):
        refused = _client(name).post(f"/api/evaluations/{record.pk}/jobs/report-pdf/")
        assert refused.status_code == 404, name
        assert _client(name).post(f"/evaluations/{record.pk}/jobs/report-pdf/").status_code == 404
    assert Job.objects.count() == 1


def test_recompute_all_goes_department_by_department_and_reports_a_failure_in_chinese(
    demo: SelfEvaluation, other: SelfEvaluation
) -> None:
    for name in ("demo-finance", "demo-leader", "demo-division", "other-finance"):
        assert _client(name).post("/jobs/recompute-all/").status_code == 404, name
        assert _client(name).post("/api/jobs/recompute-all/").status_code == 404, name
    assert Job.objects.count() == 0
    assert "重新计算全部评价结果" not in _client("demo-finance").get("/jobs/").content.decode()
    SelfEvaluation.objects.filter(pk=other.pk).update(framework="no-such-framework")
    StoredResult.objects.all().delete()
    answer = _client("demo-bureau").post("/jobs/recompute-all/")
    job = Job.objects.get()
    assert answer["Location"] == f"/jobs/{job.pk}/"
    run(job.pk)  # queues its part, and waits for it
    job.refresh_from_db()
    waiting = (JobState.RUNNING, "", "共 1 批，由工作进程分别计算")
    assert (job.state, job.worker, job.step) == waiting
    (part,) = job.parts.all()
    assert (part.kind, part.keys, part.state) == (
        JobKind.RECOMPUTE_PART,
        [demo.pk, other.pk],
        JobState.QUEUED,
    )
    run(part.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.DONE, 2, 2)
    assert job.step == "已完成：1 个部门年度已重新计算，1 个未能计算"
    items = [
        {"key": str(demo.pk), "name": "广州市商务局 2023 年度", "ok": True, "error": ""},
        {
            "key": str(other.pk),
            "name": "另一个局 2023 年度",
            "ok": False,
            "error": "未能计算：no-such-framework：找不到评价体系“no-such-framework”：既不是内置"
            "评价体系（guangzhou-department-overall-2023、national-project-2020），也不是文件",
        },
    ]
    assert list(job.all_items().values("key", "name", "ok", "error")) == items
    assert list(StoredResult.objects.values_list("evaluation", flat=True).distinct()) == [demo.pk]
    page = _client("demo-admin").get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "1 项未能完成" in page and "找不到评价体系“no-such-framework”" in page
    assert _client("demo-admin").get(f"/api/jobs/{job.pk}/").json()["items"] == items
    queued = _client("demo-admin").post("/api/jobs/recompute-all/")
    assert (queued.status_code, queued.json()["kind"], queued.json()["state"]) == (
        202,
        "recompute_all",
        "queued",
    )


def test_a_resumed_recompute_skips_the_department_years_done_before(
    demo: SelfEvaluation, other: SelfEvaluation
) -> None:
    job = request_recompute_all(_user("demo-admin"))
    run(job.pk)
    part = job.parts.get()
    JobItem.objects.create(job=part, key=str(demo.pk), name="广州市商务局 2023 年度", ok=True)
    Job.objects.filter(pk=part.pk).update(done=1, attempts=1)
    Job.objects.filter(pk=job.pk).update(done=1)
    StoredResult.objects.all().delete()
    run(part.pk)
    part.refresh_from_db()
    assert (part.state, part.done, part.attempts) == (JobState.DONE, 2, 2)
    assert list(part.items.values_list("key", flat=True)) == [str(demo.pk), str(other.pk)]
    job.refresh_from_db()
    assert (job.state, job.done, job.step) == (JobState.DONE, 2, "已完成：2 个部门年度已重新计算")
    assert list(StoredResult.objects.values_list("evaluation", flat=True).distinct()) == [other.pk]


def _running(job: Job, worker: str, *, attempts: int = 1, silent: int = 0) -> None:
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        worker=worker,
        attempts=attempts,
        done=1,
        total=4,
        heartbeat_at=timezone.now() - timedelta(seconds=silent),
    )


def _dead_pid() -> int:
    pid = 4_000_000  # above Linux's largest pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    return pid


def test_a_job_whose_worker_died_is_resumed_then_after_three_runs_reported_interrupted(
    demo: SelfEvaluation,
) -> None:
    host = socket.gethostname()
    job = request_report_pdf(_user("demo-finance"), demo)
    _running(job, f"{host}:{os.getpid()}")  # this process: alive
    assert recover() == []
    dead = f"{host}:{_dead_pid()}"
    _running(job, dead)  # its process gone on this machine: resumed at once
    DBTaskResult.objects.update(status="RUNNING", worker_ids=["earlier", dead])
    tasks = DBTaskResult.objects.count()
    assert recover() == [(job.pk, JobState.QUEUED)]
    left = DBTaskResult.objects.get(worker_ids=["earlier", dead])
    assert (left.status, left.exception_class_path, left.traceback) == (
        "FAILED",
        "jixiao.web.jobs.running.WorkerInterrupted",
        f"工作进程 {dead} 中断",
    )
    job.refresh_from_db()
    assert (job.state, job.worker, job.attempts) == (JobState.QUEUED, "", 1)
    assert job.step == "工作进程中断（第 1 次运行），任务已重新排队，将从中断处继续"
    assert DBTaskResult.objects.count() == tasks + 1  # queued again
    _running(job, "another-machine:12", attempts=2, silent=5)  # another machine, beating
    assert recover() == []
    _running(job, "another-machine:12", attempts=2, silent=31)  # silent past JIXIAO_JOB_STALE
    assert recover() == [(job.pk, JobState.QUEUED)]
    _running(job, f"{host}:{_dead_pid()}", attempts=3)
    assert recover() == [(job.pk, JobState.INTERRUPTED)]
    job.refresh_from_db()
    assert job.state == JobState.INTERRUPTED and job.finished_at is not None
    assert job.error == "工作进程中断，任务已运行 3 次仍未完成，不再重试；已完成 1 / 4，请重新提交"
    run(job.pk)  # a task left for it does nothing
    job.refresh_from_db()
    assert job.state == JobState.INTERRUPTED


def test_a_stopping_worker_queues_its_job_again(demo: SelfEvaluation) -> None:
    job = request_report_pdf(_user("demo-finance"), demo)
    running.STOPPING.set()
    try:
        run(job.pk)
    finally:
        running.STOPPING.clear()
    job.refresh_from_db()
    assert (job.state, job.worker, job.attempts, job.done) == (JobState.QUEUED, "", 1, 0)
    assert job.step == "工作进程停止，任务已重新排队，将从中断处继续"
    assert DBTaskResult.objects.count() == 2


@pytest.mark.usefixtures("demo")
def test_jixiao_recompute_all_in_the_background_queues_the_job_for_the_bureau(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["recompute", "--background"]) == 1
    assert capsys.readouterr().err == "--background 须与 --all 同用\n"
    assert main(["recompute", "--all", "--background"]) == 0
    job = Job.objects.get()
    assert capsys.readouterr().out == (
        f"已提交后台任务 #{job.pk}：由工作进程逐个部门年度重新计算"
        "（进度见网页“后台任务”，财政局审核人和系统管理员可见）。\n"
    )
    assert (job.kind, job.requested_by, job.state, job.evaluation) == (
        JobKind.RECOMPUTE_ALL,
        None,
        JobState.QUEUED,
        None,
    )
    event = AuditEvent.objects.order_by("sequence").last()
    assert event is not None
    assert (event.action, event.actor, event.target) == (
        "提交后台任务",
        None,
        f"重新计算全部评价结果 #{job.pk}",
    )
    for reader in ("demo-bureau", "demo-admin"):
        assert "命令行" in _client(reader).get(f"/jobs/{job.pk}/").content.decode()
    assert _client("demo-finance").get(f"/jobs/{job.pk}/").status_code == 404
    assert main(["recompute", "--all"]) == 0  # as before: at once, in this process
    assert capsys.readouterr().out == "已重新计算 1 个部门年度的评价结果（共 1 个）。\n"


def test_several_job_workers_are_for_postgresql() -> None:
    check_job_workers(1, "django.db.backends.sqlite3")
    check_job_workers(3, "django.db.backends.postgresql")
    with pytest.raises(SetupProblem) as refused:
        check_job_workers(2, "django.db.backends.sqlite3")
    assert str(refused.value) == (
        "--processes 2（多个后台任务进程）须使用 PostgreSQL：请用环境变量 DATABASE_URL 指定 "
        "PostgreSQL 数据库；SQLite 数据库由 jixiao serve 自带的工作进程运行后台任务"
    )


@pytest.mark.own_sqlite
def test_a_worker_waits_for_the_web_server_to_migrate_the_database(tmp_path: Path) -> None:
    worker = jixiao(tmp_path, "worker")
    out, error = worker.communicate(timeout=120)
    assert (worker.returncode, out, error.strip()) == (
        1,
        "",
        "jixiao 无法启动：数据库尚未迁移到本版本：请先启动 jixiao serve（启动时迁移数据库），"
        "再启动工作进程",
    )


@pytest.mark.usefixtures("other")
def test_a_stop_in_the_middle_of_an_item_leaves_neither_its_result_nor_its_record(
    demo: SelfEvaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The item's result and its record as done are one transaction: stopped after computing
    the first department-year but before recording it, neither is kept, and the resumed job
    computes it again."""
    job = request_recompute_all(_user("demo-admin"))
    run(job.pk)
    part = job.parts.get()
    StoredResult.objects.all().delete()
    original = running.Progress.item

    def stop_first(self: running.Progress, key: object, name: str, error: str = "") -> None:
        running.STOPPING.set()
        original(self, key, name, error)

    monkeypatch.setattr(running.Progress, "item", stop_first)
    try:
        run(part.pk)
    finally:
        running.STOPPING.clear()
    part.refresh_from_db()
    job.refresh_from_db()
    assert (part.state, part.done, part.items.count()) == (JobState.QUEUED, 0, 0)
    assert (job.state, job.done) == (JobState.RUNNING, 0)  # its count rolled back too
    assert not StoredResult.objects.filter(evaluation=demo).exists()  # rolled back with it
    monkeypatch.setattr(running.Progress, "item", original)
    run(part.pk)
    part.refresh_from_db()
    assert (part.state, part.done, part.attempts, part.items.count()) == (JobState.DONE, 2, 2, 2)
    job.refresh_from_db()
    assert (job.state, job.done) == (JobState.DONE, 2)


def test_the_files_of_jobs_finished_a_week_ago_are_deleted(
    demo: SelfEvaluation, jobs_folder: Path
) -> None:
    jobs_folder.mkdir()
    now = timezone.now()
    old, recent = (request_report_pdf(_user("demo-finance"), demo) for _ in range(2))
    for job, days in ((old, 8), (recent, 6)):
        (jobs_folder / f"{job.pk}.pdf").write_bytes(FAKE_PDF)
        Job.objects.filter(pk=job.pk).update(
            state=JobState.DONE, file=f"{job.pk}.pdf", finished_at=now - timedelta(days=days)
        )
    (jobs_folder / "left-by-a-killed-worker.pdf").write_bytes(FAKE_PDF)
    os.utime(jobs_folder / "left-by-a-killed-worker.pdf", (0, now.timestamp() - 7200))
    (jobs_folder / "being-saved.pdf").write_bytes(FAKE_PDF)  # a worker saving it now
    assert running.sweep_files(now) == 2
    assert sorted(p.name for p in jobs_folder.iterdir()) == sorted(
        ["being-saved.pdf", f"{recent.pk}.pdf"]
    )
    assert list(Job.objects.order_by("pk").values_list("file", flat=True)) == [
        "",
        f"{recent.pk}.pdf",
    ]
    client = _client("demo-finance")
    assert client.get(f"/jobs/{old.pk}/file/").status_code == 404
    assert "/file/" not in client.get(f"/jobs/{old.pk}/").content.decode()
    assert client.get(f"/jobs/{recent.pk}/file/").status_code == 200


@pytest.mark.usefixtures("demo")
def test_recompute_all_ends_interrupted_when_a_part_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jixiao.web.jobs.kinds.PART_SIZE", 1)
    SelfEvaluation.objects.create(
        department=SelfEvaluation.objects.get().department,
        fiscal_year=2024,
        framework="guangzhou-department-overall-2023",
    )
    job = request_recompute_all(_user("demo-admin"))
    run(job.pk)
    first, second = job.parts.order_by("pk")
    run(first.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.RUNNING, 1, 2)
    _running(second, f"{socket.gethostname()}:{_dead_pid()}", attempts=3)
    assert recover() == [(second.pk, JobState.INTERRUPTED)]
    job.refresh_from_db()
    assert (job.state, job.step) == (JobState.INTERRUPTED, "已停止：1 个部门年度已重新计算")
    assert job.error == "工作进程中断，任务已运行 3 次仍未完成，不再重试；已完成 1 / 4，请重新提交"
    page = _client("demo-bureau").get("/jobs/").content.decode()
    assert f"#{job.pk}" in page and f"#{first.pk}<" not in page  # parts are not listed
