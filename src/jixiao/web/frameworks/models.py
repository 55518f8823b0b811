"""The frameworks the finance bureau installed and the framework each year (or group) is
scored by (decision 0030).

An :class:`InstalledFramework` is one version of a framework file: its bytes' SHA-256 is its
version, and it never changes once stored (a changed file is a new version of the same name), so
its parsed framework is kept per process for good. Department-years refer to it as
``installed:<name>@<version>`` (:func:`reference`).

A :class:`FrameworkAssignment` says which framework a fiscal year's department-years are scored
by — those of one department group, or (``group`` None) every department of the year.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from jixiao.web.organizations.models import DepartmentGroup

PREFIX = "installed:"
NAME_CHARS = 100
MAX_BYTES = 1024 * 1024  # a framework file of 1 MB at most (the built-in ones are ~10 KB)


def reference(name: str, version: str) -> str:
    """How a department-year names an installed version: ``installed:sz-2024@<sha256>``."""
    return f"{PREFIX}{name}@{version}"


class Immutable(Exception):
    """An installed framework version cannot be changed or deleted."""


class InstalledFramework(models.Model):
    name = models.CharField("名称", max_length=NAME_CHARS)
    version = models.CharField("版本（SHA-256）", max_length=64)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容（YAML）")
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="安装人"
    )
    installed_at = models.DateTimeField("安装时间", auto_now_add=True)

    class Meta:
        verbose_name = "已安装评价体系"
        verbose_name_plural = "已安装评价体系"
        ordering = ["name", "-installed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_installed_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.version[:12]}"

    @property
    def reference(self) -> str:
        return reference(self.name, self.version)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Immutable("已安装的评价体系版本不能修改")
        super().save(*args, **kwargs)

    def delete(self, *_args: Any, **_kwargs: Any) -> tuple[int, dict[str, int]]:
        raise Immutable("已安装的评价体系版本不能删除")


class FrameworkAssignment(models.Model):
    """The framework of a fiscal year's department-years: one group's, or every department's
    (``group`` None). The latest set of those covering a department-year wins."""

    fiscal_year = models.PositiveIntegerField("预算年度")
    group = models.ForeignKey(
        DepartmentGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="framework_assignments",
        verbose_name="部门分组",
    )
    framework = models.CharField("评价体系", max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="设置人"
    )
    set_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = "评价体系适用范围"
        verbose_name_plural = "评价体系适用范围"
        ordering = ["-fiscal_year", "group__kind", "group__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "group"],
                condition=models.Q(group__isnull=False),
                name="one_framework_per_year_and_group",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year"],
                condition=models.Q(group__isnull=True),
                name="one_framework_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} 年度 {self.group or '全部部门'}"
