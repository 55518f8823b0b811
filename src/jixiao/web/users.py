"""User administration: accounts with their role and scope, by the system administrator (every
account) and by a department's account administrator (their department's accounts only, the
department's roles only — ``Actor.managed_accounts``, ``Actor.may_grant``; decision 0028)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jixiao.web.audit import events
from jixiao.web.audit.services import in_record_language
from jixiao.web.errors import Conflict, NotFound
from jixiao.web.organizations.models import Department, Division, Membership, Role
from jixiao.web.policy import DEPARTMENT_ROLES, Actor, Who, as_actor, membership, user_of


class UsernameTaken(Conflict):
    """Another account has this username, in this or another case: found by the database's
    unique index when two administrators create the accounts at the same moment."""


def existing_username(username: str) -> str | None:
    """The stored username equal to ``username`` regardless of case, if there is one. Usernames
    are unique regardless of case (a unique index on LOWER(username), migration
    organizations 0004), so there is at most one."""
    return User.objects.filter(username__iexact=username).values_list("username", flat=True).first()


def username_taken(username: str, existing: str) -> str:
    """Why ``username`` cannot be given to a new account, ``existing`` being taken."""
    if existing == username:
        return str(_("该用户名已存在"))
    return str(
        _("已有用户 %(existing)s；用户名不区分大小写，不能只以大小写与已有用户区分")
        % {"existing": existing}
    )


def is_system_admin(who: Who) -> bool:
    return as_actor(who).is_system_admin


class ScopeForm(forms.Form):
    """A role and the department or division it is limited to. For a department's account
    administrator (``actor``), only the department's roles, their department and its
    divisions are offered, and anything else is refused at its field."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.all(), required=False
    )
    division = forms.ModelChoiceField(
        label=_("处室"), queryset=Division.objects.all(), required=False
    )

    def limit_to(self, actor: Actor | None) -> None:
        """Offer only what ``actor`` may grant (nothing changes for the system administrator)."""
        self.actor = actor
        own = actor.managed_department_id if actor is not None else None
        if actor is None or actor.is_system_admin or own is None:
            return
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [(r.value, r.label) for r in Role if r in DEPARTMENT_ROLES]
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = Department.objects.filter(pk=own)
        department.required = True
        division = self.fields["division"]
        assert isinstance(division, forms.ModelChoiceField)
        division.queryset = Division.objects.filter(department_id=own)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, department, division = data.get("role"), data.get("department"), data.get("division")
        actor = getattr(self, "actor", None)
        if (
            actor is not None
            and role is not None
            and not actor.may_grant(role, department.pk if department is not None else None)
        ):
            self.add_error("role", _("您只能在本部门内设置处室填报人、财务审核人或单位负责人"))
        if role == Role.DIVISION_FILLER and division is None:
            self.add_error("division", _("处室填报人须指定处室"))
        if role in (Role.DIVISION_FILLER, Role.FINANCE_REVIEWER, Role.UNIT_LEADER) and (
            department is None
        ):
            self.add_error("department", _("该角色须指定部门"))
        if division is not None and department is not None and division.department != department:
            self.add_error("division", _("处室不属于所选部门"))
        if role in (Role.BUREAU_REVIEWER, Role.SYSTEM_ADMIN) and (department or division):
            unbound = _("财政局审核人和系统管理员不限于某个部门，请不要选择部门或处室")
            self.add_error("role", unbound)
        if role != Role.DIVISION_FILLER and division is not None and "role" not in self.errors:
            self.add_error("division", _("只有处室填报人限于处室，请不要选择处室"))
        return data


