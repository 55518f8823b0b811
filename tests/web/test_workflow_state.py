"""The dashboard's workflow state is kept per process until the year changes
(``jixiao.web.workflow_state``): every step, return and re-score shows at once on a dashboard
read before it, and the open return each user sees follows the rules of the returns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from jixiao.web.organizations.models import Division, SelfEvaluation
from jixiao.web.workflow_state import Returned, WorkflowState

pytestmark = pytest.mark.django_db


def dashboard(client: Client, record: SelfEvaluation) -> str:
    answer = client.get(f"/evaluations/{record.pk}/")
    assert answer.status_code == 200
    return answer.content.decode()


def step(client: Client, record: SelfEvaluation, action: str, **posted: object) -> None:
    answer = client.post(f"/evaluations/{record.pk}/steps/{action}/", posted)
    assert answer.status_code == 302


def test_every_change_shows_on_a_dashboard_read_before_it(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    trade, consumption = client_for("demo-division"), client_for("demo-division2")
    finance, leader = client_for("demo-finance"), client_for("demo-leader")
    bureau = client_for("demo-bureau")
    assert dashboard(finance, demo).count('<span class="pending">填报中</span>') == 2
    step(trade, demo, "submit")
    seen = dashboard(finance, demo)
    assert seen.count('<span class="pending">填报中</span>') == 1
    assert "（demo-division，" in seen and 'value="return_division"' in seen
    assert 'value="submit"' not in dashboard(trade, demo)  # submitted: its step is gone
    division = Division.objects.get(department=demo.department, name="对外贸易处").pk
    step(finance, demo, "return_division", division=division, reason="I102 请补充偏差原因")
    returned = dashboard(trade, demo)
    assert "已退回对外贸易处" in returned and "I102 请补充偏差原因" in returned
    assert 'value="submit"' in returned
    assert 'id="returned"' not in dashboard(consumption, demo)
    step(trade, demo, "submit")
    assert 'id="returned"' not in dashboard(trade, demo)  # answered by the resubmission
    step(consumption, demo, "submit")
    step(finance, demo, "review")
    step(leader, demo, "approve")
    step(leader, demo, "send")
    assert "财政局尚未调整任何评价项的得分。" in dashboard(leader, demo)
    node = f"/evaluations/{demo.pk}/review/items/carryover_rate/"
    bureau.post(node, {"score": "1.5", "reason": "结转结余率测算口径有误"})
    assert "复核得分 92.63（自评 93.13，差异 0.50），已复核 1 项。" in dashboard(leader, demo)
    bureau.post(node, {"score": "1.75", "reason": "复算后调整"})
    assert "复核得分 92.88（自评 93.13，差异 0.25），已复核 1 项。" in dashboard(leader, demo)
    bureau.post(f"{node}withdraw/", {"reason": "撤回"})
    assert "复核得分 93.13（自评 93.13，差异 0.00），已复核 0 项。" in dashboard(leader, demo)
    step(bureau, demo, "return", reason="请补充绩效目标")
    seen = dashboard(leader, demo)
    assert "请补充绩效目标" in seen and 'value="send"' in seen


AT = datetime(2024, 3, 1, tzinfo=UTC)


def returned(pk: int, division: int | None) -> Returned:
    return Returned(pk, AT, division, "对外贸易处" if division else "", "demo-finance", "补充")


def test_the_open_return_is_the_latest_not_yet_answered() -> None:
    state = WorkflowState(
        returns=(returned(5, 1), returned(3, None)),  # latest first
        submits=((2, 1),),  # division 1 had submitted before both
        submissions={},
        review=None,
    )
    assert state.open_return(1) == returned(5, 1)  # its own division's return
    assert state.open_return(2) == returned(3, None)  # division 2 sees the year's return…
    assert state.open_return(None) == returned(5, 1)  # the finance office sees the latest
    answered = WorkflowState(state.returns, ((6, 1), *state.submits), {}, None)
    assert answered.open_return(1) is None  # …answered by division 1's resubmission
    assert answered.open_return(None) is None
    assert answered.open_return(2) == returned(3, None)  # not for division 2
    whole = WorkflowState((returned(7, None),), ((8, None),), {}, None)
    assert whole.open_return(1) is None and whole.open_return(None) is None
