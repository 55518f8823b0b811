"""The audit log as people read it: each changed field with its Chinese column name before and
after, filters by who, what, on what and when, pages, an Excel export; downloads and exports
are recorded too (issue 10, item 19)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit.services import record_event, verify_chain
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Project

pytestmark = pytest.mark.django_db


def _change_p18(client: Any, demo: SelfEvaluation) -> None:
    p18 = Project.objects.get(evaluation=demo, code="P18")
    answer = client.patch(
        f"/api/evaluations/{demo.pk}/tables/projects/{p18.pk}/",
        {
            "cells": {
                "spent_wan": "7000",
                **{f"m{m:02d}_yuan": "0" for m in range(1, 12)},
                "m12_yuan": "70000000",
            },
            "reason": "补录 12 月支付",
        },
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content


def test_item19_changes_are_a_table_of_chinese_column_names(
    client_for: Any, demo: SelfEvaluation
) -> None:
    finance = client_for("demo-finance")
    _change_p18(finance, demo)
    page = finance.get("/audit/").content.decode()
    assert "<tr><th>支出金额（万元）</th><td>6000</td><td>7000</td></tr>" in page
    reconstructed = "责任处室、资金来源编码、重点任务编码、1月支出（元）至12月支出（元）"
    assert f"<tr><th>重构字段</th><td>{reconstructed}" in page
    assert "{&#x27;" not in page and "{'" not in page  # no Python mappings


def test_item19_filters_by_who_what_on_what_and_when(client_for: Any, demo: SelfEvaluation) -> None:
    finance = client_for("demo-finance")
    _change_p18(finance, demo)
    today = timezone.localdate().isoformat()
    found = finance.get(
        "/audit/",
        {"actor": "finance", "action": "修改项目", "target": "P18", "since": today, "until": today},
    )
    assert found.status_code == 200
    page = found.content.decode()
    assert "共 1 条事件" in page and "补录 12 月支付" in page
    none = finance.get("/audit/", {"action": "修改项目", "until": "2001-01-01"}).content.decode()
    assert "共 0 条事件" in none
    refused = finance.get("/audit/", {"since": "2024-02-01", "until": "2024-01-01"})
    assert refused.status_code == 400
    assert "截止日期不能早于起始日期" in refused.content.decode()
    unknown = finance.get("/audit/", {"action": "删除全部"})
    assert unknown.status_code == 400
    assert "选择一个有效的选项" in unknown.content.decode()


def test_item19_pages_of_fifty(client_for: Any, demo: SelfEvaluation) -> None:
    for n in range(120):
        record_event(None, "测试", f"事件 {n}", evaluation=demo)
    finance = client_for("demo-finance")
    first = finance.get("/audit/", {"action": "测试"}).content.decode()
    assert "共 120 条事件，第 1 / 3 页" in first
    assert first.count("<td>测试</td>") == 50 and "事件 119" in first
    last = finance.get("/audit/", {"action": "测试", "page": "3"}).content.decode()
    assert last.count("<td>测试</td>") == 20 and "事件 0<" in last
    assert "action=%E6%B5%8B%E8%AF%95&amp;page=2" in last  # the filter is kept across pages


def test_item19_the_export_is_the_filtered_log_and_is_recorded(
    client_for: Any, demo: SelfEvaluation
) -> None:
    finance = client_for("demo-finance")
    _change_p18(finance, demo)
    exported = finance.get("/audit/export/", {"action": "修改项目"})
    assert exported.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    rows = [[c.value for c in row] for row in book["审计日志"].iter_rows()]
    assert rows[0] == ["时间", "操作人", "操作", "对象", "字段", "修改前", "修改后", "原因"]
    spent = next(r for r in rows if r[4] == "支出金额（万元）")
    assert spent[1:4] == [
        "demo-finance",
        "修改项目",
        "广州市商务局 2023 年度 项目 P18 商务经济与社会发展项目促进消费提档升级汽车以旧换新",
    ]
    assert spent[5:] == ["6000", "7000", "补录 12 月支付"]
    assert {r[2] for r in rows[1:]} == {"修改项目"}
    event = AuditEvent.objects.get(action="导出审计日志")
    assert event.actor_name == "demo-finance" and event.after == {"筛选条件": "操作：修改项目"}
    assert verify_chain() is None


def test_item19_a_division_exports_only_what_it_may_read(
    client_for: Any, demo: SelfEvaluation
) -> None:
    _change_p18(client_for("demo-finance"), demo)  # 消费促进处's project
    exported = client_for("demo-division").get("/audit/export/")  # 对外贸易处
    rows = [
        [c.value for c in row]
        for row in openpyxl.load_workbook(io.BytesIO(exported.content))["审计日志"].iter_rows()
    ]
    assert not any("P18" in str(r[3]) for r in rows)


def test_item19_downloads_are_recorded(client_for: Any, demo: SelfEvaluation) -> None:
    finance = client_for("demo-finance")
    assert finance.get(f"/evaluations/{demo.pk}/download/scoretable/").status_code == 200
    assert (
        finance.get(f"/evaluations/{demo.pk}/monitoring/6/download/review-xlsx/").status_code == 200
    )
    assert list(AuditEvent.objects.filter(action="下载").values_list("actor_name", "target")) == [
        ("demo-finance", "广州市商务局 2023 年度 部门整体支出绩效自评表"),
        ("demo-finance", "广州市商务局 2023 年度 6月绩效监控表（Excel）"),
    ]
