"""Recording audit events and verifying their chain."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation

from jixiao.web.audit.models import AuditChainHead, AuditEvent
from jixiao.web.organizations.models import Division, SelfEvaluation

GENESIS = "0" * 64
CHECKPOINT_PREFIX = "jixiao-audit-checkpoint"
LOG = logging.getLogger("jixiao.audit")
TARGET_LENGTH = AuditEvent._meta.get_field("target").max_length or 300
HEAD_SIGNATURE_INVALID = (
    "链头的签名无效（链头被修改，或本机的审计密钥与写入时不同：检查 JIXIAO_AUDIT_KEY）"
)
RECORD_LANGUAGE = "zh-hans"


def in_record_language() -> translation.override:
    """Audit events are written in Chinese whatever language the user reads the pages in, so
    that the log reads the same for everyone and its hashes do not depend on a session."""
    return translation.override(RECORD_LANGUAGE)


SCHEME_SHA256 = 1  # events written by earlier versions: a plain hash, verified as it was
SCHEME_HMAC = 2  # keyed with the deployment's audit key


def _key() -> bytes:
    return str(settings.JIXIAO_AUDIT_KEY).encode("utf-8")


def _sign(text: str) -> str:
    return hmac.new(_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical(event: AuditEvent) -> str:
    """The text an event's hash is computed from: its content and its predecessor's hash, and
    (since scheme 2) its sequence and scheme, as sorted compact JSON."""
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
    if event.scheme != SCHEME_SHA256:
        content |= {"sequence": event.sequence, "scheme": event.scheme}
    return json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def _digest(event: AuditEvent) -> str:
    """The event's hash: plain SHA-256 for events of earlier versions, else HMAC-SHA256 with
    the audit key."""
    if event.scheme == SCHEME_SHA256:
        return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()
    return _sign(canonical(event))


def _head_mac(sequence: int, last_hash: str) -> str:
    return _sign(f"jixiao-audit-head:{sequence}:{last_hash}")


def _fit(text: str, length: int) -> str:
    """``text`` cut to the column's length, marked as cut (a long project name must not turn
    a valid change into a database error)."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _locked_head() -> AuditChainHead:
    """The chain's head, locked until the transaction ends. A database without one (a fresh
    one) gets an empty head; a missing head is never rebuilt from the events, so a head
    removed together with the last events still shows as a break."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(
            pk=1, defaults={"sequence": 0, "hash": GENESIS, "mac": _head_mac(0, GENESIS)}
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def last_event_of(evaluation: SelfEvaluation) -> str:
    """The hash of the latest event about ``evaluation`` ("" before any; one query on an
    index). Every audited change of the year names a new one, unique even across a restore: a
    key for what is kept of the year until it changes (``workflow_state``)."""
    events = AuditEvent.objects.filter(evaluation=evaluation).order_by("-sequence")
    return events.values_list("hash", flat=True).first() or ""


def record_event(
    actor: User | None,
    action: str,
    target: str,
    *,
    evaluation: SelfEvaluation | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    division: Division | None = None,
) -> AuditEvent:
    """Append an event after the last one; call inside the transaction that makes the change.

    Use cases call the factories of :mod:`jixiao.web.audit.events`, one per kind of event.

    The head row is locked for the rest of the transaction, so concurrent writers append one
    after the other, each after the event the one before it wrote. When the transaction
    commits, the new head is written to the ``jixiao.audit`` log as a signed checkpoint.

    ``division``: the division whose rows the event is about, so that its fillers see it in the
    audit log. It is an index, not part of the hashed content (see ``_digest``). No savepoint
    of its own: an event that cannot be written fails the change it records."""
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            action=str(action),  # an AuditAction's stored value
            target=_fit(target, TARGET_LENGTH),
            evaluation=evaluation,
            division=division,
            before=before,
            after=after,
            reason=reason,
            previous_hash=head.hash,
            sequence=head.sequence + 1,
            scheme=SCHEME_HMAC,
        )
        event.hash = _digest(event)
        event.save()
        head.sequence, head.hash = event.sequence, event.hash
        head.mac = _head_mac(head.sequence, head.hash)
        head.save()
        line = checkpoint_line(head.sequence, head.hash)
        transaction.on_commit(lambda: LOG.info("%s", line))
        return event


def checkpoint_line(sequence: int, last_hash: str) -> str:
    """A signed checkpoint: the chain had ``sequence`` events, the last with ``last_hash``.
    Kept outside the database (the system log, a file an administrator exports), it shows a
    later rollback of the whole database to an earlier state."""
    return f"{CHECKPOINT_PREFIX} {sequence} {last_hash} {_head_mac(sequence, last_hash)}"


def current_checkpoint() -> str:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return checkpoint_line(0, GENESIS)
    return checkpoint_line(head.sequence, head.hash)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None  # None: the break is in the head, not in one event
    reason: str

    def describe(self) -> str:
        if self.event_id is None:
            return self.reason
        return f"第 {self.event_id} 条事件{self.reason}"


def verify_chain() -> ChainBreak | None:
    """The first event whose content, sequence or link does not match, or a head that does not
    point at the last event, or None if all hold. A head whose signature fails is named first:
    it is what a wrong audit key looks like (every keyed event would fail too)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and not hmac.compare_digest(head.mac, _head_mac(head.sequence, head.hash)):
        return ChainBreak(None, HEAD_SIGNATURE_INVALID)
    expected_previous, expected_sequence, keyed = GENESIS, 1, False
    for event in AuditEvent.objects.order_by("sequence").iterator():
        if event.sequence != expected_sequence or event.previous_hash != expected_previous:
            return ChainBreak(event.id, "与前一条事件的哈希不衔接（前序事件被删除、插入或修改）")
        if event.scheme == SCHEME_SHA256 and keyed:
            return ChainBreak(event.id, "没有签名，却排在已签名的事件之后（事件被伪造）")
        if event.scheme not in (SCHEME_SHA256, SCHEME_HMAC) or not hmac.compare_digest(
            _digest(event), event.hash
        ):
            return ChainBreak(event.id, "内容与记录的哈希不符（事件被修改）")
        keyed = keyed or event.scheme == SCHEME_HMAC
        expected_previous, expected_sequence = event.hash, expected_sequence + 1
    return _head_break(expected_sequence - 1, expected_previous)


