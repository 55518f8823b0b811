"""Filling indicators within a division, and the workflow with its returns and locks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import DivisionSubmission, SelfEvaluation, Status
from jixiao.web.records.models import Indicator

pytestmark = pytest.mark.django_db


def indicator(demo: SelfEvaluation, code: str) -> Indicator:
    return Indicator.objects.get(evaluation=demo, code=code)


def test_a_division_fills_its_own_indicator_and_the_score_changes(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")
    target = indicator(demo, "I102")  # 跨境电商进出口金额, 对外贸易处
    page = client.get(f"/evaluations/{demo.pk}/indicators/").content.decode()
    assert "跨境电商进出口金额" in page and "社会消费品零售总额增长率" not in page  # other division
    response = client.post(
        f"/evaluations/{demo.pk}/indicators/{target.pk}/",
        {"actual": "1900", "reason": "以海关年报为准"},
        follow=True,
    )
    assert "已保存“跨境电商进出口金额”的实际完成值，当前总分 93.63。" in response.content.decode()
    event = AuditEvent.objects.get(action="修改指标实际完成值")
    assert (event.actor_name, event.before, event.after, event.reason) == (
        "demo-division",
        {"实际完成值": "2004.7"},
        {"实际完成值": "1900"},
        "以海关年报为准",
    )


def test_bad_input_is_refused_with_the_reason(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")
    target = indicator(demo, "I102")
    response = client.post(f"/evaluations/{demo.pk}/indicators/{target.pk}/", {"actual": "两千"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="两千"' in page and 'aria-invalid="true"' in page
    assert '<div class="field-error" id="error-I102">“实际完成值”不是有效数字：“两千”</div>' in page
    assert indicator(demo, "I102").actual == "2004.7"


def test_another_divisions_indicator_cannot_be_changed(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    other = indicator(demo, "I201")  # 消费促进处
    response = client_for("demo-division").post(
        f"/evaluations/{demo.pk}/indicators/{other.pk}/", {"actual": "1"}, follow=True
    )
    assert "未保存：没有这个指标，或您无权修改" in response.content.decode()
    assert indicator(demo, "I201").actual == "6.7"


def status(demo: SelfEvaluation) -> str:
    return SelfEvaluation.objects.get(pk=demo.pk).status


def test_each_division_submits_its_own_part(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    trade, consumption = client_for("demo-division"), client_for("demo-division2")
    page = trade.post(f"/evaluations/{demo.pk}/steps/submit/", follow=True).content.decode()
    assert "已提交对外贸易处的数据；其他处室提交后进入“处室已提交”。" in page
    assert status(demo) == Status.DRAFTING
    assert 'value="submit"' not in page  # submitted: only a return opens it again
    locked = trade.post(
        f"/evaluations/{demo.pk}/indicators/{indicator(demo, 'I102').pk}/",
        {"actual": "1"},
        follow=True,
    ).content.decode()
    assert "本处室已提交，数据已锁定；财务退回后才能修改" in locked
    new_row = trade.get(f"/evaluations/{demo.pk}/data/forecasts/new/", follow=True)
    assert "本处室已提交，数据已锁定；财务退回后才能修改" in new_row.content.decode()
    own = indicator(demo, "I201")  # 消费促进处 is still filling
    assert own.division is not None and own.division.name == "消费促进处"
    consumption.post(f"/evaluations/{demo.pk}/indicators/{own.pk}/", {"actual": "1"})
    assert indicator(demo, "I201").actual == "1"
    event = AuditEvent.objects.get(action="处室提交")
    assert event.after == {"处室": "对外贸易处", "已提交处室": "1/2"}
    consumption.post(f"/evaluations/{demo.pk}/steps/submit/")
    assert status(demo) == Status.DIVISIONS_SUBMITTED
    actions = [e.action for e in AuditEvent.objects.order_by("id")][-4:]
    assert actions == ["处室提交", "修改指标实际完成值", "处室提交", "提交"]
    year_locked = consumption.post(
        f"/evaluations/{demo.pk}/indicators/{own.pk}/", {"actual": "2"}, follow=True
    ).content.decode()
    assert "年度绩效自评“处室已提交”，数据已锁定；退回后才能修改" in year_locked


def test_finance_returns_one_division_with_a_reason(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    trade, finance = client_for("demo-division"), client_for("demo-finance")
    trade.post(f"/evaluations/{demo.pk}/steps/submit/")
    dashboard = finance.get(f"/evaluations/{demo.pk}/").content.decode()
    assert "处室提交情况" in dashboard and "退回处室" in dashboard
    division = DivisionSubmission.objects.get(evaluation=demo).division
    url = f"/evaluations/{demo.pk}/steps/return_division/"
    no_reason = finance.post(url, {"division": division.pk, "reason": " "}, follow=True)
    assert "退回必须填写理由" in no_reason.content.decode()
    no_division = finance.post(url, {"reason": "x"}, follow=True)
    assert "请选择一个已提交的处室" in no_division.content.decode()
    done = finance.post(
        url, {"division": division.pk, "reason": "I102 请补充偏差原因"}, follow=True
    )
    assert "已退回对外贸易处。" in done.content.decode()
    assert not DivisionSubmission.objects.exists() and status(demo) == Status.DRAFTING
    seen = trade.get(f"/evaluations/{demo.pk}/").content.decode()
    assert 'id="returned"' in seen and "已退回对外贸易处" in seen and "I102 请补充偏差原因" in seen
    other = client_for("demo-division2").get(f"/evaluations/{demo.pk}/").content.decode()
    assert 'id="returned"' not in other  # not this division's return
    trade.post(
        f"/evaluations/{demo.pk}/indicators/{indicator(demo, 'I102').pk}/", {"actual": "1900"}
    )
    assert indicator(demo, "I102").actual == "1900"
    trade.post(f"/evaluations/{demo.pk}/steps/submit/")
    assert 'id="returned"' not in trade.get(f"/evaluations/{demo.pk}/").content.decode()


def test_a_return_to_filling_unlocks_every_division(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    trade, consumption = client_for("demo-division"), client_for("demo-division2")
    finance = client_for("demo-finance")
    for client in (trade, consumption):
        client.post(f"/evaluations/{demo.pk}/steps/submit/")
    assert status(demo) == Status.DIVISIONS_SUBMITTED
    no_reason = finance.post(
        f"/evaluations/{demo.pk}/steps/return/", {"reason": " "}, follow=True
    ).content.decode()
    assert "退回必须填写理由" in no_reason
    finance.post(f"/evaluations/{demo.pk}/steps/return/", {"reason": "指标偏差原因均需补充"})
    assert status(demo) == Status.DRAFTING and not DivisionSubmission.objects.exists()
    for client in (trade, consumption):
        seen = client.get(f"/evaluations/{demo.pk}/").content.decode()
        assert "指标偏差原因均需补充" in seen and 'value="submit"' in seen


def test_finance_closes_the_filling_for_a_late_division(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client_for("demo-division").post(f"/evaluations/{demo.pk}/steps/submit/")
    finance = client_for("demo-finance")
    unexplained = finance.post(f"/evaluations/{demo.pk}/steps/submit/", follow=True)
    assert "消费促进处尚未提交；汇总提交须说明理由" in unexplained.content.decode()
    assert status(demo) == Status.DRAFTING
    page = finance.post(
        f"/evaluations/{demo.pk}/steps/submit/",
        {"reason": "消费促进处数据已由财务处代填"},
        follow=True,
    )
    assert "状态已变为“处室已提交”。" in page.content.decode()
    assert status(demo) == Status.DIVISIONS_SUBMITTED
    assert AuditEvent.objects.order_by("-id").first().action == "汇总提交"  # type: ignore[union-attr]


def test_steps_belong_to_roles(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    for username in ("demo-leader", "demo-bureau", "demo-admin"):
        client_for(username).post(f"/evaluations/{demo.pk}/steps/submit/")
    page = (
        client_for("demo-division")
        .post(f"/evaluations/{demo.pk}/steps/review/", follow=True)
        .content.decode()
    )
    assert "您不能执行此操作" in page
    assert status(demo) == Status.DRAFTING and not DivisionSubmission.objects.exists()
    assert Decimal(indicator(demo, "I102").points) == Decimal("1")


def test_htmx_gets_the_row_and_the_new_total(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")
    target = indicator(demo, "I102")
    url = f"/evaluations/{demo.pk}/indicators/{target.pk}/"
    refused = client.post(url, {"actual": "两千"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    row = refused.content.decode()
    assert row.startswith('<tr id="indicator-I102">') and "<html" not in row
    assert "“实际完成值”不是有效数字：“两千”" in row and 'value="两千"' in row
    saved = client.post(url, {"actual": "1900"}, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    row = saved.content.decode()
    assert '<span hx-swap-oob="innerHTML:#total-score">93.63</span>' in row
    assert "已保存“跨境电商进出口金额”的实际完成值，当前总分 93.63。" in row
    assert not list(saved.wsgi_request._messages)  # type: ignore[attr-defined]  # said in the row
    demo.status = "divisions_submitted"
    demo.save()
    locked = client.post(url, {"actual": "1"}, headers={"HX-Request": "true"})
    assert locked["HX-Redirect"] == f"/evaluations/{demo.pk}/indicators/"
