"""The API of what the bureau keeps (web/api/manage.py): a zip of workbooks loaded as a job,
accounts from a workbook, reviewers' assignments — the pages' use cases, their checks and
refusals, in the API's answer shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.core.model import Dataset
from jixiao.web.audit.models import AuditEvent
from jixiao.web.jobs.models import Job, JobKind, JobState
from jixiao.web.jobs.running import run
from jixiao.web.organizations.models import Membership, ReviewerAssignment, Role, SelfEvaluation

from .test_accounts_bulk import _book
from .test_bulk_load import _client, _workbook, _zip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_folder(settings: Any, tmp_path: Path) -> Path:
    settings.JIXIAO_JOBS_FOLDER = tmp_path / "jobs"
    return tmp_path / "jobs"


def test_the_bureau_loads_a_zip_through_the_api(
    demo: SelfEvaluation, reference_dataset: Dataset, tmp_path: Path
) -> None:
    content = _zip({"a.xlsx": _workbook(reference_dataset, tmp_path, "a.xlsx", "a1", "甲局")})
    bureau = _client("demo-bureau")
    answer = bureau.post(
        "/api/bureau/bulk-load/", {"file": SimpleUploadedFile("部门.zip", content)}
    )
    assert answer.status_code == 202, answer.content
    state = answer.json()
    assert (state["kind"], state["state"], state["total"]) == ("bulk_load", "queued", 0)
    job = Job.objects.get(pk=state["id"])
    assert (job.kind, job.replace) == (JobKind.BULK_LOAD, False)
    run(job.pk)
    followed = bureau.get(f"/api/jobs/{job.pk}/").json()
    assert (followed["state"], followed["done"], followed["total"]) == ("done", 1, 1)
    assert followed["items"][0]["name"] == "已新建 甲局 2023 年度（53 个项目）← a.xlsx"
    assert SelfEvaluation.objects.filter(department__code="a1", fiscal_year=2023).exists()
    assert Job.objects.get(pk=job.pk).state == JobState.DONE
    assert demo.status == "drafting"  # the demo department stays as it was


def test_a_bad_zip_or_no_file_is_refused_and_nothing_queued(demo: SelfEvaluation) -> None:  # noqa: ARG001
    bureau = _client("demo-bureau")
    missing = bureau.post("/api/bureau/bulk-load/", {})
    assert (missing.status_code, missing.json()["detail"]) == (
        400,
        "请在 file 字段上传部门工作簿的 .zip 压缩包",
    )
    not_zip = bureau.post(
        "/api/bureau/bulk-load/", {"file": SimpleUploadedFile("部门.zip", b"not a zip")}
    )
    assert not_zip.status_code == 400
    assert not_zip.json()["code"] == "E-INVALID"
    assert not Job.objects.exists()


@pytest.mark.parametrize("username", ["demo-finance", "demo-leader", "demo-division"])
def test_a_departments_users_are_answered_404(demo: SelfEvaluation, username: str) -> None:
    client = _client(username)
    upload = {"file": SimpleUploadedFile("部门.zip", b"PK")}
    assert client.post("/api/bureau/bulk-load/", upload).status_code == 404
    assert client.post("/api/accounts/bulk/", upload).status_code == 404
    assert client.get("/api/bureau/assignments/?year=2023").status_code == 404
    assert (
        client.put(
            f"/api/evaluations/{demo.pk}/assignment/",
            {"reviewer": "demo-bureau", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert not ReviewerAssignment.objects.exists()


def test_accounts_from_a_workbook_with_their_passwords_once(demo: SelfEvaluation) -> None:
    department = demo.department
    content = _book(
        [
            ("port-li", "李口岸", "处室填报人", department.code, "对外贸易处", ""),
            ("port-wang", "王口岸", "财务审核人", department.code, "", "Kq7-mangrove-lantern"),
        ]
    )
    answer = _client("demo-admin").post(
        "/api/accounts/bulk/", {"file": SimpleUploadedFile("账号.xlsx", content)}
    )
    assert answer.status_code == 201, answer.content
    assert answer["Cache-Control"] == "no-store"
    accounts = answer.json()
    assert [(a["username"], a["role"], a["division"]) for a in accounts] == [
        ("port-li", "division_filler", "对外贸易处"),
        ("port-wang", "finance_reviewer", None),
    ]
    generated, given = accounts[0]["password"], accounts[1]["password"]
    assert given is None and isinstance(generated, str) and len(generated) == 14
    assert User.objects.get(username="port-li").check_password(generated)
    assert Membership.objects.get(user__username="port-wang").role == Role.FINANCE_REVIEWER


def test_an_accounts_workbook_with_errors_creates_nothing(demo: SelfEvaluation) -> None:
    content = _book([("port-li", "李口岸", "处室填报人", demo.department.code, "", "")])
    answer = _client("demo-admin").post(
        "/api/accounts/bulk/", {"file": SimpleUploadedFile("账号.xlsx", content)}
    )
    assert answer.status_code == 400
    refusal = answer.json()
    assert refusal["detail"] == "账号工作簿有错误，未新建任何账号"
    assert len(refusal["problems"]) == 1
    assert not User.objects.filter(username="port-li").exists()


def test_the_administrator_assigns_and_withdraws_a_reviewer(demo: SelfEvaluation) -> None:
    admin = _client("demo-admin")
    url = f"/api/evaluations/{demo.pk}/assignment/"
    assigned = admin.put(
        url, {"reviewer": "demo-bureau", "reason": "按归口分工"}, content_type="application/json"
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json() == {
        "evaluation": demo.pk,
        "department_code": demo.department.code,
        "department": demo.department.name,
        "fiscal_year": 2023,
        "reviewer": "demo-bureau",
    }
    listed = admin.get("/api/bureau/assignments/?year=2023").json()
    assert [(a["evaluation"], a["reviewer"]) for a in listed] == [(demo.pk, "demo-bureau")]
    event = AuditEvent.objects.filter(evaluation=demo).order_by("-sequence").first()
    assert event is not None and event.reason == "按归口分工"
    not_reviewer = admin.put(
        url, {"reviewer": "demo-finance", "reason": "x"}, content_type="application/json"
    )
    assert (not_reviewer.status_code, not_reviewer.json()["detail"]) == (
        400,
        "“demo-finance”不是启用中的财政局审核人",
    )
    no_reason = admin.put(url, {"reviewer": ""}, content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    withdrawn = admin.put(
        url, {"reviewer": None, "reason": "改由组内轮换"}, content_type="application/json"
    )
    assert (withdrawn.status_code, withdrawn.json()["reviewer"]) == (200, None)
    assert not ReviewerAssignment.objects.exists()
    bad_year = admin.get("/api/bureau/assignments/?year=1999")
    assert (bad_year.status_code, bad_year.json()["detail"]) == (
        400,
        "year：须为 2000–2100 之间的年度",
    )
