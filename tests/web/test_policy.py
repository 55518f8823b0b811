"""One access policy, one status per refusal, one factory per audit event (issue 11, items 4-6).

- The actor (the user's membership) is read once per request, however many permission
  questions a page asks.
- The same refusal answers the same status on every API path and on the pages: a lock 409
  (``E-LOCKED``), a field the user does not own 400 (``E-FIELD-OWNER``), invalid input 400
  with its problems, anything outside the scope 404.
- The audit actions keep the stored values the chain was signed with, and only the factories
  of ``audit/events.py`` append events.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from jixiao.web.audit.events import AuditAction, RowAction
from jixiao.web.errors import (
    Conflict,
    ErrorCode,
    FieldOwner,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    status_of,
)
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.pages.refusals import RefusalMiddleware
from jixiao.web.policy import Actor, actor_of
from jixiao.web.records.models import Indicator
from jixiao.web.workflow import STEPS

pytestmark = pytest.mark.django_db
WEB = Path(__file__).resolve().parents[2] / "src" / "jixiao" / "web"


def membership_queries(queries: list[dict[str, Any]]) -> list[str]:
    """The queries that read a user's membership: the membership table itself, or joined to the
    signed-in user (not those that join it to find the divisions with a filler)."""
    reading = (
        r'FROM "organizations_membership"'
        r'|FROM "auth_user" LEFT OUTER JOIN "organizations_membership"'
    )
    return [q["sql"] for q in queries if re.search(reading, q["sql"])]


@pytest.mark.parametrize("username", ["demo-finance", "demo-division", "demo-bureau"])
def test_a_dashboard_reads_the_membership_once(client_for, demo, username) -> None:  # type: ignore[no-untyped-def]
    client = client_for(username)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/evaluations/{demo.pk}/").status_code == 200
    assert len(membership_queries(captured.captured_queries)) == 1


@pytest.mark.parametrize(
    "path",
    ["evaluation/", "dataset/", "tables/", "tables/indicators/", "monitoring/6/"],
)
def test_an_api_call_reads_the_membership_once(client_for, demo, path) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/api/evaluations/{demo.pk}/{path}").status_code == 200
    assert len(membership_queries(captured.captured_queries)) == 1


@pytest.mark.usefixtures("demo")
def test_the_actor_is_built_once_per_request_and_again_for_another_user() -> None:
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="demo-finance")
    first = actor_of(request)
    assert actor_of(request) is first and first.role == "finance_reviewer"
    request.user = AnonymousUser()
    anonymous = actor_of(request)
    assert anonymous is not first and anonymous.member is None
    assert not anonymous.visible_evaluations().exists()


def test_each_refusal_has_one_status_and_code() -> None:
    expected = {
        NotFound: (404, ErrorCode.NOT_FOUND),
        Invalid: (400, ErrorCode.INVALID),
        FieldOwner: (400, ErrorCode.FIELD_OWNER),
        Locked: (409, ErrorCode.LOCKED),
        Forbidden: (409, ErrorCode.FORBIDDEN),
        Conflict: (409, ErrorCode.CONFLICT),
    }
    for kind, (status, code) in expected.items():
        refusal = kind("原因")
        assert (status_of(refusal), refusal.code) == (status, code)
        assert refusal.as_dict() == {"code": code.value, "detail": "原因", "problems": []}


# --- the same refusal, the same status on every path ------------------------------------------


def api_actual(client: Client, demo: SelfEvaluation, indicator: Indicator, actual: str) -> Any:
    return client.patch(
        f"/api/evaluations/{demo.pk}/indicators/{indicator.pk}/actual/",
        {"actual": actual, "reason": "测试"},
        content_type="application/json",
    )


def api_row(client: Client, demo: SelfEvaluation, indicator: Indicator, cells: Any) -> Any:
    return client.patch(
        f"/api/evaluations/{demo.pk}/tables/indicators/{indicator.pk}/",
        {"cells": cells, "reason": "测试"},
        content_type="application/json",
    )


def page_actual(client: Client, demo: SelfEvaluation, indicator: Indicator, actual: str) -> Any:
    return client.post(f"/evaluations/{demo.pk}/indicators/{indicator.pk}/", {"actual": actual})


def test_a_locked_indicator_answers_409_on_every_path(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    """It answered 400 through the indicator's own API endpoint and 409 through the table's."""
    division = client_for("demo-division")  # 对外贸易处
    own = Indicator.objects.get(evaluation=demo, code="I102")
    assert division.post(f"/evaluations/{demo.pk}/steps/submit/").status_code == 302
    answers = [
        api_actual(division, demo, own, "2000"),
        api_row(division, demo, own, {"actual": "1"}),
    ]
    assert [a.status_code for a in answers] == [409, 409]
    assert {a.json()["code"] for a in answers} == {"E-LOCKED"}
    assert {a.json()["detail"] for a in answers} == {"本处室已提交，数据已锁定；财务退回后才能修改"}
    assert page_actual(division, demo, own, "2000").status_code == 409

    finance = client_for("demo-finance")  # the whole year locked by 汇总提交
    taken = finance.post(f"/evaluations/{demo.pk}/steps/submit/", {"reason": "逾期"})
    assert taken.status_code == 302
    demo.refresh_from_db()
    assert demo.status == "divisions_submitted"
    base = f"/api/evaluations/{demo.pk}/tables/indicators/"
    answers = [
        api_actual(finance, demo, own, "2000"),
        api_row(finance, demo, own, {"target": "1"}),
        finance.post(base, {"cells": {"code": "I999"}}, content_type="application/json"),
        finance.delete(f"{base}{own.pk}/", {"reason": "x"}, content_type="application/json"),
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(409, "E-LOCKED")] * 4
    assert page_actual(finance, demo, own, "2000").status_code == 409
    assert Indicator.objects.get(pk=own.pk).actual == own.actual


def test_another_divisions_indicator_answers_404_on_every_path(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    division = client_for("demo-division")
    other = Indicator.objects.get(evaluation=demo, code="I201")  # 消费促进处
    answers = [
        api_actual(division, demo, other, "1"),
        api_row(division, demo, other, {"actual": "1"}),
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "E-NOT-FOUND")] * 2
    assert (
        division.get(f"/api/evaluations/{demo.pk}/tables/indicators/{other.pk}/").status_code == 404
    )
    assert page_actual(division, demo, other, "1").status_code == 404
    assert division.get(f"/evaluations/{demo.pk}/data/indicators/{other.pk}/").status_code == 404


def test_an_invalid_value_answers_400_with_its_problems_on_every_path(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    division = client_for("demo-division")
    own = Indicator.objects.get(evaluation=demo, code="I102")
    answers = [
        api_actual(division, demo, own, "两千"),
        api_row(division, demo, own, {"actual": "两千"}),
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(400, "E-INVALID")] * 2
    assert [[p["code"] for p in a.json()["problems"]] for a in answers] == [["E-NUMBER"]] * 2
    assert page_actual(division, demo, own, "两千").status_code == 400


def test_a_field_the_division_does_not_own_answers_400_on_every_path(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    division = client_for("demo-division")
    own = Indicator.objects.get(evaluation=demo, code="I102")
    answer = api_row(division, demo, own, {"target": "1"})
    assert (answer.status_code, answer.json()["code"]) == (400, "E-FIELD-OWNER")
    assert [p["code"] for p in answer.json()["problems"]] == ["E-FIELD-OWNER"]


# --- audit actions ----------------------------------------------------------------------------


def test_the_stored_actions_are_those_earlier_versions_wrote() -> None:
    """The chain's HMAC covers the action: changing a stored value would break every chain."""
    assert {a.value for a in AuditAction} == {
        "载入数据集",
        "更新数据集",
        "载入演示数据",
        "导入工作簿",
        "修改指标实际完成值",
        "处室提交",
        "退回处室",
        "提交",
        "汇总提交",
        "审核通过",
        "审定",
        "报送财政局",
        "退回",
        "财政局审核通过",
        "复核评分",
        "撤回复核评分",
        "设定同批部门截止",
        "下载",
        "导出审计日志",
        "提交后台任务",
        "新建用户",
        "修改用户",
        "登录",
        "登录失败",
        "登录锁定",
        "登录被拒（已锁定）",
        "新建部门",
        "修改部门",
        "新建部门分组",
        "修改部门分组",
        "导入部门名册",
        "指派复核人",
        "公布排名",
        "撤回公布的排名",
        "导出部门总览",
        "安装评价体系",
        "设置评价体系适用范围",
        "更换评价体系",
    }
    assert [RowAction.ADDED.on("项目"), RowAction.DELETED.on("指标")] == ["新增项目", "删除指标"]


