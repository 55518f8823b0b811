"""The bureau's organization (issue 12, item 1): departments as first-level units and their
subordinate units, groups of two kinds, the roster workbook and reviewers' assignments — kept by
the system administrator, every change audited, every problem at its field or cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import Workbook

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.manage import NotAReviewer, assign_reviewer
from jixiao.web.organizations.models import (
    Department,
    DepartmentGroup,
    GroupKind,
    ReviewerAssignment,
    Role,
)
from jixiao.web.organizations.roster import import_roster

from .bureau_builders import account, department, group, stored_year

pytestmark = pytest.mark.django_db
HEADERS = ["部门编码", "部门名称", "上级单位编码", "批次", "归口"]


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db: None) -> Any:  # noqa: ARG001
    return account("admin", Role.SYSTEM_ADMIN)


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password="jixiao-demo")
    return client


def workbook(tmp_path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "部门"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "名册.xlsx"
    book.save(path)
    return path


def state() -> list[tuple[str, str, str, list[str]]]:
    with translation.override("zh-hans"):
        return _state()


def _state() -> list[tuple[str, str, str, list[str]]]:
    return [
        (d.code, d.name, d.parent.code if d.parent else "", [str(g) for g in d.groups.all()])
        for d in Department.objects.select_related("parent").order_by("code")
    ]


def test_a_roster_creates_units_their_parents_and_groups(admin: Any, tmp_path: Path) -> None:
    department("A01", "甲局旧名")
    path = workbook(
        tmp_path,
        [
            ["B01", "甲局信息中心", "A01", "第一批", ""],
            [101, "丙局", None, "第一批；第二批", "经济口"],  # a code typed as a number
            ["A01", "甲局", "", "第二批", "经济口、社会口"],
        ],
    )
    imported = import_roster(admin, path, "名册.xlsx")
    assert imported.problems == []
    assert (imported.created, imported.changed, imported.unchanged) == (2, 1, 0)
    assert state() == [
        ("101", "丙局", "", ["归口：经济口", "批次：第一批", "批次：第二批"]),
        ("A01", "甲局", "", ["归口：社会口", "归口：经济口", "批次：第二批"]),
        ("B01", "甲局信息中心", "A01", ["批次：第一批"]),
    ]
    event = AuditEvent.objects.get(action="导入部门名册")
    assert event.after["新增部门"] == 2 and event.actor == admin
    again = import_roster(admin, path, "名册.xlsx")
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3)


def test_a_roster_with_errors_names_each_cell_and_writes_nothing(
    admin: Any, tmp_path: Path
) -> None:
    parent = department("A01", "甲局")
    department("B09", "甲局下属", parent=parent)
    before = state()
    path = workbook(
        tmp_path,
        [
            ["C01", "", "", "", ""],  # no name
            ["C02", "乙局", "NOPE", "", ""],  # no such parent
            ["C02", "乙局again", "", "", ""],  # repeated code
            ["C03", "丙局", "C03", "", ""],  # its own parent
            ["C04", "丁局下属", "B09", "", ""],  # B09 is a subordinate unit itself
            ["A01", "甲局", "C05", "", ""],  # A01 has subordinates
            ["C05", "戊局", "", "组" * 101, ""],  # a group name too long
            ["X" * 65, "己局", "", "", ""],  # a code too long
        ],
    )
    imported = import_roster(admin, path, "名册.xlsx")
    assert [str(p) for p in imported.problems] == [
        "部门!B2：“部门名称”不能为空",
        "部门!A4：部门编码“C02”与 部门!A3 重复",
        "部门!C5：上级单位不能是本单位自己",
        "部门!D8：分组名称“组组组组组组组组组组组组组组组组组组组组…”最多 100 个字符",
        "部门!A9：“部门编码”最多 64 个字符",
    ]
    assert state() == before  # the sheet's own problems stop it before the database is read
    path = workbook(
        tmp_path,
        [
            ["C02", "乙局", "NOPE", "", ""],
            ["C04", "丁局下属", "B09", "", ""],
            ["A01", "甲局", "C05", "", ""],
            ["C05", "戊局", "", "", ""],
        ],
    )
    imported = import_roster(admin, path, "名册.xlsx")
    assert [str(p) for p in imported.problems] == [
        "部门!C2：“上级单位编码”NOPE 不是已有部门，也不在本表中",
        "部门!C3：上级单位 B09 本身是下属单位；上级单位须为一级单位",
        "部门!C4：A01 有下属单位，不能再设上级单位",
    ]
    assert state() == before
    assert not DepartmentGroup.objects.exists()
    assert not AuditEvent.objects.filter(action="导入部门名册").exists()


def test_a_roster_without_its_headers_or_sheet(admin: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path, [["A01", "甲局"]], headers=["编码", "部门名称"])
    assert [str(p) for p in import_roster(admin, path, "名册.xlsx").problems] == [
        "部门!A1：未识别的表头“编码”",
        "部门!A1：缺少表头“部门编码”",
    ]
    not_a_workbook = tmp_path / "x.xlsx"
    not_a_workbook.write_bytes(b"hello")
    problems = import_roster(admin, not_a_workbook, "x.xlsx").problems
    assert len(problems) == 1 and "无法读取工作簿" in problems[0].message


@pytest.mark.usefixtures("admin")
def test_the_roster_page_shows_the_cells_and_only_the_admin_may_upload(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["C01", "", "", "", ""]])
    with path.open("rb") as upload:
        answer = signed_in("admin").post("/organization/roster/", {"workbook": upload})
    assert answer.status_code == 400
    assert "部门!B2：“部门名称”不能为空" in answer.content.decode()
    path = workbook(tmp_path, [["C01", "乙局", "", "第一批", ""]])
    with path.open("rb") as upload:
        answer = signed_in("admin").post("/organization/roster/", {"workbook": upload})
    assert answer.status_code == 302
    assert state() == [("C01", "乙局", "", ["批次：第一批"])]
    account("bureau", Role.BUREAU_REVIEWER)
    for url in ("/organization/", "/organization/departments/new/", "/organization/assignments/"):
        assert signed_in("bureau").get(url).status_code == 404
    with path.open("rb") as upload:
        refused = signed_in("bureau").post("/organization/roster/", {"workbook": upload})
    assert refused.status_code == 404


@pytest.mark.usefixtures("admin")
def test_departments_and_groups_by_form_with_errors_naming_the_field() -> None:
    client = signed_in("admin")
    batch = group("第一批")
    answer = client.post(
        "/organization/departments/new/", {"code": "A01", "name": "甲局", "groups": [batch.pk]}
    )
    assert answer.status_code == 302
    jia = Department.objects.get(code="A01")
    duplicate = client.post("/organization/departments/new/", {"code": "A01", "name": "又一个"})
    assert duplicate.status_code == 400
    assert "部门编码：部门编码已存在" in duplicate.content.decode()
    sub = client.post(
        "/organization/departments/new/", {"code": "B01", "name": "甲局中心", "parent": jia.pk}
    )
    assert sub.status_code == 302
    b01 = Department.objects.get(code="B01")
    # a subordinate unit is no one's parent; a unit with subordinates has no parent
    under_sub = client.post(
        "/organization/departments/new/", {"code": "B02", "name": "二级", "parent": b01.pk}
    )
    assert under_sub.status_code == 400 and "上级单位：" in under_sub.content.decode()
    yi = department("A02", "乙局")
    moved = client.post(f"/organization/departments/{jia.pk}/", {"name": "甲局", "parent": yi.pk})
    assert moved.status_code == 400
    assert "上级单位：本单位有下属单位，不能再设上级单位" in moved.content.decode()
    renamed = client.post(f"/organization/departments/{jia.pk}/", {"name": "甲局（新）"})
    assert renamed.status_code == 302
    assert state()[0] == ("A01", "甲局（新）", "", [])
    event = AuditEvent.objects.filter(action="修改部门").get()
    assert event.before == {"部门名称": "甲局", "所属分组": "批次：第一批"}
    assert event.after == {"部门名称": "甲局（新）", "所属分组": ""}
    same = client.post(
        "/organization/groups/new/", {"kind": GroupKind.REVIEW_GROUP, "name": "第一批"}
    )
    assert same.status_code == 400 and "分组名称：同类别下已有同名分组" in same.content.decode()
    other_kind = client.post(
        "/organization/groups/new/", {"kind": GroupKind.PORTFOLIO, "name": "第一批"}
    )
    assert other_kind.status_code == 302
    assert AuditEvent.objects.filter(action="新建部门分组").count() == 1


def test_a_reviewer_is_assigned_to_a_department_year_and_audited(admin: Any) -> None:
    record = stored_year(department("A01", "甲局"), 2023, ("45", "47"), grade="优")
    reviewer = account("bureau2", Role.BUREAU_REVIEWER)
    finance = account("finance", Role.FINANCE_REVIEWER, record.department)
    client = signed_in("admin")
    answer = client.post(
        f"/organization/assignments/{record.pk}/", {"reviewer": reviewer.pk, "reason": "分工"}
    )
    assert answer.status_code == 302
    assignment = ReviewerAssignment.objects.get(evaluation=record)
    assert (assignment.reviewer, assignment.assigned_by) == (reviewer, admin)
    event = AuditEvent.objects.get(action="指派复核人")
    assert (event.evaluation, event.before, event.after, event.reason) == (
        record,
        {"复核人": ""},
        {"复核人": "bureau2"},
        "分工",
    )
    refused = client.post(
        f"/organization/assignments/{record.pk}/", {"reviewer": finance.pk, "reason": "x"}
    )
    assert refused.status_code == 400 and "复核人：" in refused.content.decode()
    no_reason = client.post(f"/organization/assignments/{record.pk}/", {"reviewer": reviewer.pk})
    assert no_reason.status_code == 400 and "原因：" in no_reason.content.decode()
    with pytest.raises(NotAReviewer):
        assign_reviewer(admin, record, finance, "x")
    assign_reviewer(admin, record, None, "撤回")
    assert not ReviewerAssignment.objects.exists()
    assert AuditEvent.objects.filter(action="指派复核人").count() == 2
    listing = client.get("/organization/assignments/?year=2023").content.decode()
    assert "（未指派）" in listing


def test_the_organization_pages_run_a_fixed_number_of_queries(admin: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    del admin
    client = signed_in("admin")

    def counted() -> list[int]:
        found = []
        for url in ("/organization/", "/organization/assignments/?year=2023"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries.captured_queries))
        return found

    batch = group("第一批")
    first = department("A00", "甲局")
    first.groups.add(batch)
    stored_year(first, 2023, ("40", "40"))
    before = counted()
    for number in range(30):
        unit = department(f"A{number + 1:02}", f"局{number}", parent=first if number % 2 else None)
        unit.groups.add(batch)
        stored_year(unit, 2023, ("40", "40"))
    assert counted() == before
