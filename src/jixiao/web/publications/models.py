"""A ranking the finance bureau publishes (公布排名): the year's (or a group's) ranking as it
stood when published, frozen — what the departments in it may read of each other's scores and
ranks, and nothing more (decision 0031)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jixiao.web.organizations.models import Department, DepartmentGroup


class PublishedRanking(models.Model):
    fiscal_year = models.PositiveIntegerField("预算年度")
    group = models.ForeignKey(
        DepartmentGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="分组",
        help_text="空：该年度全部部门",
    )
    note = models.CharField("说明", max_length=500, blank=True)
    # each line as published: rank, department code and name, level, score, grade, is_review
    lines = models.JSONField("排名")
    digest = models.CharField("摘要（SHA-256）", max_length=64)
    departments = models.ManyToManyField(
        Department, related_name="published_rankings", verbose_name="所列部门"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="公布人"
    )
    published_at = models.DateTimeField("公布时间")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawal_reason = models.CharField("撤回原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "公布的排名"
        verbose_name_plural = "公布的排名"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        scope = self.group.name if self.group is not None else "全部部门"
        return f"{self.fiscal_year} 年度排名（{scope}）"