def test_each_workflow_step_is_recorded_as_its_label() -> None:
    with translation.override("zh-hans"):
        assert [(str(s.label), s.audit.value) for s in STEPS] == [
            (str(s.label), str(s.label)) for s in STEPS
        ]


def test_only_the_factories_append_audit_events() -> None:
    callers = sorted(
        str(path.relative_to(WEB))
        for path in WEB.rglob("*.py")
        if "record_event(" in path.read_text(encoding="utf-8")
    )
    assert callers == ["audit/events.py", "audit/services.py"]


def test_an_actor_without_a_role_sees_nothing(demo) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.of(User.objects.create_user("no-role", password="x"))
    assert actor.member is None and not actor.visible_evaluations().exists()
    assert not actor.may_download(demo) and not actor.may_upload(demo)
    assert actor.workflow_role(demo) is None and not actor.visible_events().exists()


@pytest.mark.usefixtures("demo")
def test_a_refusal_no_page_shows_in_place_answers_its_status_with_its_message() -> None:
    request = RequestFactory().post("/")
    request.user = User.objects.get(username="demo-finance")
    middleware = RefusalMiddleware(lambda _request: None)  # type: ignore[arg-type,return-value]
    answer = middleware.process_exception(request, Locked("数据已锁定，退回后才能上传"))
    assert answer is not None and answer.status_code == 409
    assert "数据已锁定，退回后才能上传" in answer.content.decode()
    assert middleware.process_exception(request, NotFound("没有")) is None  # Django's 404 page
