"""The audit log: who changed what, when, from what to what, and why — append-only and
tamper-evident.

Each event stores a keyed hash (HMAC-SHA256, the key kept outside the database) of its own
content, its sequence number and its predecessor's hash, so altering, inserting or deleting any
past event breaks the chain from there on. The :class:`AuditChainHead` row holds the sequence and
hash of the last event, signed with the same key: appends are serialized on it, and deleting the
last events shows as a head that points past the end.
:func:`jixiao.web.audit.services.verify_chain` names the first break.

An event's ``division`` (the division whose rows it is about) is outside the hash: it only says
who else may read the event (that division's fillers), as an index; the evidence is the rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnly(Exception):
    """An audit event cannot be changed or deleted."""


class AuditEvent(models.Model):
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    evaluation = models.ForeignKey(
        "organizations.SelfEvaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="年度绩效自评",
    )
    division = models.ForeignKey(  # an index of who may read the event, not evidence
        "organizations.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="处室",
        help_text="事件涉及的处室（处室填报人据此查看）；不计入哈希",
    )
    action = models.CharField("操作", max_length=100)
    target = models.CharField("对象", max_length=300)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    reason = models.TextField("原因", blank=True)
    previous_hash = models.CharField("前一条的哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)
    sequence = models.PositiveBigIntegerField("序号", unique=True)
    scheme = models.PositiveSmallIntegerField(
        "签名方式", default=2, help_text="1：SHA-256（早期版本写入，无密钥）；2：HMAC-SHA256"
    )

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["sequence"]
        indexes = [  # a year's latest event, found without reading its others
            models.Index(fields=["evaluation", "sequence"], name="audit_event_of_evaluation")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *_args: Any, **_kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("审计日志只能追加，不能删除")


class AuditChainHead(models.Model):
    """The one row that says where the chain ends: the last event's sequence and hash, signed.

    Every append locks this row, so concurrent writers chain one after the other on every
    database (locking the latest event instead lets a waiter read a stale row and fork the
    chain); and since only the key's holder can sign a head, removing the last events cannot be
    hidden by moving the head back."""

    sequence = models.PositiveBigIntegerField("最后一条的序号", default=0)
    hash = models.CharField("最后一条的哈希", max_length=64)
    mac = models.CharField("签名", max_length=64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
