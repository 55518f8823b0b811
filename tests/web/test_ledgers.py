"""The ledgers: every table of the data set listed, and each row changed through a form that
checks it with the table's own schema, refuses at the field, and is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import SelfEvaluation, Status
from jixiao.web.records.models import BudgetLine, Contract, IndicatorForecast, Project

from ..test_workbook import TABLE_SHEETS

pytestmark = pytest.mark.django_db


def project(demo: SelfEvaluation, code: str) -> Project:
    return Project.objects.get(evaluation=demo, code=code)


def form_of(client: Client, url: str) -> dict[str, str]:
    """The fields of the form at ``url`` as the page fills them in."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields if not form[name].field.disabled}


def test_the_data_page_lists_every_table_for_the_finance_reviewer(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    page = client_for("demo-finance").get(f"/evaluations/{demo.pk}/data/")
    titles = [ledger.title for ledger, *_ in page.context["ledgers"]]
    assert titles == TABLE_SHEETS  # every table, in the order of the workbook
    counts = {ledger.key: count for ledger, _, count, _ in page.context["ledgers"]}
    assert counts["projects"] == 53 and counts["budget_lines"] == 2


def test_a_division_sees_only_its_own_rows_of_its_three_tables(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division2")  # 消费促进处
    page = client.get(f"/evaluations/{demo.pk}/data/")
    assert [ledger.key for ledger, *_ in page.context["ledgers"]] == [
        "key_tasks",
        "projects",
        "indicators",
        "spending_plans",
        "forecasts",
    ]
    listed = client.get(f"/evaluations/{demo.pk}/data/projects/").content.decode()
    assert "P17" in listed and "P01" not in listed  # P01 is 口岸管理处's
    assert client.get(f"/evaluations/{demo.pk}/data/budget_lines/").status_code == 404
    foreign = project(demo, "P01")
    assert client.get(f"/evaluations/{demo.pk}/data/projects/{foreign.pk}/").status_code == 404


def test_the_ledger_marks_reconstructed_values(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    page = client_for("demo-finance").get(f"/evaluations/{demo.pk}/data/projects/")
    rows = {row.code: cells for row, cells in page.context["rows"]}
    columns = [c.key for c in page.context["columns"]]
    name, source = columns.index("name"), columns.index("funding_source")
    assert rows["P01"][name] == ("商务经济与社会发展项目白云机场口岸查验部门综合性补助经费", False)
    assert rows["P01"][source] == ("city", True)


def test_the_finance_office_changes_a_projects_spending_and_the_change_is_audited(  # type: ignore[no-untyped-def]
    client_for, demo
) -> None:
    client = client_for("demo-finance")
    target = project(demo, "P18")  # 7200 万元 budget, 6000 spent
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    fields = form_of(client, url)
    assert fields["adjusted_budget_wan"] == "7200" and fields["m01_yuan"] != ""
    months = {f"m{m:02d}_yuan": "0" for m in range(1, 13)} | {"m12_yuan": "70000000"}
    fields |= {"spent_wan": "7000", **months, "reason": "补录 12 月支付"}
    response = client.post(url, fields, follow=True)
    assert response.status_code == 200
    assert "已保存项目“P18" in response.content.decode()
    target.refresh_from_db()
    assert str(target.spent) == "70000000.00"
    assert target.reconstructed == "division;funding_source;key_task"  # monthly_spent is real now
    event = AuditEvent.objects.get(action="修改项目")
    assert event.actor_name == "demo-finance" and event.reason == "补录 12 月支付"
    assert event.before["支出金额（万元）"] == "6000"
    assert event.after["支出金额（万元）"] == "7000"
    assert event.after["12月支出（元）"] == "70000000.00"
    assert event.after["重构字段"] == "责任处室、资金来源编码、重点任务编码"


def test_a_bad_row_is_refused_at_each_field_and_nothing_is_written(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    target = project(demo, "P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    before = (Project.objects.filter(evaluation=demo).count(), AuditEvent.objects.count())
    fields = form_of(client, url) | {"name": "", "adjusted_budget_wan": "七千二", "m03_yuan": ""}
    response = client.post(url, fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["“项目名称”为必填项，不能为空"]
    assert errors["adjusted_budget_wan"] == ["“年度预算（万元）”不是有效数字：“七千二”"]
    assert errors["m03_yuan"] == ["月度支出须 12 个月全部填写（无支出填 0），缺：3月"]
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and 'value="七千二"' in page
    target.refresh_from_db()
    assert str(target.adjusted_budget) == "72000000.00" and target.name != ""
    assert (Project.objects.filter(evaluation=demo).count(), AuditEvent.objects.count()) == before


def test_errors_of_the_row_found_in_the_whole_data_set_refuse_it(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    target = project(demo, "P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    fields = form_of(client, url) | {"code": "P17", "spent_wan": "8000"}
    response = client.post(url, fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["code"] == ["项目编码“P17”重复（又见 项目 第 17 行）"]
    assert errors["spent_wan"] == [
        "项目“商务经济与社会发展项目促进消费提档升级汽车以旧换新”支出 8000.00 万元超过年度预算 "
        "7200.00 万元"
    ]
    target.refresh_from_db()
    assert target.code == "P18"


def test_a_change_that_another_row_must_follow_is_saved_and_reported(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    target = project(demo, "P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    response = client.post(url, form_of(client, url) | {"adjusted_budget_wan": "7300"}, follow=True)
    page = response.content.decode()
    assert "已保存项目" in page
    assert "尚待处理：预算 第 1 行：资金来源“市本级”的项目年度预算合计 256911.66 万元" in page
    line = BudgetLine.objects.get(evaluation=demo, funding_source="city")
    line_url = f"/evaluations/{demo.pk}/data/budget_lines/{line.pk}/"
    fixed = client.post(line_url, form_of(client, line_url) | {"adjusted_wan": "256911.66"})
    assert fixed.status_code == 302
    dashboard = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert "E-BUDGET-TOTAL" not in dashboard


def test_a_division_creates_a_forecast_in_its_own_division(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division2")  # 消费促进处
    url = f"/evaluations/{demo.pk}/data/forecasts/new/"
    fields = form_of(client, url)
    fields |= {
        "indicator": "I201",
        "month": "6",
        "forecast": "6.8",
        "division": "对外贸易处",  # ignored: a division files only its own
    }
    response = client.post(url, fields)
    assert response.status_code == 302
    created = IndicatorForecast.objects.get(evaluation=demo, indicator="I201")
    assert created.division is not None and created.division.name == "消费促进处"
    assert created.position == 1 and created.reconstructed == ""
    event = AuditEvent.objects.get(action="新增指标监控")
    assert event.before is None and event.after["全年预计完成值"] == "6.8"


def test_deleting_needs_a_reason_and_reports_what_it_leaves(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    line = BudgetLine.objects.get(evaluation=demo, funding_source="transfer")
    url = f"/evaluations/{demo.pk}/data/budget_lines/{line.pk}/delete/"
    refused = client.post(url, {"reason": " "}, follow=True)
    assert "未删除：删除记录必须填写理由" in refused.content.decode()
    assert BudgetLine.objects.filter(pk=line.pk).exists()
    response = client.post(url, {"reason": "并入市本级"}, follow=True)
    page = response.content.decode()
    assert "已删除预算“transfer 转移支付”。" in page
    assert "的资金来源“transfer”不存在" in page
    assert not BudgetLine.objects.filter(pk=line.pk).exists()
    event = AuditEvent.objects.get(action="删除预算")
    assert event.before["资金来源"] == "转移支付" and event.reason == "并入市本级"


def test_dates_are_checked(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    contract = Contract.objects.filter(evaluation=demo).first()
    assert contract is not None
    url = f"/evaluations/{demo.pk}/data/contracts/{contract.pk}/"
    response = client.post(url, form_of(client, url) | {"signed_on": "2023-02-30"})
    assert response.status_code == 400
    assert response.context["form"].errors["signed_on"] == [
        "“签订日期”应为日期（如 2023-05-06），实际是“2023-02-30”"
    ]


def test_nothing_changes_while_locked(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    SelfEvaluation.objects.filter(pk=demo.pk).update(status=Status.DIVISIONS_SUBMITTED)
    target = project(demo, "P18")
    url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
    fields = form_of(client, url)
    assert fields == {}  # read-only: every field is disabled
    response = client.post(url, {"name": "改名"}, follow=True)
    assert "数据已锁定" in response.content.decode()
    target.refresh_from_db()
    assert target.name != "改名"
    assert client.get(f"/evaluations/{demo.pk}/data/projects/new/").status_code == 302


def test_readers_see_rows_but_cannot_change_them(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    target = project(demo, "P18")
    for username in ("demo-leader", "demo-bureau"):
        client = client_for(username)
        url = f"/evaluations/{demo.pk}/data/projects/{target.pk}/"
        page = client.get(url)
        assert page.status_code == 200 and "保存</button>" not in page.content.decode()
        assert client.post(url, {"name": "改名"}).status_code == 404
        assert client.get(f"/evaluations/{demo.pk}/data/projects/new/").status_code == 404
    target.refresh_from_db()
    assert target.name != "改名"


def test_the_form_names_the_reconstructed_fields(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    target = project(demo, "P18")
    page = client_for("demo-finance").get(f"/evaluations/{demo.pk}/data/projects/{target.pk}/")
    assert page.context["reconstructed"] == [
        "资金来源编码",
        "重点任务编码",
        "责任处室",
        "1月支出（元）至12月支出（元）",
    ]
