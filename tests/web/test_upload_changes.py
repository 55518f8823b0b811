"""A workbook upload shows every change before confirmation, keeps rows' identity, applies only
the changes the uploader may make — a submitted division's rows stay locked for the finance
office too — and records the difference in the audit log (issue 10, item 3)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jixiao.adapters.workbook import write_workbook
from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Contract, Indicator, Project

pytestmark = pytest.mark.django_db


def _actual(book: Any, code: str, value: object) -> None:
    sheet = book["绩效指标"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == code)
    row[8].value = value


def _upload(client: Client, demo: SelfEvaluation, dataset: Any, tmp_path: Any, change: Any) -> str:
    path = tmp_path / "filled.xlsx"
    write_workbook(dataset, path)
    book = openpyxl.load_workbook(path)
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    page = client.post(
        f"/evaluations/{demo.pk}/upload/",
        {"workbook": SimpleUploadedFile("filled.xlsx", buffer.getvalue())},
    )
    assert page.status_code == 200
    return str(page.content.decode())


def _token(page: str) -> str:
    return page.split('name="token" value="')[1].split('"')[0]


def test_item3_the_changes_are_shown_then_applied_and_rows_keep_their_identity(
    client_for: Any, demo: SelfEvaluation, reference_dataset: Any, tmp_path: Any
) -> None:
    def edits(book: Any) -> None:
        _actual(book, "I102", 1900)
        contracts = book["采购合同"]
        contracts.delete_rows(2)  # the first contract, C01, is removed
        projects = book["项目"]
        new = projects.max_row + 1
        for cell in projects[2]:
            projects.cell(row=new, column=cell.column, value=cell.value)
        projects.cell(row=new, column=1, value="P99")  # a project added (a copy of P01's row)
        projects.cell(row=new, column=8, value=0)  # with no budget, so the totals still hold
        for column in range(9, 22):
            projects.cell(row=new, column=column, value=0)

    client = client_for("demo-finance")
    ids = {
        "projects": set(Project.objects.filter(evaluation=demo).values_list("pk", flat=True)),
        "indicators": set(Indicator.objects.filter(evaluation=demo).values_list("pk", flat=True)),
    }
    i102 = Indicator.objects.get(evaluation=demo, code="I102")
    page = _upload(client, demo, reference_dataset, tmp_path, edits)
    assert "检查通过：filled.xlsx" in page
    assert "实际完成值：<del>2004.7</del> → <ins>1900</ins>" in page
    assert '<td>绩效指标</td><td>对外贸易处</td><td class="number">0</td>' in page
    assert Indicator.objects.get(pk=i102.pk).actual == "2004.7"  # nothing changed yet
    done = client.post(
        f"/evaluations/{demo.pk}/upload/confirm/", {"token": _token(page)}, follow=True
    )
    assert "已导入工作簿：新增 1 条、修改 1 条、删除 1 条记录。" in done.content.decode()
    assert Indicator.objects.get(pk=i102.pk).actual == "1900"  # the same row, changed
    after = set(Project.objects.filter(evaluation=demo).values_list("pk", flat=True))
    assert ids["projects"] < after and len(after - ids["projects"]) == 1
    assert (
        set(Indicator.objects.filter(evaluation=demo).values_list("pk", flat=True))
        == (ids["indicators"])
    )
    assert not Contract.objects.filter(evaluation=demo, code="C01").exists()
    event = AuditEvent.objects.get(action="导入工作簿")
    assert (event.after["新增"], event.after["修改"], event.after["删除"]) == (1, 1, 1)
    changed = next(c for c in event.after["变更"] if c["操作"] == "修改")
    assert changed["表"] == "绩效指标" and changed["处室"] == "对外贸易处"
    assert changed["字段"] == {"实际完成值": ["2004.7", "1900"]}


def test_item3_a_submitted_divisions_rows_are_locked_for_the_upload_too(
    client_for: Any, demo: SelfEvaluation, reference_dataset: Any, tmp_path: Any
) -> None:
    client_for("demo-division").post(f"/evaluations/{demo.pk}/steps/submit/")  # 对外贸易处

    def edits(book: Any) -> None:
        _actual(book, "I102", 1900)  # 对外贸易处's, locked
        _actual(book, "I201", 7)  # 消费促进处's, open

    client = client_for("demo-finance")
    page = _upload(client, demo, reference_dataset, tmp_path, edits)
    assert "不能执行：对外贸易处已提交，其数据已锁定；退回该处室后才能修改" in page
    done = client.post(
        f"/evaluations/{demo.pk}/upload/confirm/", {"token": _token(page)}, follow=True
    ).content.decode()
    assert "已导入工作簿：新增 0 条、修改 1 条、删除 0 条记录。" in done
    assert "1 项变更未执行（处室已提交，数据锁定），详见审计日志。" in done
    assert Indicator.objects.get(evaluation=demo, code="I102").actual == "2004.7"
    assert Indicator.objects.get(evaluation=demo, code="I201").actual == "7"
    event = AuditEvent.objects.get(action="导入工作簿")
    refused = next(c for c in event.after["变更"] if "未执行的原因" in c)
    assert refused["记录"].startswith("I102")


def test_item3_a_plan_that_no_longer_holds_is_refused(
    client_for: Any, demo: SelfEvaluation, reference_dataset: Any, tmp_path: Any
) -> None:
    client = client_for("demo-finance")
    page = _upload(client, demo, reference_dataset, tmp_path, lambda book: _actual(book, "I201", 7))
    client_for("demo-division2").post(f"/evaluations/{demo.pk}/steps/submit/")  # 消费促进处
    done = client.post(
        f"/evaluations/{demo.pk}/upload/confirm/", {"token": _token(page)}, follow=True
    ).content.decode()
    assert "数据在核对之后已有变化，请重新上传并核对" in done
    assert Indicator.objects.get(evaluation=demo, code="I201").actual == "6.7"


def test_item3_the_finance_office_cannot_change_a_submitted_divisions_row_in_forms_or_api(
    client_for: Any, demo: SelfEvaluation
) -> None:
    client_for("demo-division").post(f"/evaluations/{demo.pk}/steps/submit/")  # 对外贸易处
    finance = client_for("demo-finance")
    i102 = Indicator.objects.get(evaluation=demo, code="I102")
    answer = finance.patch(
        f"/api/evaluations/{demo.pk}/tables/indicators/{i102.pk}/",
        {"cells": {"actual": "1900"}},
        content_type="application/json",
    )
    assert answer.status_code == 409
    assert answer.json()["detail"] == "对外贸易处已提交，其数据已锁定；退回该处室后才能修改"
    assert Indicator.objects.get(pk=i102.pk).actual == "2004.7"


def test_item3_the_audit_keeps_the_plan_in_chinese_whatever_the_uploaders_language(
    client_for: Any, demo: SelfEvaluation, reference_dataset: Any, tmp_path: Any
) -> None:
    client_for("demo-division").post(f"/evaluations/{demo.pk}/steps/submit/")  # 对外贸易处
    client = client_for("demo-finance")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    def edits(book: Any) -> None:
        _actual(book, "I102", 1900)  # locked
        _actual(book, "I201", 7)

    page = _upload(client, demo, reference_dataset, tmp_path, edits)
    client.post(f"/evaluations/{demo.pk}/upload/confirm/", {"token": _token(page)})
    event = AuditEvent.objects.get(action="导入工作簿")
    assert [(c["操作"], c.get("未执行的原因")) for c in event.after["变更"]] == [
        ("修改", "对外贸易处已提交，其数据已锁定；退回该处室后才能修改"),
        ("修改", None),
    ]
