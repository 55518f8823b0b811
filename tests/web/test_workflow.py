"""Filling indicators within a division, and the workflow with its returns and locks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import SelfEvaluation, Status
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


def test_submit_return_with_reason_and_the_lock(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    division, finance = client_for("demo-division"), client_for("demo-finance")
    page = division.post(f"/evaluations/{demo.pk}/steps/submit/", follow=True).content.decode()
    assert "已处室已提交。" in page or "处室已提交" in page
    assert SelfEvaluation.objects.get(pk=demo.pk).status == Status.DIVISIONS_SUBMITTED
    target = indicator(demo, "I102")
    locked = division.post(
        f"/evaluations/{demo.pk}/indicators/{target.pk}/", {"actual": "1"}, follow=True
    ).content.decode()
    assert "数据已锁定；退回后才能修改" in locked
    no_reason = finance.post(
        f"/evaluations/{demo.pk}/steps/return/", {"reason": " "}, follow=True
    ).content.decode()
    assert "退回必须填写理由" in no_reason
    finance.post(f"/evaluations/{demo.pk}/steps/return/", {"reason": "I102 缺少偏差原因"})
    assert SelfEvaluation.objects.get(pk=demo.pk).status == Status.DRAFTING
    seen = division.get(f"/evaluations/{demo.pk}/").content.decode()
    assert "I102 缺少偏差原因" in seen and 'id="returned"' in seen
    assert [e.action for e in AuditEvent.objects.order_by("id")][-2:] == ["提交", "退回"]


def test_steps_belong_to_roles(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    page = (
        client_for("demo-finance")
        .post(f"/evaluations/{demo.pk}/steps/submit/", follow=True)
        .content.decode()
    )
    assert "您不能执行此操作" in page
    assert SelfEvaluation.objects.get(pk=demo.pk).status == Status.DRAFTING
    assert (
        client_for("demo-bureau").post(f"/evaluations/{demo.pk}/steps/submit/").status_code == 302
    )
    assert SelfEvaluation.objects.get(pk=demo.pk).status == Status.DRAFTING
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
