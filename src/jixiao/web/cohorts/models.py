"""A cohort frozen at the bureau's cut-off (decision 0023).

A ``CohortSnapshot`` is the :class:`~jixiao.core.cohort.Cohort` of a year's departments — of one
department group, or of every department of the year when ``group`` is None — as the bureau
froze it: the figures its framework's ``cohort_rank`` items rank on, per department sent to
the bureau, stored as JSON by ``adapters.stored_json`` (as results are) with the SHA-256 of that
JSON. Snapshots are never changed or deleted: a new cut-off is a new row, and the current
snapshot of a group-year is its latest (``cut_off``, then ``id``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jixiao.web.organizations.models import DepartmentGroup


class CohortSnapshot(models.Model):
    fiscal_year = models.PositiveIntegerField("预算年度")
    group = models.ForeignKey(  # None: every department of the year
        DepartmentGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cohort_snapshots",
        verbose_name="部门分组",
    )
    framework = models.CharField("评价体系", max_length=200)
    framework_version = models.CharField("评价体系版本（SHA-256）", max_length=64)
    cut_off = models.DateTimeField("截止时间")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="设定人"
    )
    content = models.JSONField("同批部门数据")
    digest = models.CharField("同批部门数据摘要（SHA-256）", max_length=64)
    members = models.PositiveIntegerField("同批部门数")

    class Meta:
        verbose_name = "同批部门截止"
        verbose_name_plural = "同批部门截止"
        ordering = ["-cut_off", "-id"]
        indexes = [models.Index(fields=["fiscal_year", "framework"], name="cohort_year_framework")]

    def __str__(self) -> str:
        return f"{self.fiscal_year} 年 {self.group.name if self.group else '全部部门'}"
