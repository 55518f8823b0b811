"""The bureau's zip of department workbooks: checked before anything is unpacked, loaded by a
background job department by department (web/bulk.py, adapters/zip_batch.py)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jixiao.adapters.workbook import write_workbook
from jixiao.adapters.zip_batch import ZipLimits, ZipRefused, check_zip, unpack
from jixiao.core.model import Dataset
from jixiao.web import bulk
from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import PASSWORD
from jixiao.web.jobs.models import Job, JobItem, JobKind, JobState
from jixiao.web.jobs.running import run
from jixiao.web.organizations.models import Department, SelfEvaluation, Status
from jixiao.web.records.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_folder(settings: Any, tmp_path: Path) -> Path:
    settings.JIXIAO_JOBS_FOLDER = tmp_path / "jobs"
    return tmp_path / "jobs"


def _client(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def _workbook(dataset: Dataset, folder: Path, name: str, code: str, title: str) -> bytes:
    path = folder / name
    changed = replace(dataset, department=replace(dataset.department, code=code, name=title))
    write_workbook(changed, path)
    return path.read_bytes()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def three(reference_dataset: Dataset, tmp_path: Path) -> dict[str, bytes]:
    """甲局 and 乙局 (new departments) and a 丙局 workbook with two project codes blanked."""
    bad = tmp_path / "c.xlsx"
    _workbook(reference_dataset, tmp_path, "c.xlsx", "c3", "丙局")
    book = openpyxl.load_workbook(bad)
    book["项目"]["A3"] = None
    book["项目"]["A4"] = None
    book.save(bad)
    return {
        "部门/a.xlsx": _workbook(reference_dataset, tmp_path, "a.xlsx", "a1", "甲局"),
        "部门/b.xlsx": _workbook(reference_dataset, tmp_path, "b.xlsx", "b2", "乙局"),
        "部门/c.xlsx": bad.read_bytes(),
    }


def _upload(user: str, content: bytes, *, replace_data: bool = False, name: str = "部门.zip"):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"workbooks": SimpleUploadedFile(name, content)}
    if replace_data:
        data["replace"] = "on"
    return _client(user).post("/jobs/bulk-load/", data)


# --- the zip's checks -------------------------------------------------------------------------


def _refusal(tmp_path: Path, entries: dict[str, bytes], limits: ZipLimits | None = None) -> str:
    path = tmp_path / "upload.zip"
    path.write_bytes(_zip(entries))
    with pytest.raises(ZipRefused) as refused:
        check_zip(path, "部门.zip", limits or ZipLimits())
    return str(refused.value.problem)


def test_path_traversal_is_refused_naming_the_entry(tmp_path: Path) -> None:
    for entry in ("../evil.xlsx", "a/../../evil.xlsx", "/etc/evil.xlsx", "C:/evil.xlsx"):
        assert _refusal(tmp_path, {entry: b"x"}) == (
            f"部门.zip：压缩包内的“{entry}”路径不安全（绝对路径、盘符、反斜杠或“..”），"
            "整个压缩包未接收"
        )


def test_nested_zips_and_other_files_are_refused(tmp_path: Path) -> None:
    assert _refusal(tmp_path, {"a.xlsx": b"x", "more/b.ZIP": b"PK"}) == (
        "部门.zip：压缩包内的“more/b.ZIP”是压缩包；不接受嵌套的压缩包，请直接放入 .xlsx 工作簿"
    )
    assert _refusal(tmp_path, {"notes.txt": b"x"}) == (
        "部门.zip：压缩包内的“notes.txt”不是 .xlsx 工作簿；压缩包内只能放部门的填报工作簿"
    )


def test_too_many_entries_are_refused_before_listing(tmp_path: Path) -> None:
    entries = {f"{n}.xlsx": b"" for n in range(2501)}
    assert _refusal(tmp_path, entries) == (
        "部门.zip：压缩包内的文件超过 2500 个，请分成几个压缩包上传"
    )


def test_an_oversized_entry_is_refused_from_its_declared_size(tmp_path: Path) -> None:
    big = b"\0" * (20 * 1024 * 1024 + 1)
    assert _refusal(tmp_path, {"a.xlsx": b"x", "big.xlsx": big}) == (
        "部门.zip：压缩包内的“big.xlsx”超过 20 MB，不是正常的填报工作簿"
    )


def test_not_a_zip_and_an_empty_zip(tmp_path: Path) -> None:
    path = tmp_path / "upload.zip"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ZipRefused) as refused:
        check_zip(path, "部门.zip")
    assert str(refused.value.problem) == "部门.zip：无法读取压缩包：文件不是 .zip 压缩包或已损坏"
    assert _refusal(tmp_path, {"__MACOSX/._a.xlsx": b"x"}) == "部门.zip：压缩包内没有 .xlsx 工作簿"


@pytest.mark.usefixtures("demo")
def test_a_refused_zip_queues_nothing_and_keeps_no_file(jobs_folder: Path) -> None:
    answer = _upload("demo-bureau", _zip({"../a.xlsx": b"x"}))
    assert answer.status_code == 400
    assert "压缩包内的“../a.xlsx”路径不安全" in answer.content.decode()
    assert Job.objects.count() == 0
    assert list(jobs_folder.iterdir()) == []


# --- the job ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("demo")
def test_three_workbooks_loaded_one_refused_with_its_problems(
    three: dict[str, bytes], jobs_folder: Path
) -> None:
    answer = _upload("demo-bureau", _zip(three))
    job = Job.objects.get()
    assert answer["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.state, job.upload_name, job.replace) == (
        JobKind.BULK_LOAD,
        JobState.QUEUED,
        "部门.zip",
        False,
    )
    assert (jobs_folder / job.upload).is_file()
    requested = AuditEvent.objects.get(action="提交后台任务")
    assert requested.actor == User.objects.get(username="demo-bureau")
    assert requested.after == {
        "任务": job.pk,
        "压缩包": "部门.zip",
        "工作簿": 3,
        "替换已有数据": "否",
    }
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (JobState.DONE, 3, 3)
    assert job.step == "已完成：新建 2 个、替换 0 个部门年度，1 个未载入"
    items = list(job.items.values_list("key", "name", "ok", "error"))
    assert items == [
        ("1", "已新建 甲局 2023 年度（53 个项目）← a.xlsx", True, ""),
        ("2", "已新建 乙局 2023 年度（53 个项目）← b.xlsx", True, ""),
        (
            "3",
            "c.xlsx",
            False,
            "c.xlsx 项目!A3：“项目编码”为必填项，不能为空\n"
            "c.xlsx 项目!A4：“项目编码”为必填项，不能为空",
        ),
    ]
    assert set(Department.objects.values_list("code", flat=True)) == {"gz-commerce", "a1", "b2"}
    loaded = AuditEvent.objects.filter(action="载入数据集").order_by("pk")
    assert [(e.target, e.actor.username if e.actor else None) for e in loaded] == [
        ("甲局 2023 年度", "demo-bureau"),
        ("乙局 2023 年度", "demo-bureau"),
    ]
    page = _client("demo-bureau").get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "c.xlsx 项目!A3：“项目编码”为必填项，不能为空" in page
    assert "已新建 甲局 2023 年度" in page
    assert "部门.zip" in _client("demo-admin").get("/jobs/").content.decode()


@pytest.mark.usefixtures("demo")
def test_replace_only_when_asked_and_only_a_year_still_being_filled(
    reference_dataset: Dataset, tmp_path: Path
) -> None:
    first = _zip({"a.xlsx": _workbook(reference_dataset, tmp_path, "a.xlsx", "a1", "甲局")})
    _upload("demo-admin", first)
    run(Job.objects.get().pk)
    record = SelfEvaluation.objects.get(department__code="a1")
    project = Project.objects.filter(evaluation=record).order_by("pk").first()
    assert project is not None
    changed = replace(
        reference_dataset,
        department=replace(reference_dataset.department, code="a1", name="甲局（新名）"),
    )
    path = tmp_path / "a2.xlsx"
    write_workbook(changed, path)
    second = _zip({"a.xlsx": path.read_bytes()})

    _upload("demo-bureau", second)  # not ticked: refused
    job = Job.objects.order_by("-pk").first()
    assert job is not None
    run(job.pk)
    assert list(job.items.values_list("ok", "error")) == [
        (False, "甲局（新名） 2023 年度（部门编码 a1）已在数据库中；未勾选“替换已有数据”，未载入")
    ]

    SelfEvaluation.objects.filter(pk=record.pk).update(status=Status.APPROVED)
    _upload("demo-bureau", second, replace_data=True)  # ticked, but no longer 填报中
    job = Job.objects.order_by("-pk").first()
    assert job is not None
    run(job.pk)
    assert list(job.items.values_list("ok", "error")) == [
        (False, "甲局 2023 年度 已在数据库中，状态为“单位已审定”，不在填报中，不能替换")
    ]
    assert Department.objects.get(code="a1").name == "甲局"

    SelfEvaluation.objects.filter(pk=record.pk).update(status=Status.DRAFTING)
    _upload("demo-bureau", second, replace_data=True)
    job = Job.objects.order_by("-pk").first()
    assert job is not None
    run(job.pk)
    (item,) = job.items.all()
    assert item.ok and item.name.startswith("已替换 甲局（新名） 2023 年度：")
    assert Department.objects.get(code="a1").name == "甲局（新名）"
    assert Project.objects.filter(evaluation=record).order_by("pk").first() == project  # kept
    updated = AuditEvent.objects.get(action="更新数据集")
    assert updated.actor == User.objects.get(username="demo-bureau")
    assert "批量载入压缩包“部门.zip”中的 a.xlsx" in updated.reason
    job.refresh_from_db()
    assert job.step == "已完成：新建 0 个、替换 1 个部门年度，0 个未载入"


@pytest.mark.usefixtures("demo")
def test_a_resumed_job_skips_the_departments_already_done(three: dict[str, bytes]) -> None:
    _upload("demo-bureau", _zip(three))
    job = Job.objects.get()
    # As if a first run had loaded 甲局 (item 1) and then died: 甲局's department is not
    # stored again (it would be refused as already there) and only 2 and 3 run now.
    JobItem.objects.create(job=job, key="1", name="已新建 甲局 2023 年度 ← a.xlsx", ok=True)
    Job.objects.filter(pk=job.pk).update(attempts=1, done=1)
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == (JobState.DONE, 3, 3, 2)
    assert list(job.items.values_list("key", flat=True)) == ["1", "2", "3"]
    assert not Department.objects.filter(code="a1").exists()  # skipped, not loaded again
    assert Department.objects.filter(code="b2").exists()


@pytest.mark.usefixtures("demo")
def test_department_users_get_404_on_the_bureau_pages(three: dict[str, bytes]) -> None:
    _upload("demo-bureau", _zip(three))
    job = Job.objects.get()
    for name in ("demo-finance", "demo-leader", "demo-division", "demo-accounts"):
        client = _client(name)
        assert client.get("/jobs/bulk-load/").status_code == 404, name
        assert (
            client.post(
                "/jobs/bulk-load/", {"workbooks": SimpleUploadedFile("a.zip", b"x")}
            ).status_code
            == 404
        )
        assert client.get(f"/jobs/{job.pk}/").status_code == 404, name
        assert client.get(f"/jobs/{job.pk}/progress/").status_code == 404, name
        assert client.get(f"/api/jobs/{job.pk}/").status_code == 404, name
        assert "部门.zip" not in client.get("/jobs/").content.decode()
    assert Job.objects.count() == 1
    assert _client("demo-bureau").get("/jobs/bulk-load/").status_code == 200
    assert _client("demo-admin").get(f"/jobs/{job.pk}/").status_code == 200
    assert _client("demo-bureau").get(f"/api/jobs/{job.pk}/").json()["kind"] == "bulk_load"


def test_unpacking_counts_the_real_bytes(tmp_path: Path) -> None:
    path = tmp_path / "upload.zip"
    path.write_bytes(_zip({"a.xlsx": b"x" * 100}))
    target = tmp_path / "a.xlsx"
    assert unpack(path, "a.xlsx", target, ZipLimits(workbook_bytes=99)) == (
        "解压后超过 0 MB，不是正常的填报工作簿"
    )
    assert unpack(path, "a.xlsx", target, ZipLimits(workbook_bytes=100)) is None
    assert target.read_bytes() == b"x" * 100


@pytest.mark.usefixtures("demo")
def test_a_department_that_fails_inside_leaves_nothing_and_the_others_go_on(
    three: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bulk.store

    def failing(dataset: Dataset, source: str, **options: Any) -> Any:
        loaded = real(dataset, source, **options)  # its work done, then a failure: rolled back
        if dataset.department.code == "a1":
            raise RuntimeError("boom")
        return loaded

    monkeypatch.setattr(bulk, "store", failing)
    _upload("demo-bureau", _zip(three))
    job = Job.objects.get()
    run(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    first = job.items.get(key="1")
    assert (first.name, first.ok, first.error) == (
        "a.xlsx",
        False,
        "内部错误，未载入；请联系系统管理员（详情见工作进程的日志）",
    )
    assert not Department.objects.filter(code="a1").exists()
    assert Department.objects.filter(code="b2").exists()
    assert job.step == "已完成：新建 1 个、替换 0 个部门年度，2 个未载入"


@pytest.mark.usefixtures("demo")
def test_a_second_workbook_of_one_department_year_is_refused_naming_the_first(
    reference_dataset: Dataset, tmp_path: Path
) -> None:
    """Even with 替换已有数据 ticked: the later workbook would silently undo the first."""
    cheaper = replace(
        reference_dataset,
        projects=(
            replace(reference_dataset.projects[0], name="另一份工作簿的项目"),
            *reference_dataset.projects[1:],
        ),
    )
    entries = {
        "a.xlsx": _workbook(reference_dataset, tmp_path, "a.xlsx", "a1", "甲局"),
        "b.xlsx": _workbook(cheaper, tmp_path, "b.xlsx", "a1", "甲局"),
    }
    _upload("demo-bureau", _zip(entries), replace_data=True)
    job = Job.objects.get()
    run(job.pk)
    items = list(job.items.order_by("pk").values_list("name", "ok", "error", "subject"))
    assert items == [
        ("已新建 甲局 2023 年度（53 个项目）← a.xlsx", True, "", "a1/2023"),
        (
            "甲局 2023 年度 ← b.xlsx",
            False,
            "b.xlsx：与本压缩包中已载入的“已新建 甲局 2023 年度（53 个项目）← a.xlsx”是同一部门"
            "年度（部门编码 a1），未载入；每个部门年度只能有一个工作簿",
            "",
        ),
    ]
    first = Project.objects.get(evaluation__department__code="a1", position=1)
    assert first.name == reference_dataset.projects[0].name
