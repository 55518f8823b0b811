"""The finance bureau's review (复核, issue 12 item 3): re-scores with reasons, the arithmetic up
the tree, who may do what, a review made stale by a return and an edit, acceptance locking the
data, the audit events, the API's statuses and the page's queries."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.core.model import Department as CoreDepartment
from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit.services import verify_chain
from jixiao.web.editing import set_indicator_actual
from jixiao.web.errors import Forbidden, Locked
from jixiao.web.organizations.manage import assign_reviewer
from jixiao.web.organizations.models import Membership, Role, SelfEvaluation, Status
from jixiao.web.records.mapping import save_dataset
from jixiao.web.records.models import Indicator
from jixiao.web.results.store import refresh
from jixiao.web.reviews import reading
from jixiao.web.reviews.models import Review, ReviewItem
from jixiao.web.reviews.reading import effective_scores
from jixiao.web.workflow import take_step

pytestmark = pytest.mark.django_db

D = Decimal


def user(name: str) -> User:
    return User.objects.get(username=name)


def send_to_bureau(record: SelfEvaluation) -> SelfEvaluation:
    """The demo year through the department's workflow to 已报送财政局."""
    take_step(user("demo-division"), record, "submit", "")
    take_step(user("demo-division2"), record, "submit", "")
    take_step(user("demo-finance"), record, "review", "")
    take_step(user("demo-leader"), record, "approve", "")
    take_step(user("demo-leader"), record, "send", "")
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED_TO_BUREAU
    return record


@pytest.fixture
def sent(demo: SelfEvaluation) -> SelfEvaluation:
    return send_to_bureau(demo)


def rescore(client: Client, record: SelfEvaluation, node: str, **posted: str) -> Any:
    return client.post(f"/evaluations/{record.pk}/review/items/{node}/", posted)


def api(client: Client, record: SelfEvaluation) -> dict[str, Any]:
    answer = client.get(f"/api/evaluations/{record.pk}/review/")
    assert answer.status_code == 200
    return answer.json()


def by_node(review: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {
        i["node"]: (i["self_score"], i["review_score"], i["difference"]) for i in review["items"]
    }


def test_a_re_scored_leaf_changes_its_parents_and_the_total_exactly(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    answer = rescore(bureau, sent, "carryover_rate", score="1.5", reason="结转结余率测算口径有误")
    assert answer.status_code == 302
    review = api(bureau, sent)
    assert (review["self_total"], review["review_total"], review["difference"]) == (
        "93.13",
        "92.63",
        "0.50",
    )
    nodes = by_node(review)
    assert nodes["carryover_rate"] == ("2.00", "1.50", "0.50")
    assert nodes["budget_execution"] == ("2.00", "1.50", "0.50")  # its parent
    assert nodes["management_efficiency"] == ("46.00", "45.50", "0.50")
    assert nodes["financial_compliance"] == ("0.00", "0.00", "0.00")  # its sibling
    assert nodes["performance_effectiveness"] == ("47.13", "47.13", "0.00")
    rescore(bureau, sent, "budget_execution_rate", score="3", reason="支出率按决算数计算")
    review = api(bureau, sent)
    assert (review["review_total"], review["difference"]) == ("92.00", "1.13")
    nodes = by_node(review)
    assert nodes["budget_execution_rate"] == ("3.63", "3.00", "0.63")
    assert nodes["performance_effectiveness"] == ("47.13", "46.50", "0.63")
    root = review["items"][0]
    assert (root["depth"], root["self_score"], root["review_score"]) == (0, "93.13", "92.00")
    # changing a re-score replaces it; the page shows both columns and the difference
    rescore(bureau, sent, "carryover_rate", score="1.75", reason="复算后调整")
    assert api(bureau, sent)["review_total"] == "92.25"
    page = bureau.get(f"/evaluations/{sent.pk}/review/").content.decode()
    assert '<div class="value" id="review-total">92.25</div>' in page
    assert '<div class="value" id="difference">0.88</div>' in page
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("92.25"), True)}
    assert ReviewItem.objects.count() == 2 and Review.objects.count() == 1


