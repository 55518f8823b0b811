"""The migrations describe the models exactly."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit.services import record_event, verify_chain


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


LEGACY_EVENTS = [("新建用户", "用户 a", ""), ("提交", "2023 年度绩效自评", "处室填报完成")]


def _legacy_hash(content: dict[str, object]) -> str:
    """How versions before the keyed chain hashed an event."""
    canonical = json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_item19_an_audit_log_of_an_earlier_version_still_verifies_and_grows() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0002_auditevent_evaluation")])
    old_events = executor.loader.project_state(
        [("audit", "0002_auditevent_evaluation")]
    ).apps.get_model("audit", "AuditEvent")
    previous = "0" * 64
    for action, target, reason in LEGACY_EVENTS:
        at = timezone.now()
        content = {
            "at": at.isoformat(),
            "actor": "",
            "action": action,
            "target": target,
            "evaluation": None,
            "before": None,
            "after": None,
            "reason": reason,
            "previous": previous,
        }
        previous = _legacy_hash(content)
        old_events.objects.create(
            at=at,
            action=action,
            target=target,
            reason=reason,
            previous_hash=content["previous"],
            hash=previous,
        )
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert [(e.sequence, e.scheme) for e in AuditEvent.objects.all()] == [(1, 1), (2, 1)]
    assert verify_chain() is None
    added = record_event(None, "修改项目", "项目 P001")
    assert (added.sequence, added.scheme, added.previous_hash) == (3, 2, previous)
    assert verify_chain() is None
