"""Workbook upload: every problem listed at its cell and nothing changed; a clean workbook is
imported only after confirmation."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jixiao.adapters.workbook import write_workbook
from jixiao.web.organizations.models import Department
from jixiao.web.records.models import Indicator, PendingUpload, Project

from ..xlsx_bombs import numbered_rows, one_sheet

pytestmark = pytest.mark.django_db


def workbook(reference_dataset, tmp_path, change=None) -> SimpleUploadedFile:  # type: ignore[no-untyped-def]
    path = tmp_path / "filled.xlsx"
    write_workbook(reference_dataset, path)
    book = openpyxl.load_workbook(path)
    if change:
        change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("filled.xlsx", buffer.getvalue())


def test_a_broken_workbook_is_reported_and_nothing_changes(  # type: ignore[no-untyped-def]
    client_for, demo, reference_dataset, tmp_path
) -> None:
    def breaks(book) -> None:  # type: ignore[no-untyped-def]
        book["项目"]["H3"] = "十三万"
        book["绩效指标"]["J2"] = "很多"

    before = list(Project.objects.values_list("adjusted_budget", flat=True))
    page = (
        client_for("demo-finance")
        .post(
            f"/evaluations/{demo.pk}/upload/",
            {"workbook": workbook(reference_dataset, tmp_path, breaks)},
        )
        .content.decode()
    )
    assert "未导入：filled.xlsx 有 2 个问题" in page
    assert "<td>项目!H3</td><td><code>E-NUMBER</code></td>" in page
    assert "<td>绩效指标!J2</td>" in page
    assert "确认导入" not in page
    assert list(Project.objects.values_list("adjusted_budget", flat=True)) == before


def test_a_clean_workbook_is_imported_after_confirmation(  # type: ignore[no-untyped-def]
    client_for, demo, reference_dataset, tmp_path
) -> None:
    def fills(book) -> None:  # type: ignore[no-untyped-def]
        sheet = book["绩效指标"]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "I102")
        row[8].value = 1900

    client = client_for("demo-finance")
    page = client.post(
        f"/evaluations/{demo.pk}/upload/",
        {"workbook": workbook(reference_dataset, tmp_path, fills)},
    ).content.decode()
    assert "检查通过：filled.xlsx" in page
    assert Indicator.objects.get(evaluation=demo, code="I102").actual == "2004.7"
    token = page.split('name="token" value="')[1].split('"')[0]
    done = client.post(f"/evaluations/{demo.pk}/upload/confirm/", {"token": token}, follow=True)
    assert "已导入工作簿：新增 0 条、修改 1 条、删除 0 条记录。" in done.content.decode()
    assert Indicator.objects.get(evaluation=demo, code="I102").actual == "1900"
    assert '<div class="value" id="score">93.63</div>' in done.content.decode()
    again = client.post(f"/evaluations/{demo.pk}/upload/confirm/", {"token": token}, follow=True)
    assert "上传已失效，请重新上传" in again.content.decode()


def test_only_finance_uploads(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    for username in ("demo-division", "demo-leader", "demo-bureau", "demo-admin"):
        assert client_for(username).get(f"/evaluations/{demo.pk}/upload/").status_code == 404


# --- issue 10, item 12: bombs, broken files and abandoned uploads ----------------------------

TOKEN_FILE = re.compile(r"[0-9a-f]{32}\.xlsx")


def upload_page(client, demo, name: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/evaluations/{demo.pk}/upload/", {"workbook": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200
    return str(response.content.decode())


def test_item12_an_upload_bomb_is_refused_under_the_users_file_name(  # type: ignore[no-untyped-def]
    client_for, demo, tmp_path, settings
) -> None:
    settings.HOME = tmp_path
    bomb = tmp_path / "bomb.xlsx"
    one_sheet(bomb, "项目", numbered_rows(10_001))
    page = upload_page(client_for("demo-finance"), demo, "我的工作簿.xlsx", bomb.read_bytes())
    assert "未导入：我的工作簿.xlsx 有 1 个问题" in page
    assert (
        "<td>我的工作簿.xlsx</td><td><code>E-SHEET-TOO-LARGE</code></td>"
        "<td>“项目”表超过 10000 行</td>"
    ) in page
    assert not PendingUpload.objects.exists()


def test_item12_a_file_that_is_no_workbook_names_no_server_file(  # type: ignore[no-untyped-def]
    client_for, demo
) -> None:
    page = upload_page(client_for("demo-finance"), demo, "notes.xlsx", b"not a workbook")
    assert (
        "<td>notes.xlsx</td><td><code>E-WORKBOOK</code></td>"
        "<td>无法读取工作簿：文件不是 .xlsx 工作簿或已损坏，"
        "请在 Excel 中打开后另存为 .xlsx 再导入</td>"
    ) in page
    assert "EOCD" not in page
    assert not TOKEN_FILE.search(page)


def test_item12_an_unconfirmed_upload_expires(  # type: ignore[no-untyped-def]
    client_for, demo, reference_dataset, tmp_path
) -> None:
    client = client_for("demo-finance")
    page = client.post(
        f"/evaluations/{demo.pk}/upload/",
        {"workbook": workbook(reference_dataset, tmp_path, _changes_i102)},
    ).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    an_hour_and_a_minute_ago = timezone.now() - timedelta(seconds=3660)
    PendingUpload.objects.filter(token=token).update(created_at=an_hour_and_a_minute_ago)
    before = [(i.code, i.actual) for i in Indicator.objects.order_by("id")]
    done = client.post(f"/evaluations/{demo.pk}/upload/confirm/", {"token": token}, follow=True)
    assert done.status_code == 200
    assert "上传已失效，请重新上传" in done.content.decode()
    assert not PendingUpload.objects.exists()
    assert [(i.code, i.actual) for i in Indicator.objects.order_by("id")] == before


def test_item12_sweep_uploads_deletes_only_expired_ones(demo, run_cli) -> None:  # type: ignore[no-untyped-def]
    finance = User.objects.get(username="demo-finance")
    two_hours_ago = timezone.now() - timedelta(hours=2)
    for token, created in (("a" * 32, two_hours_ago), ("b" * 32, timezone.now())):
        PendingUpload.objects.create(
            token=token,
            evaluation=demo,
            user=finance,
            name="x.xlsx",
            content=b"PK",
            plan="0" * 64,
            created_at=created,
        )
    result = run_cli("sweep-uploads")
    assert (result.code, result.out.strip()) == (
        0,
        "已删除 1 个超过 1 小时仍未确认导入的上传工作簿。",
    )
    assert list(PendingUpload.objects.values_list("token", flat=True)) == ["b" * 32]


def _changes_i102(book) -> None:  # type: ignore[no-untyped-def]
    sheet = book["绩效指标"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "I102")
    row[8].value = 1900


def test_item9_a_formula_like_name_survives_download_and_upload(  # type: ignore[no-untyped-def]
    client_for, demo
) -> None:
    """Issue 10, item 9, through the web: a name typed as ``=HYPERLINK(…)`` is downloaded as
    text in the workbook and the score table, and the workbook uploads again unchanged."""
    name = '=HYPERLINK("http://x","click")'
    Project.objects.filter(evaluation=demo, code="P47").update(name=name)
    Department.objects.filter(pk=demo.department_id).update(name=f"-{name}")
    client = client_for("demo-finance")
    exported = client.get(f"/evaluations/{demo.pk}/download/workbook/").content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.data_type for c in cells if c.value in (name, f"-{name}")] == ["s", "s"]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    score = client.get(f"/evaluations/{demo.pk}/download/scoretable/")
    table = openpyxl.load_workbook(io.BytesIO(score.content))
    formulas = [
        c.coordinate
        for s in table.worksheets
        for row in s.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    page = upload_page(client, demo, "export.xlsx", exported)
    assert "检查通过：export.xlsx" in page