def test_only_leaves_are_re_scored(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    answer = rescore(client_for("demo-bureau"), sent, "budget_execution", score="3", reason="x")
    assert answer.status_code == 400
    assert "“预算执行”是其下各项之和，请复核其下的评价项" in answer.content.decode()
    missing = rescore(client_for("demo-bureau"), sent, "no_such_item", score="1", reason="x")
    assert missing.status_code == 404
    assert not ReviewItem.objects.exists() and not Review.objects.exists()


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"score": "", "reason": "理由"}, "复核得分：必填"),
        (
            {"score": "一分", "reason": "理由"},
            "复核得分：“一分”不是有效的分数（0 至 2 之间的数，最多两位小数）",
        ),
        ({"score": "-1", "reason": "理由"}, "复核得分：“-1”不是有效的分数"),
        ({"score": "2.5", "reason": "理由"}, "复核得分：须在 0 至 2 分之间，“2.5”超出本项分值"),
        ({"score": "1.555", "reason": "理由"}, "复核得分：“1.555”最多保留两位小数"),
        ({"score": "1e1", "reason": "理由"}, "复核得分：“1e1”不是有效的分数"),
        ({"score": "1.5", "reason": "  "}, "复核理由：必填：说明为何调整本项得分"),
        ({"score": "1.5", "reason": "长" * 2001}, "复核理由：不超过 2000 字（现为 2001 字）"),
        (
            {"score": "1.5", "reason": "理由", "findings": "\n".join(["问题"] * 21)},
            "发现问题：最多 20 条",
        ),
        (
            {"score": "1.5", "reason": "理由", "findings": "一\n" + "长" * 501},
            "发现问题：第 2 条不超过 500 字（现为 501 字）",
        ),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_written(  # type: ignore[no-untyped-def]
    client_for, sent, posted: dict[str, str], message: str
) -> None:
    bureau = client_for("demo-bureau")
    events = AuditEvent.objects.count()
    answer = rescore(bureau, sent, "carryover_rate", **posted)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Review.objects.exists() and not ReviewItem.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_full_range_is_accepted(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    assert (
        rescore(bureau, sent, "carryover_rate", score="0", reason="未提供结转数据").status_code
        == 302
    )
    assert (
        rescore(bureau, sent, "procurement", score="10.00", reason="复核后满分").status_code == 302
    )
    assert by_node(api(bureau, sent))["procurement"] == ("9.00", "10.00", "-1.00")
    assert api(bureau, sent)["review_total"] == "92.13"  # 93.13 − 2 + 1


@pytest.fixture
def other(demo: SelfEvaluation, reference_dataset) -> SelfEvaluation:  # type: ignore[no-untyped-def]
    dataset = replace(reference_dataset, department=CoreDepartment("other", "另一个局"))
    evaluation = save_dataset(dataset, demo.framework)
    refresh(evaluation)
    return evaluation


def test_departments_never_re_score_and_other_departments_never_see(  # type: ignore[no-untyped-def]
    client_for, sent, other
) -> None:
    rescore(client_for("demo-bureau"), sent, "carryover_rate", score="1.5", reason="口径有误")
    for name in ("demo-finance", "demo-leader", "demo-division"):
        client = client_for(name)
        assert rescore(client, sent, "carryover_rate", score="0", reason="x").status_code == 404
        url = f"/api/evaluations/{sent.pk}/review/items/carryover_rate/"
        body = json.dumps({"score": "0", "reason": "x"})
        assert client.put(url, body, content_type="application/json").status_code == 404
        assert client.delete(url).status_code == 404
        assert client.post(f"/evaluations/{sent.pk}/review/accept/").status_code == 404
        assert client.post(f"/api/evaluations/{sent.pk}/review/accept/").status_code == 404
    assert ReviewItem.objects.get().score == D("1.5")
    assert SelfEvaluation.objects.get(pk=sent.pk).status == Status.SUBMITTED_TO_BUREAU
    stranger = User.objects.create_user("other-finance", password="pw-other-1")
    Membership.objects.create(
        user=stranger, role=Role.FINANCE_REVIEWER, department=other.department
    )
    client = Client()
    client.force_login(stranger)
    assert client.get(f"/evaluations/{sent.pk}/review/").status_code == 404
    assert client.get(f"/api/evaluations/{sent.pk}/review/").status_code == 404
    assert client.get(f"/evaluations/{other.pk}/review/").status_code == 200
    admin = client_for("demo-admin")
    assert admin.get(f"/evaluations/{sent.pk}/review/").status_code == 404


def test_the_department_reads_the_review_a_division_without_reasons(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    posted = {
        "score": "1.5",
        "reason": "结转结余率测算口径有误",
        "findings": "年末结转未计入\n台账不全",
    }
    rescore(bureau, sent, "carryover_rate", **posted)
    for name in ("demo-leader", "demo-finance"):
        client = client_for(name)
        page = client.get(f"/evaluations/{sent.pk}/review/").content.decode()
        assert "结转结余率测算口径有误" in page and "<li>台账不全</li>" in page
        assert "保存复核" not in page and "审核通过" not in page  # read-only
        dashboard = client.get(f"/evaluations/{sent.pk}/").content.decode()
        assert "复核得分 92.63（自评 93.13，差异 0.50），已复核 1 项。" in dashboard
        item = by_node(api(client, sent))["carryover_rate"]
        assert item == ("2.00", "1.50", "0.50")
    division = client_for("demo-division")
    page = division.get(f"/evaluations/{sent.pk}/review/").content.decode()
    assert '<div class="value" id="review-total">92.63</div>' in page
    assert "结转结余率测算口径有误" not in page and "台账不全" not in page
    assert "由财务审核人和单位负责人查看" in page
    review = api(division, sent)
    carryover = next(i for i in review["items"] if i["node"] == "carryover_rate")
    assert carryover["review"]["reason"] is None and carryover["review"]["findings"] is None
    leader = api(client_for("demo-leader"), sent)
    carryover = next(i for i in leader["items"] if i["node"] == "carryover_rate")
    assert carryover["review"]["findings"] == ["年末结转未计入", "台账不全"]


def back_to_drafting(record: SelfEvaluation) -> None:
    """The bureau returns the year; the department takes it back to 填报中."""
    take_step(user("demo-leader"), record, "return", "请补充结转数据")
    take_step(user("demo-leader"), record, "return", "请补充结转数据")
    take_step(user("demo-finance"), record, "return", "请补充结转数据")


def test_a_return_and_an_edit_make_the_review_stale(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    rescore(bureau, sent, "carryover_rate", score="1.5", reason="结转结余率测算口径有误")
    refused = bureau.post(f"/evaluations/{sent.pk}/review/return/", {"reason": " "})
    assert refused.status_code == 400 and "退回理由：必填" in refused.content.decode()
    assert SelfEvaluation.objects.get(pk=sent.pk).status == Status.SUBMITTED_TO_BUREAU
    returned = bureau.post(f"/evaluations/{sent.pk}/review/return/", {"reason": "请核实结转"})
    assert returned.status_code == 302
    sent.refresh_from_db()
    assert sent.status == Status.APPROVED
    # returned but not changed: the review still stands
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("92.63"), True)}
    back_to_drafting(sent)
    sent.refresh_from_db()
    indicator = Indicator.objects.get(evaluation=sent, code="I102")
    set_indicator_actual(user("demo-finance"), sent, indicator.pk, "1900", "以海关年报为准")
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("93.63"), False)}
    page = client_for("demo-leader").get(f"/evaluations/{sent.pk}/").content.decode()
    assert "已过期：单位退回后修改了数据" in page
    review_page = bureau.get(f"/evaluations/{sent.pk}/review/").content.decode()
    assert "上次复核（已过期）" in review_page
    assert '<div class="value" id="review-total">93.63</div>' in review_page
    assert api(bureau, sent)["stale_review"]["items"][0]["score"] == "1.50"
    # sent again, the bureau's next re-score starts a new review of the new version
    send_to_bureau(sent)
    rescore(bureau, sent, "procurement", score="8", reason="合同未按时公开")
    assert Review.objects.count() == 2
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("92.63"), True)}
    assert api(bureau, sent)["stale_review"] is None


