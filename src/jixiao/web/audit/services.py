"""Recording audit events and verifying their chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation

from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import SelfEvaluation

GENESIS = "0" * 64
RECORD_LANGUAGE = "zh-hans"


def in_record_language() -> translation.override:
    """Audit events are written in Chinese whatever language the user reads the pages in, so
    that the log reads the same for everyone and its hashes do not depend on a session."""
    return translation.override(RECORD_LANGUAGE)


def _digest(event: AuditEvent) -> str:
    content = {
        "at": event.at.isoformat(),
        "actor": event.actor_name,
        "action": event.action,
        "target": event.target,
        "evaluation": event.evaluation_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "previous": event.previous_hash,
    }
    canonical = json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_event(
    actor: User | None,
    action: str,
    target: str,
    *,
    evaluation: SelfEvaluation | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append an event after the latest one; call inside the transaction that makes the change.
    The latest event is locked, so concurrent writers chain one after the other."""
    with transaction.atomic():
        latest = AuditEvent.objects.select_for_update().order_by("-id").first()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            action=action,
            target=target,
            evaluation=evaluation,
            before=before,
            after=after,
            reason=reason,
            previous_hash=latest.hash if latest else GENESIS,
        )
        event.hash = _digest(event)
        event.save()
        return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain() -> ChainBreak | None:
    """The first event whose content or link does not match its hash, or None if all hold."""
    expected_previous = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != expected_previous:
            return ChainBreak(event.id, "与前一条事件的哈希不衔接（前序事件被删除、插入或修改）")
        if _digest(event) != event.hash:
            return ChainBreak(event.id, "内容与记录的哈希不符（事件被修改）")
        expected_previous = event.hash
    return None
