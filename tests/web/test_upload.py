"""Workbook upload: every problem listed at its cell and nothing changed; a clean workbook is
imported only after confirmation."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.adapters.workbook import write_workbook
from jixiao.web.records.models import Indicator, Project

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
    assert "已导入工作簿：53 个项目，33 个指标。" in done.content.decode()
    assert Indicator.objects.get(evaluation=demo, code="I102").actual == "1900"
    assert '<div class="value" id="score">93.63</div>' in done.content.decode()
    again = client.post(f"/evaluations/{demo.pk}/upload/confirm/", {"token": token}, follow=True)
    assert "上传已失效，请重新上传" in again.content.decode()


def test_only_finance_uploads(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    for username in ("demo-division", "demo-leader", "demo-bureau", "demo-admin"):
        assert client_for(username).get(f"/evaluations/{demo.pk}/upload/").status_code == 404
