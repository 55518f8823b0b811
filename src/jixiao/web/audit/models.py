"""The audit log: who changed what, when, from what to what, and why — append-only and
tamper-evident.

Each event stores the SHA-256 of its own content together with its predecessor's hash, so
altering, inserting or deleting any past event breaks the chain from there on;
:func:`jixiao.web.audit.services.verify_chain` names the first broken event.
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
    action = models.CharField("操作", max_length=100)
    target = models.CharField("对象", max_length=300)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    reason = models.TextField("原因", blank=True)
    previous_hash = models.CharField("前一条的哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *_args: Any, **_kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("审计日志只能追加，不能删除")
