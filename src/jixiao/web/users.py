"""User administration by the system administrator: accounts with their role and scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from jixiao.web.access import membership
from jixiao.web.audit.services import record_event
from jixiao.web.organizations.models import Department, Division, Membership, Role


def is_system_admin(user: User) -> bool:
    scope = membership(user)
    return scope is not None and scope.role == Role.SYSTEM_ADMIN


class NewUserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    department = forms.ModelChoiceField(
        label="部门", queryset=Department.objects.all(), required=False
    )
    division = forms.ModelChoiceField(label="处室", queryset=Division.objects.all(), required=False)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise ValidationError("该用户名已存在")
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, department, division = data.get("role"), data.get("department"), data.get("division")
        if role == Role.DIVISION_FILLER and division is None:
            self.add_error("division", "处室填报人须指定处室")
        if role in (Role.DIVISION_FILLER, Role.FINANCE_REVIEWER, Role.UNIT_LEADER) and (
            department is None
        ):
            self.add_error("department", "该角色须指定部门")
        if division is not None and department is not None and division.department != department:
            self.add_error("division", "处室不属于所选部门")
        if role in (Role.BUREAU_REVIEWER, Role.SYSTEM_ADMIN) and (department or division):
            self.add_error("role", "财政局审核人和系统管理员不限于某个部门，请不要选择部门或处室")
        return data


@transaction.atomic
def create_user(admin: User, form: NewUserForm) -> User:
    data = form.cleaned_data
    user = User.objects.create_user(data["username"], password=data["password"])
    Membership.objects.create(
        user=user, role=data["role"], department=data["department"], division=data["division"]
    )
    record_event(
        admin,
        "新建用户",
        f"用户 {user.username}",
        after={
            "role": data["role"],
            "department": data["department"].name if data["department"] else None,
            "division": data["division"].name if data["division"] else None,
        },
    )
    return user
