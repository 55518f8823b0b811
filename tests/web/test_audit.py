"""The audit log is append-only and its hash chain names the first tampered event."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from jixiao.web.audit.models import AppendOnly, AuditChainHead, AuditEvent
from jixiao.web.audit.services import (
    canonical,
    current_checkpoint,
    record_event,
    verify_chain,
    verify_checkpoint,
)
from jixiao.web.organizations.models import Department, Division, SelfEvaluation

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


def _plain_sha256(event: AuditEvent) -> str:
    """What an attacker without the key can compute: the unkeyed hash of earlier versions."""
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


def test_item19_an_event_rewritten_with_its_hash_recomputed_is_found() -> None:
    events = three_events()
    last = AuditEvent.objects.get(id=events[2].id)
    last.reason = "改过的原因"
    AuditEvent.objects.filter(id=last.id).update(reason=last.reason, hash=_plain_sha256(last))
    broken = verify_chain()
    assert broken is not None
    assert broken.describe() == f"第 {last.id} 条事件内容与记录的哈希不符（事件被修改）"


def test_item19_deleting_the_last_events_is_found() -> None:
    events = three_events()
    AuditEvent.objects.filter(id__in=[events[1].id, events[2].id]).delete()
    broken = verify_chain()
    assert broken is not None
    assert broken.describe() == (
        "日志末尾缺少事件：链头记录共 3 条，实际只有 1 条（最后的事件被删除）"
    )


def test_item19_a_head_moved_back_without_the_key_is_found() -> None:
    events = three_events()
    AuditEvent.objects.filter(id=events[2].id).delete()
    AuditChainHead.objects.update(sequence=2, hash=events[1].hash)
    broken = verify_chain()
    assert broken is not None
    assert broken.describe().startswith("链头的签名无效")


def test_item19_a_checkpoint_shows_a_rollback_of_the_whole_log() -> None:
    three_events()
    checkpoint = current_checkpoint()
    assert checkpoint.startswith("jixiao-audit-checkpoint 3 ")
    assert verify_checkpoint(checkpoint) is None
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    record_event(None, "提交", "2023 年度绩效自评")  # a new log, consistent in itself
    assert verify_chain() is None
    assert verify_checkpoint(checkpoint) == (
        "检查点记录的第 3 条事件已不在日志中，或已被改动（日志被回退或删改）"
    )
    forged = checkpoint.rsplit(" ", 1)[0] + " " + "0" * 64
    assert verify_checkpoint(forged) == "检查点（第 3 条）的签名无效"


def test_item19_a_checkpoint_reaches_the_system_log_when_the_change_commits(
    caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="jixiao.audit"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        record_event(None, "提交", "2023 年度绩效自评")
        assert not caplog.records  # nothing is logged before the change commits
    assert len(callbacks) == 1
    assert [r.getMessage() for r in caplog.records] == [current_checkpoint()]


def test_item19_the_key_lives_outside_the_database(settings: Any) -> None:
    events = three_events()
    assert verify_chain() is None
    settings.JIXIAO_AUDIT_KEY = "另一台服务器的密钥"
    broken = verify_chain()
    assert broken is not None
    assert broken.describe() == (
        "链头的签名无效（链头被修改，或本机的审计密钥与写入时不同：检查 JIXIAO_AUDIT_KEY）"
    )
    AuditChainHead.objects.all().delete()
    broken = verify_chain()
    assert broken is not None
    assert broken.event_id == events[0].id


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="行锁的竞争只在 PostgreSQL 上出现（SQLite 的写事务本来就是串行的）",
)
@pytest.mark.django_db(transaction=True)
def test_item2_concurrent_writers_in_two_departments_keep_one_chain() -> None:
    departments = [Department.objects.create(code=f"D{n}", name=f"部门{n}") for n in range(2)]
    records = [
        SelfEvaluation.objects.create(
            department=department, fiscal_year=2023, framework="guangzhou-department-overall-2023"
        )
        for department in departments
    ]
    writers, events_each = 8, 15
    start = threading.Barrier(writers)

    def write(writer: int) -> None:
        record = records[writer % 2]
        start.wait()
        try:
            for n in range(events_each):
                with transaction.atomic():
                    SelfEvaluation.objects.select_for_update().get(pk=record.pk)
                    record_event(
                        None, "修改项目", f"{record} 第{writer}人第{n}次", evaluation=record
                    )
                    time.sleep(0.002)  # the rest of the change, while the head is locked
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = list(AuditEvent.objects.order_by("sequence"))
    assert len(events) == writers * events_each
    assert len({e.previous_hash for e in events}) == len(events)  # no two share a predecessor
    assert verify_chain() is None


def test_item7_the_division_of_an_event_is_an_index_outside_its_hash() -> None:
    department = Department.objects.create(code="d7", name="第七局")
    division = Division.objects.create(department=department, name="第七处")
    event = record_event(None, "修改项目", "项目 P01", after={"备注": "x"}, division=division)
    assert AuditEvent.objects.get(pk=event.pk).division == division
    assert verify_chain() is None
    AuditEvent.objects.filter(pk=event.pk).update(division=None)  # who may read it, not what
    assert verify_chain() is None  # it says: the events of earlier versions keep their hashes


def test_item19_an_emptied_log_is_found() -> None:
    three_events()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    broken = verify_chain()
    assert broken is not None
    assert broken.describe() == "链头记录缺失（链头被删除；日志可能被整体清空）"
