"""The audit log is append-only and its hash chain names the first tampered event."""

from __future__ import annotations

import pytest

from jixiao.web.audit.models import AppendOnly, AuditEvent
from jixiao.web.audit.services import record_event, verify_chain

pytestmark = pytest.mark.django_db


def three_events() -> list[AuditEvent]:
    return [
        record_event(
            None,
            "更新指标",
            "指标 I101",
            before={"actual": "18"},
            after={"actual": "19"},
            reason="补录年底数据",
        ),
        record_event(None, "提交", "2023 年度绩效自评", reason="处室填报完成"),
        record_event(None, "退回", "2023 年度绩效自评", reason="指标 I102 缺少偏差原因"),
    ]


def test_intact_chain_verifies() -> None:
    events = three_events()
    assert events[1].previous_hash == events[0].hash
    assert verify_chain() is None


def test_events_cannot_be_changed_or_deleted_through_the_application() -> None:
    event = three_events()[0]
    event.reason = "改过的原因"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()


def test_a_changed_event_is_named() -> None:
    events = three_events()
    AuditEvent.objects.filter(id=events[1].id).update(reason="改过的原因")
    broken = verify_chain()
    assert broken is not None
    assert (broken.event_id, broken.reason) == (events[1].id, "内容与记录的哈希不符（事件被修改）")


def test_a_deleted_event_breaks_the_link_of_the_next() -> None:
    events = three_events()
    AuditEvent.objects.filter(id=events[1].id).delete()
    broken = verify_chain()
    assert broken is not None
    assert broken.event_id == events[2].id
