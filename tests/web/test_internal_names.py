"""Internal names never reach a user (issue 10, item 20): reconstructed fields by their column
labels, problems with their code and every surrounding word translated, rows named by code and
name, and a form that answers differently for saved and refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jixiao.web.audit.models import AuditEvent
from jixiao.web.records.models import BudgetLine, Expense, Indicator, Project

pytestmark = pytest.mark.django_db

CHECKBOX = re.compile(
    r'<input type="checkbox" name="reconstructed" value="([^"]+)"[^>]*?( checked)?>'
    r"\s*([^<]+)</label>"
)


def ticks(page: str) -> list[tuple[str, bool]]:
    """The reconstructed-field boxes of a row's form: (label, ticked)."""
    return [(label.strip(), bool(checked)) for _, checked, label in CHECKBOX.findall(page)]


def form_of(client: Client, url: str) -> dict[str, object]:
    form = client.get(url).context["form"]
    return {n: form[n].value() or "" for n in form.fields if not form[n].field.disabled}


def test_item20_the_form_shows_the_reconstructed_fields_by_their_labels(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    target = Project.objects.get(evaluation=demo, code="P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    client = client_for("demo-finance")
    page = client.get(url).content.decode()
    assert "division;funding_source" not in page
    assert "<legend>重构字段</legend>" in page
    assert ticks(page) == [
        ("整行（所有字段）", False),
        ("项目编码", False),
        ("项目名称", False),
        ("支出分组", False),
        ("资金来源编码", True),
        ("重点任务编码", True),
        ("专项资金", False),
        ("责任处室", True),
        ("年度预算（万元）", False),
        ("支出金额（万元）", False),
        ("1月支出（元）至12月支出（元）", True),
        ("年初预算（万元）", False),
        ("实施单位", False),
        ("年度总体目标", False),
        ("目标实际完成情况", False),
        ("来源说明", False),
    ]
    fields = form_of(client, url)
    fields["reconstructed"] = ["funding_source", "key_task", "monthly_spent"]  # 责任处室 is real
    assert client.post(url, fields).status_code == 302
    target.refresh_from_db()
    assert target.reconstructed == "funding_source;key_task;monthly_spent"
    event = AuditEvent.objects.get(action="修改项目")
    assert (event.before, event.after) == (
        {"重构字段": "责任处室、资金来源编码、重点任务编码、1月支出（元）至12月支出（元）"},
        {"重构字段": "资金来源编码、重点任务编码、1月支出（元）至12月支出（元）"},
    )

    reader = client_for("demo-leader").get(url).content.decode()  # read only: boxes shown, fixed
    assert ("责任处室", False) in ticks(reader) and ("资金来源编码", True) in ticks(reader)
    assert re.search(r'value="funding_source"[^>]* disabled[^>]*checked', reader)


def test_item20_problems_in_english_show_their_code_and_translated_places(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    target = Project.objects.get(evaluation=demo, code="P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    saved = client.post(url, form_of(client, url) | {"adjusted_budget_wan": "7300"}, follow=True)
    assert (
        '<li class="warning">Still to resolve: 预算 row 1: 资金来源“市本级”的项目年度预算合计 '
        "256911.66 万元与年度预算 256811.66 万元不一致</li>"
    ) in saved.content.decode()
    line = BudgetLine.objects.get(evaluation=demo, funding_source="city")
    page = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert "<h2>The data still have 1 unresolved problem</h2>" in page
    assert (
        f'<li class="error"><code>E-BUDGET-TOTAL</code> <a href="/evaluations/{demo.pk}/data/'
        f'budget_lines/{line.pk}/#id_adjusted_wan">预算 row 1 · 年度预算（万元）</a> '
        '<span class="message" lang="zh-Hans">资金来源“市本级”的项目年度预算合计 256911.66 '
        "万元与年度预算 256811.66 万元不一致</span></li>"
    ) in page
    assert (
        '<li class="warning"><code>W-PUBLISHED-INCONSISTENT</code> <span class="place">'
        "广州市商务局 2023 年部门整体支出绩效自评报告</span> "
        '<span class="message" lang="zh-Hans">重点任务“创新推动贸易高质量发展”：报告称 2 个指标'
    ) in page
    assert "第 1 行" not in page
    assert "<h2>Notices</h2>" in page and "<h2>提示</h2>" not in page


def test_item20_a_saved_row_is_named_by_its_code_and_name(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    target = Project.objects.get(evaluation=demo, code="P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    saved = client.post(url, form_of(client, url) | {"name": "汽车以旧换新"}, follow=True)
    assert "已保存项目“P18 汽车以旧换新”。" in saved.content.decode()
    assert (
        AuditEvent.objects.get(action="修改项目").target
        == "广州市商务局 2023 年度 项目 P18 汽车以旧换新"
    )
    carryover = Expense.objects.get(evaluation=demo, item="carryover")
    url = f"/evaluations/{demo.pk}/data/expenses/{carryover.pk}/"
    saved = client.post(url, form_of(client, url) | {"note": "决算数"}, follow=True)
    assert "已保存结转与经费“结转结余”。" in saved.content.decode()


def test_item20_the_indicator_form_answers_saved_and_refused_differently(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")  # 对外贸易处
    own = Indicator.objects.get(evaluation=demo, code="I102")
    other = Indicator.objects.get(evaluation=demo, code="I201")  # 消费促进处
    url = f"/evaluations/{demo.pk}/indicators/{{}}/"

    saved = client.post(url.format(own.pk), {"actual": "1900"})
    assert (saved.status_code, saved["Location"]) == (302, f"/evaluations/{demo.pk}/indicators/")
    assert client.post(url.format(own.pk), {"actual": "两千"}).status_code == 400

    hidden = client.post(url.format(other.pk), {"actual": "1"})
    assert hidden.status_code == 404
    assert '<li class="error">未保存：没有这个指标，或您无权修改</li>' in hidden.content.decode()

    assert client.post(f"/evaluations/{demo.pk}/steps/submit/").status_code == 302
    locked = client.post(url.format(own.pk), {"actual": "2000"})
    assert locked.status_code == 409
    page = locked.content.decode()
    assert '<li class="error">未保存：本处室已提交，数据已锁定；财务退回后才能修改</li>' in page
    assert '<strong id="total-score">93.63</strong>' in page  # the page, not an error page
    swapped = client.post(url.format(own.pk), {"actual": "2000"}, HTTP_HX_REQUEST="true")
    assert (swapped.status_code, swapped["HX-Redirect"]) == (
        200,
        f"/evaluations/{demo.pk}/indicators/",
    )
    assert Indicator.objects.get(pk=own.pk).actual == "1900"