class NewUserForm(ScopeForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        validators=[UnicodeUsernameValidator(message=_("用户名只能包含字母、数字和 @ . + - _"))],
    )
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)
    field_order = ["username", "password", "role", "department", "division"]

    def __init__(self, *args: Any, actor: Actor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_to(actor)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        existing = existing_username(username)
        if existing is not None:
            raise ValidationError(username_taken(username, existing))
        return username

    def clean_password(self) -> str:
        """The password policy (settings.AUTH_PASSWORD_VALIDATORS), checked against the new
        account's username too, so that a password like the username is refused."""
        password: str = self.cleaned_data["password"]
        validate_password(password, User(username=self.cleaned_data.get("username", "")))
        return password


class EditUserForm(ScopeForm):
    """Change an account's role and scope, deactivate or reactivate it, or set a new password."""

    is_active = forms.BooleanField(label=_("启用"), required=False)
    password = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("留空则不修改密码"),
    )

    def __init__(
        self, account: User, admin: User, *args: Any, actor: Actor | None = None, **kwargs: Any
    ) -> None:
        scope = membership(account)
        kwargs.setdefault(
            "initial",
            {
                "role": scope.role if scope else None,
                "department": scope.department_id if scope else None,
                "division": scope.division_id if scope else None,
                "is_active": account.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        self.account = account
        self.admin = admin
        self.limit_to(actor)

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if password:
            validate_password(password, self.account)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.account == self.admin:
            if not data.get("is_active"):
                self.add_error("is_active", _("不能停用自己的账号"))
            if data.get("role") != Role.SYSTEM_ADMIN:
                self.add_error("role", _("不能取消自己的系统管理员角色"))
        return data


def _scope_of(user: User) -> dict[str, Any]:
    """An account's state as the audit log records it."""
    scope = membership(user)
    with in_record_language():
        return {
            "启用": "是" if user.is_active else "否",
            "角色": str(scope.get_role_display()) if scope else None,
            "部门": scope.department.name if scope and scope.department else None,
            "处室": scope.division.name if scope and scope.division else None,
        }


def _check_grant(who: Who, data: dict[str, Any], account: User | None = None) -> None:
    """Refuse (404, as for anything outside a scope) what ``who`` may not do: change an account
    they do not manage, or grant a role outside their reach (``Actor.may_grant``)."""
    actor = as_actor(who)
    department = data.get("department")
    if account is not None and not actor.managed_accounts().filter(pk=account.pk).exists():
        raise NotFound(str(_("没有这个用户，或您无权管理")))
    if not actor.may_grant(data["role"], department.pk if department is not None else None):
        raise NotFound(str(_("没有这个用户，或您无权管理")))


@transaction.atomic
def create_user(who: Who, form: NewUserForm) -> User:
    data = form.cleaned_data
    _check_grant(who, data)
    try:
        with transaction.atomic():
            user = User.objects.create_user(data["username"], password=data["password"])
    except IntegrityError as error:
        existing = existing_username(data["username"])
        if existing is None:
            raise
        raise UsernameTaken(username_taken(data["username"], existing)) from error
    Membership.objects.create(
        user=user, role=data["role"], department=data["department"], division=data["division"]
    )
    events.user_created(user_of(who), user.username, _scope_of(user))
    return user


@transaction.atomic
def change_user(who: Who, form: EditUserForm) -> bool:
    """Apply the form; whether anything changed. A new password is recorded as changed, never
    its value."""
    account, data = form.account, form.cleaned_data
    _check_grant(who, data, account)
    before = _scope_of(account)
    account.is_active = data["is_active"]
    if data["password"]:
        account.set_password(data["password"])
    account.save()
    Membership.objects.update_or_create(
        user=account,
        defaults={
            "role": data["role"],
            "department": data["department"],
            "division": data["division"],
        },
    )
    after = _scope_of(account)
    changed = {key for key in before if before[key] != after[key]}
    if data["password"]:
        before["密码"], after["密码"] = "（原密码）", "（已重设）"
        changed.add("密码")
    if not changed:
        return False
    events.user_changed(
        user_of(who),
        account.username,
        {k: v for k, v in before.items() if k in changed},
        {k: v for k, v in after.items() if k in changed},
    )
    return True