def _head_break(last_sequence: int, last_hash: str) -> ChainBreak | None:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:  # every database has one from its migration on: it was deleted
        return ChainBreak(None, "链头记录缺失（链头被删除；日志可能被整体清空）")
    if not hmac.compare_digest(head.mac, _head_mac(head.sequence, head.hash)):
        return ChainBreak(
            None,
            "链头的签名无效（链头被修改，或本机的审计密钥与写入时不同：检查 JIXIAO_AUDIT_KEY）",
        )
    if head.sequence > last_sequence:
        return ChainBreak(
            None,
            f"日志末尾缺少事件：链头记录共 {head.sequence} 条，实际只有 {last_sequence} 条"
            "（最后的事件被删除）",
        )
    if head.sequence != last_sequence or head.hash != last_hash:
        return ChainBreak(None, "链头与最后一条事件不符（事件在链头之后被追加或修改）")
    return None


def verify_checkpoint(line: str) -> str | None:
    """Why a checkpoint does not hold for the chain as it is now, or None when it does: it
    must be signed with this deployment's key, and the chain must still hold its event with
    that hash."""
    parts = line.split()
    if len(parts) != 4 or parts[0] != CHECKPOINT_PREFIX or not parts[1].isdigit():
        return f"不是审计检查点：“{line[:80]}”"
    sequence, last_hash, mac = int(parts[1]), parts[2], parts[3]
    if not hmac.compare_digest(mac, _head_mac(sequence, last_hash)):
        return f"检查点（第 {sequence} 条）的签名无效"
    if sequence == 0:
        return None
    event = AuditEvent.objects.filter(sequence=sequence).first()
    if event is None or event.hash != last_hash:
        return f"检查点记录的第 {sequence} 条事件已不在日志中，或已被改动（日志被回退或删改）"
    return None
