"""One bad row does not blank the department (issue 10, item 13): while the data have errors the
pages and the API carry the score computed from the data as they are, with every problem linked
to the row to fix; documents are drafts; the year is not reviewed until the errors are gone."""

from __future__ import annotations

import io
import re

import docx
import openpyxl
import pytest
from django.test import Client

from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.organizations.models import SelfEvaluation, Status
from jixiao.web.records.mapping import Stored
from jixiao.web.records.models import BudgetLine, Project
from jixiao.web.results.store import refresh

pytestmark = pytest.mark.django_db

MISMATCH = "资金来源“市本级”的项目年度预算合计 256911.66 万元与年度预算 256811.66 万元不一致"
MARK = "草稿：数据尚有 1 个问题未解决"


def break_a_budget_line(client: Client, demo: SelfEvaluation) -> BudgetLine:
    """Raise one project's 年度预算 by 100 万元 through the API: the row is saved and the
    budget line 市本级 no longer adds up (E-BUDGET-TOTAL). Returns that budget line."""
    target = Project.objects.get(evaluation=demo, code="P18")
    answer = client.patch(
        f"/api/evaluations/{demo.pk}/tables/projects/{target.pk}/",
        {"cells": {"adjusted_budget_wan": "7300"}},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert [w["code"] for w in answer.json()["warnings"]] == ["E-BUDGET-TOTAL"]
    return BudgetLine.objects.get(evaluation=demo, funding_source="city")


def banner(page: str) -> str:
    found = re.search(
        r'<section class="card banner" id="problems" role="alert">.*?</section>', page, re.S
    )
    assert found is not None, "no banner"
    return found.group(0)


def test_item13_a_budget_mismatch_keeps_the_score_and_links_the_problem(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    line = break_a_budget_line(client, demo)
    link = f"/evaluations/{demo.pk}/data/budget_lines/{line.pk}/#id_adjusted_wan"
    problem = (
        f'<li class="error"><code>E-BUDGET-TOTAL</code> <a href="{link}">预算 第 1 行 · '
        f'年度预算（万元）</a> <span class="message" lang="zh-Hans">{MISMATCH}</span></li>'
    )
    pages = {
        "": '<div class="value" id="score">93.13</div>',
        "tree/": "总分 <strong>93.13</strong> / 100",
        "indicators/": '<strong id="total-score">93.13</strong>',
        "monitoring/6/": '<div class="value" id="execution">80.30%</div>',
    }
    for path, figure in pages.items():
        response = client.get(f"/evaluations/{demo.pk}/{path}")
        assert response.status_code == 200, path
        page = response.content.decode()
        assert figure in page, path
        shown = banner(page)
        assert "<h2>数据尚有 1 个问题未解决</h2>" in shown, path
        assert problem in shown, path
    assert client.get(link.split("#")[0]).status_code == 200  # the link opens the row's form

    result = client.get(f"/api/evaluations/{demo.pk}/evaluation/")
    assert result.status_code == 200
    body = result.json()
    assert (body["total"], body["grade"], body["draft"]) == (
        {"score": "93.13", "max": "100"},
        "优",
        True,
    )
    assert body["problems"][0] == {
        "code": "E-BUDGET-TOTAL",
        "severity": "error",
        "location": "预算 第 1 行",
        "message": MISMATCH,
        "table": "budget_lines",
        "row": line.pk,
        "column": "adjusted_wan",
    }
    assert [p["severity"] for p in body["problems"][1:]] == ["warning"] * 3
    month = client.get(f"/api/evaluations/{demo.pk}/monitoring/6/")
    assert month.status_code == 200 and month.json()["draft"] is True
    assert [p["code"] for p in month.json()["problems"]] == ["E-BUDGET-TOTAL"]

    # a division filler reads no budget line: the problem is counted, not shown (issue 10,
    # item 7), and the score is the department's
    division = client_for("demo-division").get(f"/evaluations/{demo.pk}/").content.decode()
    assert '<div class="value" id="score">93.13</div>' in division
    assert "另有 1 条问题在本处室查看范围以外的记录中，由财务审核人处理。" in division
    assert MISMATCH not in division

    # fixed: the banner is gone, the API is final again
    fixed = client.patch(
        f"/api/evaluations/{demo.pk}/tables/budget_lines/{line.pk}/",
        {"cells": {"adjusted_wan": "256911.66"}},
        content_type="application/json",
    )
    assert fixed.status_code == 200 and fixed.json()["warnings"] == []
    assert 'id="problems"' not in client.get(f"/evaluations/{demo.pk}/").content.decode()
    body = client.get(f"/api/evaluations/{demo.pk}/evaluation/").json()
    assert body["draft"] is False and [p["severity"] for p in body["problems"]] == ["warning"] * 3


def test_item13_documents_made_while_errors_stand_are_drafts(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    line = break_a_budget_line(client, demo)
    base = f"/evaluations/{demo.pk}/download"
    dashboard = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert (
        '<p class="sub" id="draft-note">数据尚有问题未解决：报告和评分表将标为草稿。</p>'
        in dashboard
    )
    title = "广州市商务局 2023 年度部门整体支出绩效自评报告"
    listed = (
        f"{MARK}。本稿的数字按现有数据计算，仅供讨论；以下问题解决后须重新生成："
        f"预算 第 1 行：{MISMATCH}。"
    )

    html = client.get(f"{base}/report-html/")
    assert html.status_code == 200 and html["Content-Type"] == "text/html; charset=utf-8"
    page = html.content.decode()
    assert f"<title>【{MARK}】{title}</title>" in page and f"<h1>【{MARK}】{title}</h1>" in page
    assert f"<p>{listed}</p>" in page
    assert "部门整体支出绩效自评得分 93.13 分" in page

    word = client.get(f"{base}/report-docx/")
    assert word.status_code == 200
    document = docx.Document(io.BytesIO(word.content))
    assert [p.text for p in document.paragraphs[:2]] == [f"【{MARK}】{title}", listed]
    assert document.core_properties.title == f"【{MARK}】{title}"

    table = client.get(f"{base}/scoretable/")
    assert table.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(table.content))
    assert [sheet["A1"].value for sheet in book.worksheets] == [
        f"【{MARK}】广州市商务局 2023 年度部门整体支出绩效自评表"
    ] * 2

    workbook = client.get(f"{base}/workbook/")  # the data themselves: never marked
    assert workbook.status_code == 200
    cells = openpyxl.load_workbook(io.BytesIO(workbook.content)).worksheets
    assert not any(
        "草稿" in str(cell.value) for sheet in cells for row in sheet.iter_rows() for cell in row
    )

    monthly = f"/evaluations/{demo.pk}/monitoring/6/download"
    bulletin = client.get(f"{monthly}/bulletin-html/").content.decode()
    assert f"<h1>【{MARK}】广州市商务局2023年6月预算执行与绩效监控通报</h1>" in bulletin
    review = client.get(f"{monthly}/review-xlsx/")
    sheet = openpyxl.load_workbook(io.BytesIO(review.content)).active
    assert sheet is not None
    assert sheet["A1"].value == f"【{MARK}】广州市商务局2023年绩效监控表（截至6月）"

    client.patch(
        f"/api/evaluations/{demo.pk}/tables/budget_lines/{line.pk}/",
        {"cells": {"adjusted_wan": "256911.66"}},
        content_type="application/json",
    )
    final = client.get(f"{base}/report-html/").content.decode()
    assert f"<h1>{title}</h1>" in final and "草稿" not in final
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/scoretable/").content))
    assert book.worksheets[0]["A1"].value == "广州市商务局 2023 年度部门整体支出绩效自评表"


def test_item13_the_year_is_not_reviewed_while_errors_stand(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    finance = client_for("demo-finance")
    line = break_a_budget_line(finance, demo)
    SelfEvaluation.objects.filter(pk=demo.pk).update(status=Status.DIVISIONS_SUBMITTED)
    refused = finance.post(f"/evaluations/{demo.pk}/steps/review/", follow=True)
    assert (
        "数据尚有 1 个问题未解决，不能审核通过；请退回填报中修改（问题见本页）"
        in refused.content.decode()
    )
    demo.refresh_from_db()
    assert demo.status == Status.DIVISIONS_SUBMITTED
    SelfEvaluation.objects.filter(pk=demo.pk).update(status=Status.APPROVED)
    leader = client_for("demo-leader")
    sent = leader.post(f"/evaluations/{demo.pk}/steps/send/", follow=True)
    assert "数据尚有 1 个问题未解决，不能报送财政局" in sent.content.decode()
    demo.refresh_from_db()
    assert demo.status == Status.APPROVED

    SelfEvaluation.objects.filter(pk=demo.pk).update(status=Status.DRAFTING)
    finance.patch(
        f"/api/evaluations/{demo.pk}/tables/budget_lines/{line.pk}/",
        {"cells": {"adjusted_wan": "256911.66"}},
        content_type="application/json",
    )
    SelfEvaluation.objects.filter(pk=demo.pk).update(status=Status.DIVISIONS_SUBMITTED)
    assert finance.post(f"/evaluations/{demo.pk}/steps/review/").status_code == 302
    demo.refresh_from_db()
    assert demo.status == Status.FINANCE_REVIEWED


def test_item13_without_a_data_set_the_pages_say_so(client_for, demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The database always holds the department row, so a data set is always assembled; should
    that ever fail, the pages say so plainly instead of showing an empty dashboard."""
    missing = Problem("E-REQUIRED", "缺少部门信息", SourceLocation("数据库", sheet="部门"))
    monkeypatch.setattr(
        "jixiao.web.services.read_stored", lambda _record, **_: Stored(None, [missing], "", {})
    )
    refresh(demo)
    client = client_for("demo-finance")
    page = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert (
        "<p>数据无法汇总成数据集，暂不能评分和生成文件。 点击位置可打开要修改的记录。</p>" in page
    )
    assert (
        '<li class="error"><code>E-REQUIRED</code> <span class="place">部门</span> '
        '<span class="message" lang="zh-Hans">缺少部门信息</span></li>' in page
    )
    assert 'id="score"' not in page and "/download/" not in page
    assert client.get(f"/evaluations/{demo.pk}/tree/").status_code == 200
    result = client.get(f"/api/evaluations/{demo.pk}/evaluation/")
    assert result.status_code == 422
    assert result.json()["detail"] == "数据无法汇总成数据集，暂不能评分"
    download = client.get(f"/evaluations/{demo.pk}/download/workbook/", follow=True)
    assert "数据无法汇总成数据集，暂不能生成文件；问题见本页。" in download.content.decode()
