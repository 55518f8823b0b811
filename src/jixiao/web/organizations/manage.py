"""The bureau's organization, kept by the system administrator: departments (first-level units
and their subordinate units), their groups (批次 / 归口) and the bureau reviewers' assignments.

Each change is a use case: checked (every problem at its field, in Chinese), applied in one
transaction, audited (``audit.events``). A department renamed has its stored results computed
again (they print its name). Per-department administrators — a department's own account
manager — are a later step; today the system administrator keeps all of this.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jixiao.web.audit import events
from jixiao.web.errors import Conflict
from jixiao.web.organizations.models import (
    Department,
    DepartmentGroup,
    GroupKind,
    ReviewerAssignment,
    Role,
    SelfEvaluation,
)
from jixiao.web.policy import Who, user_of

REASON_CHARS = 500


def first_level_units() -> QuerySet[Department]:
    return Department.objects.filter(parent__isnull=True).order_by("code")


class DepartmentForm(forms.Form):
    """A department's code (fixed once made: data sets are matched by it), name, first-level
    unit and groups."""

    code = forms.CharField(label=_("部门编码"), max_length=64)
    name = forms.CharField(label=_("部门名称"), max_length=200)
    parent = forms.ModelChoiceField(
        label=_("上级单位"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("下属单位选择其一级单位；一级单位留空"),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("所属分组"),
        queryset=DepartmentGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, department: Department | None = None, **kwargs: Any) -> None:
        if department is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": department.code,
                    "name": department.name,
                    "parent": department.parent_id,
                    "groups": list(department.groups.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.department = department
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        units = first_level_units()
        parent.queryset = units.exclude(pk=department.pk) if department else units
        if department is not None:
            self.fields["code"].disabled = True

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        taken = Department.objects.filter(code=code)
        if self.department is not None:
            taken = taken.exclude(pk=self.department.pk)
        if taken.exists():
            raise forms.ValidationError(_("部门编码已存在"))
        return code

    def clean_parent(self) -> Department | None:
        parent: Department | None = self.cleaned_data.get("parent")
        if (
            parent is not None
            and self.department is not None
            and self.department.subordinates.exists()
        ):
            raise forms.ValidationError(_("本单位有下属单位，不能再设上级单位"))
        return parent


def _state_of(department: Department) -> dict[str, Any]:
    """A department as the audit log records it."""
    return {
        "部门编码": department.code,
        "部门名称": department.name,
        "上级单位": department.parent.code if department.parent else "",
        "所属分组": "；".join(str(g) for g in department.groups.order_by("kind", "name")),
    }


@transaction.atomic
def save_department(who: Who, form: DepartmentForm) -> Department:
    """Create the department or change it as the (valid) form says."""
    data = form.cleaned_data
    existing = form.department
    if existing is None:
        department = Department.objects.create(
            code=data["code"], name=data["name"], parent=data["parent"]
        )
        department.groups.set(data["groups"])
        events.department_saved(
            user_of(who), department.code, before=None, after=_state_of(department)
        )
        return department
    department = Department.objects.select_for_update().get(pk=existing.pk)
    before = _state_of(department)
    renamed = department.name != data["name"]
    department.name, department.parent = data["name"], data["parent"]
    department.save()
    department.groups.set(data["groups"])
    after = _state_of(department)
    if renamed:
        _recompute(department)
    if before != after:
        changed = [key for key in before if before[key] != after[key]]
        events.department_saved(
            user_of(who),
            department.code,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return department


def _recompute(department: Department) -> None:
    """The stored results of a renamed department, computed again (they print its name)."""
    from jixiao.web.results.store import refresh

    for record in SelfEvaluation.objects.filter(department=department).select_related("department"):
        refresh(record)


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("分组类别"), choices=GroupKind.choices)
    name = forms.CharField(label=_("分组名称"), max_length=100)

    def __init__(self, *args: Any, group: DepartmentGroup | None = None, **kwargs: Any) -> None:
        if group is not None:
            kwargs.setdefault("initial", {"kind": group.kind, "name": group.name})
        super().__init__(*args, **kwargs)
        self.group = group

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, name = data.get("kind"), (data.get("name") or "").strip()
        data["name"] = name
        taken = DepartmentGroup.objects.filter(kind=kind, name=name)
        if self.group is not None:
            taken = taken.exclude(pk=self.group.pk)
        if kind and name and taken.exists():
            self.add_error("name", _("同类别下已有同名分组"))
        return data


@transaction.atomic
def save_group(who: Who, form: GroupForm) -> DepartmentGroup:
    data = form.cleaned_data
    group = form.group
    if group is None:
        group = DepartmentGroup.objects.create(kind=data["kind"], name=data["name"])
        after = {"类别": group.get_kind_display(), "名称": group.name}
        events.group_saved(user_of(who), str(group), before=None, after=after)
        return group
    before = {"类别": str(group.get_kind_display()), "名称": group.name}
    group.kind, group.name = data["kind"], data["name"]
    group.save()
    after = {"类别": str(group.get_kind_display()), "名称": group.name}
    if before != after:
        events.group_saved(user_of(who), str(group), before=before, after=after)
    return group


# --- assignments ------------------------------------------------------------------------------


def bureau_reviewers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, membership__role=Role.BUREAU_REVIEWER).order_by(
        "username"
    )


class AssignmentForm(forms.Form):
    """The bureau reviewer who may re-score or accept a department-year (blank: none)."""

    reviewer = forms.ModelChoiceField(
        label=_("复核人"), queryset=User.objects.none(), required=False
    )
    reason = forms.CharField(label=_("原因"), max_length=REASON_CHARS, widget=forms.Textarea)

    def __init__(self, record: SelfEvaluation, *args: Any, **kwargs: Any) -> None:
        current = ReviewerAssignment.objects.filter(evaluation=record).first()
        kwargs.setdefault("initial", {"reviewer": current.reviewer_id if current else None})
        super().__init__(*args, **kwargs)
        self.record = record
        reviewer = self.fields["reviewer"]
        assert isinstance(reviewer, forms.ModelChoiceField)
        reviewer.queryset = bureau_reviewers()


class NotAReviewer(Conflict):
    """The account named is no (longer an active) bureau reviewer."""


@transaction.atomic
def assign_reviewer(
    who: Who, record: SelfEvaluation, reviewer: User | None, reason: str
) -> ReviewerAssignment | None:
    """Name ``reviewer`` (a bureau reviewer) as the one who may re-score or accept ``record``,
    or withdraw the naming (None); audited with the reason. Whether anything changed: the
    assignment, or None when withdrawn."""
    if reviewer is not None and not bureau_reviewers().filter(pk=reviewer.pk).exists():
        raise NotAReviewer(str(_("只能指派启用中的财政局审核人")))
    locked = SelfEvaluation.objects.select_for_update(no_key=True, of=("self",)).get(pk=record.pk)
    current = (
        ReviewerAssignment.objects.filter(evaluation=locked).select_related("reviewer").first()
    )
    before = current.reviewer.username if current else ""
    after = reviewer.username if reviewer else ""
    if before == after:
        return current
    if reviewer is None:
        ReviewerAssignment.objects.filter(evaluation=locked).delete()
        assignment = None
    else:
        assignment, _created = ReviewerAssignment.objects.update_or_create(
            evaluation=locked, defaults={"reviewer": reviewer, "assigned_by": user_of(who)}
        )
    events.reviewer_assigned(user_of(who), locked, before=before, after=after, reason=reason)
    return assignment
