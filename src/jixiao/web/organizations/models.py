"""Departments, their divisions, each department-year's self-evaluation, and who may do what.

The finance bureau's organization: a department is a first-level unit (一级单位) or, with a
``parent``, one of its subordinate units (下属单位) — one level deep; departments belong to any
number of department groups (:class:`DepartmentGroup`), each a 批次 (review group) or an 归口
(portfolio); a :class:`ReviewerAssignment` names the bureau reviewer who may later re-score or
accept a department-year (every bureau reviewer reads every department).

A user's :class:`Membership` gives a role and a scope: a division filler (处室填报人) works in one
division of one department; a finance reviewer (财务审核人) and a unit leader (单位负责人) in one
department; a finance-bureau reviewer (财政局审核人) reads every department; a system
administrator manages users; a department's account administrator (部门账号管理员) manages that
department's accounts only and reads no data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    REVIEW_GROUP = "review_group", _("批次")
    PORTFOLIO = "portfolio", _("归口")


class DepartmentGroup(models.Model):
    """Departments reviewed or ranked together: a 批次 (review group) or an 归口 (portfolio)."""

    kind = models.CharField("分组类别", max_length=32, choices=GroupKind.choices)
    name = models.CharField("分组名称", max_length=100)

    class Meta:
        verbose_name = "部门分组"
        verbose_name_plural = "部门分组"
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="unique_group_name_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class Department(models.Model):
    code = models.CharField("部门编码", max_length=64, unique=True)
    name = models.CharField("部门名称", max_length=200)
    parent = models.ForeignKey(  # a subordinate unit's first-level unit; one level deep
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subordinates",
        verbose_name="上级单位",
    )
    groups = models.ManyToManyField(
        DepartmentGroup, blank=True, related_name="departments", verbose_name="所属分组"
    )
    # Stamped at every save; a change of its groups saves it too (organizations.manage,
    # organizations.roster): the bureau's ranks are kept under the latest stamp.
    changed_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        constraints = [
            models.CheckConstraint(
                name="department_not_its_own_parent",
                condition=~models.Q(parent=models.F("id")),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Division(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="divisions")
    name = models.CharField("处室名称", max_length=200)

    class Meta:
        verbose_name = "处室"
        verbose_name_plural = "处室"
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="unique_division_name")
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.name}"


class Status(models.TextChoices):
    """The self-evaluation's workflow; data locks on submission and unlocks only by a return."""

    DRAFTING = "drafting", _("填报中")
    DIVISIONS_SUBMITTED = "divisions_submitted", _("处室已提交")
    FINANCE_REVIEWED = "finance_reviewed", _("财务已审核")
    APPROVED = "approved", _("单位已审定")
    SUBMITTED_TO_BUREAU = "submitted_to_bureau", _("已报送财政局")
    BUREAU_ACCEPTED = "bureau_accepted", _("财政局审核通过")  # the bureau's review done


class SelfEvaluation(models.Model):
    """One department's fiscal year: the data set and where it is in the workflow."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="self_evaluations"
    )
    fiscal_year = models.PositiveIntegerField("预算年度")
    framework = models.CharField("评价体系", max_length=200)
    special_fund_name = models.CharField("专项资金名称", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=32, choices=Status.choices, default=Status.DRAFTING
    )

    class Meta:
        verbose_name = "年度绩效自评"
        verbose_name_plural = "年度绩效自评"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "fiscal_year"], name="one_self_evaluation_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.fiscal_year} 年度"


class Role(models.TextChoices):
    DIVISION_FILLER = "division_filler", _("处室填报人")
    FINANCE_REVIEWER = "finance_reviewer", _("财务审核人")
    UNIT_LEADER = "unit_leader", _("单位负责人")
    BUREAU_REVIEWER = "bureau_reviewer", _("财政局审核人")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    # Manages the accounts of one department only (decision 0028): creates its division
    # fillers, finance reviewers and unit leaders, deactivates them, resets their passwords.
    DEPARTMENT_ADMIN = "department_admin", _("部门账号管理员")


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = "角色与范围"
        verbose_name_plural = "角色与范围"
        constraints = [
            models.CheckConstraint(
                name="division_filler_has_a_division",
                condition=~models.Q(role="division_filler") | models.Q(division__isnull=False),
            ),
            models.CheckConstraint(
                name="department_roles_have_a_department",
                condition=~models.Q(
                    role__in=[
                        "division_filler",
                        "finance_reviewer",
                        "unit_leader",
                        "department_admin",
                    ]
                )
                | models.Q(department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}"


class Transition(models.Model):
    """One step of a self-evaluation through the workflow, with who took it and why."""

    evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=32, choices=Status.choices)
    to_status = models.CharField("新状态", max_length=32, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reason = models.TextField("理由", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    division = models.ForeignKey(  # a division's own submission or return, within 填报中
        Division, on_delete=models.PROTECT, null=True, blank=True, verbose_name="处室"
    )

    class Meta:
        verbose_name = "流程记录"
        verbose_name_plural = "流程记录"
        ordering = ["-at", "-id"]


class DivisionSubmission(models.Model):
    """A division has submitted its part of the year's data: its rows are locked for its
    fillers until the finance reviewer returns them. When every division that has a filler has
    submitted, the self-evaluation moves to 处室已提交."""

    evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.CASCADE, related_name="division_submissions"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, verbose_name="处室")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="提交人"
    )
    at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "处室提交"
        verbose_name_plural = "处室提交"
        ordering = ["division__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "division"], name="one_submission_per_division"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.division.name}"


class ReviewerAssignment(models.Model):
    """The bureau reviewer who may re-score or accept a department-year (复核, 审核通过 — a
    later version acts on it); every bureau reviewer reads every department all the same."""

    evaluation = models.OneToOneField(
        SelfEvaluation,
        on_delete=models.CASCADE,
        related_name="assignment",
        verbose_name="年度绩效自评",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="review_assignments",
        verbose_name="复核人",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="指派人"
    )
    at = models.DateTimeField("指派时间", auto_now=True)

    class Meta:
        verbose_name = "复核指派"
        verbose_name_plural = "复核指派"

    def __str__(self) -> str:
        return f"{self.evaluation} {self.reviewer}"