def test_acceptance_locks_the_data_and_can_be_returned(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    rescore(bureau, sent, "carryover_rate", score="1.5", reason="口径有误")
    assert (
        bureau.post(f"/evaluations/{sent.pk}/review/accept/", {"reason": "同意"}).status_code == 302
    )
    sent.refresh_from_db()
    assert sent.status == Status.BUREAU_ACCEPTED
    assert sent.transitions.first().action == "accept"  # type: ignore[union-attr]
    indicator = Indicator.objects.get(evaluation=sent, code="I102")
    with pytest.raises(Locked):
        set_indicator_actual(user("demo-finance"), sent, indicator.pk, "1900", "改")
    finance = client_for("demo-finance")
    answer = finance.post(f"/evaluations/{sent.pk}/indicators/{indicator.pk}/", {"actual": "1"})
    assert answer.status_code == 409
    patched = finance.patch(
        f"/api/evaluations/{sent.pk}/indicators/{indicator.pk}/actual/",
        {"actual": "1"},
        content_type="application/json",
    )
    assert (patched.status_code, patched.json()["code"]) == (409, "E-LOCKED")
    workbook = SimpleUploadedFile("工作簿.xlsx", b"PK")
    upload = finance.post(f"/evaluations/{sent.pk}/upload/", {"workbook": workbook})
    assert "数据已锁定，退回后才能上传" in upload.content.decode()
    dashboard = finance.get(f"/evaluations/{sent.pk}/").content.decode()
    assert "上传工作簿" not in dashboard and "财政局审核通过" in dashboard
    assert rescore(bureau, sent, "procurement", score="8", reason="x").status_code == 409
    assert bureau.post(f"/api/evaluations/{sent.pk}/review/accept/").status_code == 409
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("92.63"), True)}
    returned = bureau.post(f"/evaluations/{sent.pk}/review/return/", {"reason": "误审，退回重报"})
    assert returned.status_code == 302
    assert SelfEvaluation.objects.get(pk=sent.pk).status == Status.APPROVED


