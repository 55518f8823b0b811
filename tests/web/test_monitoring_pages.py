"""The monitoring page per month, its downloads, the warnings on the dashboard, and the
divisions' forecasts entered through the 指标监控 ledger."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest

from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Indicator

pytestmark = pytest.mark.django_db


def test_the_june_page(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    page = client_for("demo-leader").get(f"/evaluations/{demo.pk}/monitoring/6/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<div class="value" id="execution">80.33%</div>' in html
    assert '<strong id="time-progress">50.00%</strong>' in html
    assert '<div class="value" id="average">52.99%</div>' in html
    assert "按此进度“部门预算资金支出率”得 2.65 / 5 分" in html
    behind = page.context["behind"]
    assert [p.code for p in behind][:2] == ["P06", "P07"] and len(behind) == 10
    assert (
        '<td class="number gap">50.00</td>' in html and '<td class="number gap">4.90</td>' in html
    )
    assert "月度支出含重构值" in html and "<svg" in html


def test_the_page_without_a_month_goes_to_december_of_a_past_year(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    response = client_for("demo-finance").get(f"/evaluations/{demo.pk}/monitoring/")
    assert response["Location"] == f"/evaluations/{demo.pk}/monitoring/12/"
    assert (
        client_for("demo-finance").get(f"/evaluations/{demo.pk}/monitoring/13/").status_code == 404
    )


def test_the_dashboard_shows_the_warnings(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    html = client_for("demo-division").get(f"/evaluations/{demo.pk}/").content.decode()
    assert "预警（截至 12 月末）" in html
    assert (
        "项目“中央外经贸发展专项资金”累计执行率 0.00%，低于序时进度（100.00%）100.00 个百分点"
        in html
    )


def test_bulletin_and_review_downloads(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    base = f"/evaluations/{demo.pk}/monitoring/6/download"
    word = client.get(f"{base}/bulletin-docx/")
    assert word.status_code == 200
    assert "%E5%B9%BF%E5%B7%9E" in word["Content-Disposition"]  # 广州…, in Chinese
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "广州市商务局2023年6月预算执行与绩效监控通报" in text
    review = client.get(f"{base}/review-xlsx/")
    sheet = openpyxl.load_workbook(io.BytesIO(review.content)).active
    assert sheet is not None and sheet["A2"].value == "指标编码"
    assert client.get(f"{base}/nothing/").status_code == 404


def test_a_division_enters_a_forecast_and_the_review_shows_it(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")  # 对外贸易处
    url = f"/evaluations/{demo.pk}/data/forecasts/new/"
    foreign = Indicator.objects.get(evaluation=demo, code="I201")  # 消费促进处's
    refused = client.post(url, {"indicator": foreign.code, "month": "6", "forecast": "3"})
    assert refused.status_code == 400
    # refused at the indicator, without naming another division's indicator (issue 10, item 7)
    assert refused.context["form"].errors["indicator"] == ["“指标编码”须为本处室的编码，“I201”不是"]
    assert "社会消费品零售总额增长率" not in refused.content.decode()
    saved = client.post(
        url,
        {
            "indicator": "I101",
            "month": "6",
            "to_date": "8",
            "forecast": "14",
            "reason": "部分措施待市政府审议",
            "action": "加快报审",
        },
    )
    assert saved.status_code == 302
    html = client.get(f"/evaluations/{demo.pk}/monitoring/6/").content.decode()
    assert (
        "出台促进跨境贸易便利化措施：目标 ≥15条，全年预计 14条，预计完成率 93.33%，轻微偏差" in html
    )
    assert "加快报审" in html
    may = client.get(f"/evaluations/{demo.pk}/monitoring/5/").content.decode()
    assert "截至 5 月末没有指标监控记录" in may


def test_the_api_gives_the_month(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-bureau")
    june = client.get(f"/api/evaluations/{demo.pk}/monitoring/6/").json()
    assert (june["execution_rate"], june["time_progress"]) == ("80.33", "50.00")
    assert june["annual_average_execution_rate"] == "52.99"
    assert june["annual_average_score"] == {
        "node": "部门预算资金支出率",
        "score": "2.65",
        "max": "5",
    }
    assert client.get(f"/api/evaluations/{demo.pk}/monitoring/0/").status_code == 404