def test_an_accepted_year_without_re_scores_counts_as_reviewed(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("93.13"), False)}
    client_for("demo-bureau").post(f"/api/evaluations/{sent.pk}/review/accept/")
    assert effective_scores(sent.fiscal_year) == {sent.pk: (D("93.13"), True)}


def test_every_change_is_an_audit_event(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    rescore(
        bureau, sent, "carryover_rate", score="1.5", reason="口径有误", findings="年末结转未计入"
    )
    rescore(bureau, sent, "carryover_rate", score="1", reason="复算")
    bureau.post(f"/evaluations/{sent.pk}/review/items/carryover_rate/withdraw/", {"reason": "撤回"})
    bureau.post(f"/evaluations/{sent.pk}/review/accept/", {"reason": "同意"})
    events = list(AuditEvent.objects.order_by("sequence"))[-4:]
    assert [(e.action, e.actor_name, e.reason) for e in events] == [
        ("复核评分", "demo-bureau", "口径有误"),
        ("复核评分", "demo-bureau", "复算"),
        ("撤回复核评分", "demo-bureau", "撤回"),
        ("财政局审核通过", "demo-bureau", "同意"),
    ]
    first, second, withdrawn, accepted = events
    assert first.target == f"{sent} 复核 结转结余率"
    assert (first.before, first.after) == (
        None,
        {"自评得分": "2", "复核得分": "1.5", "发现问题": "年末结转未计入"},
    )
    assert second.before == first.after
    assert withdrawn.before == {"自评得分": "2", "复核得分": "1", "发现问题": ""}
    assert accepted.after == {"状态": "财政局审核通过"}
    assert not ReviewItem.objects.exists()
    assert verify_chain() is None


def test_the_api_answers_the_pages_statuses(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    url = f"/api/evaluations/{demo.pk}/review/items/carryover_rate/"

    def put(**body: object) -> Any:
        return bureau.put(url, json.dumps(body), content_type="application/json")

    early = put(score="1.5", reason="口径有误")  # still 填报中
    assert early.status_code == 409 and early.json()["code"] == "E-CONFLICT"
    send_to_bureau(demo)
    bad = put(score="3", reason="", findings=["a"])
    assert bad.status_code == 400
    assert bad.json()["code"] == "E-INVALID"
    assert [p["message"] for p in bad.json()["problems"]] == [
        "复核得分：须在 0 至 2 分之间，“3”超出本项分值",
        "复核理由：必填：说明为何调整本项得分",
    ]
    assert put(score=1.5, reason="x", findings="not a list").status_code == 200  # one line
    assert put(score=True, reason="x").status_code == 400
    assert put(score="1.5", reason="x", findings=[1]).status_code == 400
    done = put(score="1.25", reason="口径有误", findings=["年末结转未计入"])
    assert done.status_code == 200 and done.json()["review_total"] == "92.38"
    assert (
        bureau.put(
            url.replace("carryover_rate", "nothing"), "{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert bureau.delete(url).status_code == 200
    assert bureau.delete(url).status_code == 404  # nothing left to withdraw
    refused = bureau.post(f"/api/evaluations/{demo.pk}/review/return/", {})
    assert (
        refused.status_code == 400 and refused.json()["problems"][0]["message"] == "退回理由：必填"
    )
    accepted = bureau.post(f"/api/evaluations/{demo.pk}/review/accept/", {"reason": "同意"})
    assert accepted.status_code == 200 and accepted.json()["accepted"] is True
    schema = bureau.get("/api/schema/").content.decode()
    assert "/api/evaluations/{id}/review/items/{node}/" in schema


def second_reviewer() -> Client:
    """Another bureau reviewer, signed in."""
    account = User.objects.create_user("bureau2", password="pw-bureau-2")
    Membership.objects.create(user=account, role=Role.BUREAU_REVIEWER)
    client = Client()
    client.force_login(account)
    return client


def assign(record: SelfEvaluation, username: str | None) -> None:
    reviewer = user(username) if username is not None else None
    assign_reviewer(user("demo-admin"), record, reviewer, "分工")


def refused_review(client: Client, record: SelfEvaluation) -> None:
    """``client`` reads ``record``'s review but re-scores and accepts nothing: 409 on the page
    and the API, no form nor acceptance offered."""
    assert rescore(client, record, "carryover_rate", score="1", reason="x").status_code == 409
    url = f"/api/evaluations/{record.pk}/review/items/carryover_rate/"
    body = json.dumps({"score": "1", "reason": "x"})
    assert client.put(url, body, content_type="application/json").status_code == 409
    assert client.post(f"/evaluations/{record.pk}/review/accept/").status_code == 409
    assert client.post(f"/api/evaluations/{record.pk}/review/accept/").status_code == 409
    page = client.get(f"/evaluations/{record.pk}/review/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "保存复核" not in text and "审核通过" not in text and "退回理由（必填）" in text
    assert api(client, record)["may_rescore"] is False


def test_only_the_assigned_reviewer_re_scores_and_accepts(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    """Every bureau reviewer reads; the one assigned to the department-year re-scores and
    accepts; another bureau reviewer is refused with 409 on the page and the API."""
    other = second_reviewer()
    assign(sent, "bureau2")
    refused_review(client_for("demo-bureau"), sent)
    assert not ReviewItem.objects.exists()
    assert rescore(other, sent, "carryover_rate", score="1.5", reason="口径").status_code == 302
    assert api(other, sent)["may_rescore"] is True
    assert other.post(f"/api/evaluations/{sent.pk}/review/accept/").status_code == 200
    assert SelfEvaluation.objects.get(pk=sent.pk).status == Status.BUREAU_ACCEPTED


def test_the_other_reviewer_may_still_return(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    """Returning is the bureau's, not the assigned reviewer's alone (it changes no score)."""
    second_reviewer()
    assign(sent, "bureau2")
    answer = client_for("demo-bureau").post(
        f"/api/evaluations/{sent.pk}/review/return/", {"reason": "请补充材料"}
    )
    assert answer.status_code == 200
    assert SelfEvaluation.objects.get(pk=sent.pk).status == Status.APPROVED


def test_unassigned_any_bureau_reviewer_reviews(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    """No one assigned: any bureau reviewer re-scores and accepts (decision 0025); an
    assignment withdrawn opens it again."""
    other = second_reviewer()
    assign(sent, "demo-bureau")
    refused_review(other, sent)
    assign(sent, None)
    assert rescore(other, sent, "carryover_rate", score="1.5", reason="口径").status_code == 302
    bureau = client_for("demo-bureau")
    assert rescore(bureau, sent, "procurement", score="8", reason="合同备案").status_code == 302
    assert ReviewItem.objects.count() == 2
    assert bureau.post(f"/evaluations/{sent.pk}/review/accept/").status_code == 302
    assert SelfEvaluation.objects.get(pk=sent.pk).status == Status.BUREAU_ACCEPTED


def test_an_assignment_changed_after_the_page_was_read_is_seen(sent) -> None:  # type: ignore[no-untyped-def]
    """The use case asks on the locked row, not on what the page read."""
    from jixiao.web.policy import Actor
    from jixiao.web.reviews.actions import Rescore
    from jixiao.web.reviews.actions import rescore as rescore_item

    second_reviewer()
    actor = Actor.of(user("demo-bureau"))
    record = actor.evaluation_or_404(sent.pk)  # read with no assignment
    assign(sent, "bureau2")
    with pytest.raises(Forbidden):
        rescore_item(actor, record, "carryover_rate", Rescore("1", "x"))
    assert not ReviewItem.objects.exists()


def queries(client: Client, url: str) -> int:
    client.get(url)  # the first read in this process decodes the result
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# Measured 9 for the bureau (the session, the user and membership, the year, the stored result
# as the pages read it, its row and items, the latest review and its re-scores, the steps).
REVIEW_PAGE_BOUND = 10


def test_the_review_page_runs_a_fixed_number_of_queries(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    url = f"/evaluations/{sent.pk}/review/"
    rescore(bureau, sent, "carryover_rate", score="1.5", reason="口径有误")
    one = queries(bureau, url)
    for node in ("procurement", "asset_management", "disclosure", "budget_preparation"):
        rescore(bureau, sent, node, score="1", reason="复核", findings="一\n二")
    many = queries(bureau, url)
    assert one == many <= REVIEW_PAGE_BOUND
    assert queries(client_for("demo-leader"), url) <= REVIEW_PAGE_BOUND
    assert (
        queries(client_for("demo-bureau"), f"/api/evaluations/{sent.pk}/review/")
        <= REVIEW_PAGE_BOUND
    )


def test_effective_scores_runs_three_queries_whatever_the_departments(sent, other) -> None:  # type: ignore[no-untyped-def]
    Review.objects.create(
        evaluation=other,
        submission=sent.transitions.filter(to_status=Status.SUBMITTED_TO_BUREAU).get(),
        data_digest="not this version",
        framework_version="x",
        result_revision=1,
        self_total=D("50"),
        created_by=user("demo-bureau"),
    )
    with CaptureQueriesContext(connection) as captured:
        scores = effective_scores(sent.fiscal_year)
    assert len(captured.captured_queries) == 3
    assert scores == {sent.pk: (D("93.13"), False), other.pk: (D("93.13"), False)}
    assert effective_scores(1999) == {}
    assert (
        frozenset({Status.SUBMITTED_TO_BUREAU, Status.BUREAU_ACCEPTED}) == reading.REVIEWED_STATUSES
    )


def test_the_review_page_in_english(client_for, sent) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    bureau.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = bureau.get(f"/evaluations/{sent.pk}/review/").content.decode()
    assert "<h1>Finance bureau review</h1>" in page and "Save the review score" in page
    refused = rescore(bureau, sent, "carryover_rate", score="", reason="")
    assert refused.status_code == 400
    assert "Review score: required" in refused.content.decode()


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["0", "2", "2.00", "2.001", "-0", "1e1", "NaN", "Infinity", "１", " 1.5 ", "\x00", "1,5"]
)
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=6,
)


def written() -> tuple[object, ...]:
    return (
        tuple(ReviewItem.objects.values_list()),
        tuple(SelfEvaluation.objects.values_list("status")),
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(score=text, reason=text, findings=text)
def test_any_input_to_the_form_is_saved_or_refused_at_its_fields(  # type: ignore[no-untyped-def]
    client_for, sent, score: str, reason: str, findings: str
) -> None:
    bureau = client_for("demo-bureau")
    before = written()
    answer = rescore(bureau, sent, "carryover_rate", score=score, reason=reason, findings=findings)
    assert answer.status_code in (302, 400), (score, reason, findings)
    if answer.status_code == 400:
        assert written() == before


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.dictionaries(st.sampled_from(["score", "reason", "findings"]), json_value))
def test_any_json_to_the_api_is_saved_or_refused(client_for, sent, body) -> None:  # type: ignore[no-untyped-def]
    bureau = client_for("demo-bureau")
    before = written()
    url = f"/api/evaluations/{sent.pk}/review/items/carryover_rate/"
    answer = bureau.put(url, json.dumps(body), content_type="application/json")
    assert answer.status_code in (200, 400), (body, answer.content[:300])
    if answer.status_code == 400:
        assert answer.json()["code"] == "E-INVALID" and answer.json()["problems"]
        assert written() == before
