"""Accounts in bulk: the system administrator uploads the accounts workbook
(``adapters/accounts_workbook.py``); it is checked whole, then every account is created in one
transaction, or none.

Checked at each cell, every problem listed, nothing created when there is one: a username
that is empty, too long, has characters outside ``@ . + - _``, repeats another row's regardless
of case, or is taken regardless of case; a name over 150 characters; a role that is not one of
the roles' Chinese names; a department code that is missing for a department role, present for
a bureau or system role, or unknown; a division that is missing for a division filler, given
for another role, or not a division of that department (divisions are not created here); a
password the validators refuse (checked against the row's username). A blank password is
generated (``GENERATED_LENGTH`` letters and digits, checked by the same validators).

Created: one ``新建用户`` audit event per account (its role and scope, and the workbook's name
as the reason), in the same transaction. Generated passwords are answered to the caller once —
the page shows them and offers them as a workbook inside that one response — and never stored
in clear (only Django's hash, as for any password).
"""

from __future__ import annotations

import secrets
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jixiao.adapters.accounts_workbook import AccountRow, passwords_workbook, read_accounts
from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.audit import events
from jixiao.web.audit.services import in_record_language
from jixiao.web.errors import Conflict, Invalid, NotFound
from jixiao.web.organizations.models import Department, Division, Membership, Role
from jixiao.web.policy import Who, as_actor, user_of
from jixiao.web.users import existing_username, username_taken

MAX_BYTES = 5 * 1024 * 1024
GENERATED_LENGTH = 14
USERNAME_LENGTH = 150
NAME_LENGTH = 150
WITH_DEPARTMENT = (
    Role.DIVISION_FILLER,
    Role.FINANCE_REVIEWER,
    Role.UNIT_LEADER,
    Role.DEPARTMENT_ADMIN,
)


@dataclass
class Planned:
    row: AccountRow
    username: str
    full_name: str
    role: Role
    department: Department | None
    division: Division | None
    password: str
    generated: bool


@dataclass
class Created:
    """What the administrator sees once: each account, and the password generated for it."""

    accounts: list[Planned]

    @property
    def generated(self) -> list[Planned]:
        return [account for account in self.accounts if account.generated]

    def workbook(self) -> bytes:
        """The accounts with a generated password, as a workbook (built now, kept nowhere)."""
        return passwords_workbook(
            [
                (
                    account.username,
                    account.full_name,
                    str(account.role.label),
                    account.department.name if account.department else "",
                    account.division.name if account.division else "",
                    account.password,
                )
                for account in self.generated
            ]
        )


def role_names() -> dict[str, Role]:
    """The roles by their Chinese names."""
    with in_record_language():
        return {str(role.label): role for role in Role}


def generated_password(username: str) -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(GENERATED_LENGTH))
        try:
            validate_password(password, User(username=username))
        except ValidationError:  # pragma: no cover — 14 random characters practically never
            continue
        return password


def _plan(rows: list[AccountRow]) -> tuple[list[Planned], list[Problem]]:
    problems: list[Problem] = []
    roles = role_names()
    departments = {d.code: d for d in Department.objects.all()}
    seen: dict[str, int] = {}
    planned: list[Planned] = []
    validator = UnicodeUsernameValidator()

    def problem(row: AccountRow, key: str, message: str) -> None:
        problems.append(Problem("E-ACCOUNT", message, row.cells[key]))

    for row in rows:
        v = row.values
        username, ok = v["username"], True
        if not username:
            problem(row, "username", "用户名为必填项，不能为空")
            ok = False
        elif len(username) > USERNAME_LENGTH:
            problem(row, "username", f"用户名超过 {USERNAME_LENGTH} 个字符")
            ok = False
        else:
            try:
                validator(username)
            except ValidationError:
                problem(row, "username", "用户名只能包含字母、数字和 @ . + - _")
                ok = False
        if ok:
            folded = username.casefold()
            if folded in seen:
                problem(
                    row,
                    "username",
                    f"用户名“{username}”与第 {seen[folded]} 行重复（用户名不区分大小写）",
                )
                ok = False
            else:
                seen[folded] = row.row
                existing = existing_username(username)
                if existing is not None:
                    problem(row, "username", username_taken(username, existing))
                    ok = False
        if len(v["full_name"]) > NAME_LENGTH:
            problem(row, "full_name", f"姓名超过 {NAME_LENGTH} 个字符")
            ok = False
        role = roles.get(v["role"])
        department: Department | None = None
        division: Division | None = None
        if role is None:
            known = "、".join(roles)
            shown = f"角色“{v['role']}”不存在" if v["role"] else "角色为必填项，不能为空"
            problem(row, "role", f"{shown}；可填：{known}")
            ok = False
        elif role in WITH_DEPARTMENT:
            if not v["department"]:
                problem(row, "department", f"{role.label}须填写部门编码")
                ok = False
            else:
                department = departments.get(v["department"])
                if department is None:
                    problem(row, "department", f"没有部门编码为“{v['department']}”的部门")
                    ok = False
        elif v["department"] or v["division"]:
            place = "department" if v["department"] else "division"
            problem(row, place, "财政局审核人和系统管理员不限于某个部门，部门编码和处室须留空")
            ok = False
        if role == Role.DIVISION_FILLER and not v["division"]:
            problem(row, "division", "处室填报人须填写处室")
            ok = False
        elif role in WITH_DEPARTMENT and role != Role.DIVISION_FILLER and v["division"]:
            problem(row, "division", "只有处室填报人限于处室，请将处室留空")
            ok = False
        elif role == Role.DIVISION_FILLER and department is not None:
            division = Division.objects.filter(department=department, name=v["division"]).first()
            if division is None:
                problem(row, "division", f"{department.name}没有名为“{v['division']}”的处室")
                ok = False
        password, generated = v["password"], False
        if password:
            try:
                validate_password(password, User(username=username))
            except ValidationError as error:
                problem(row, "password", "；".join(error.messages))
                ok = False
        elif ok:
            password, generated = generated_password(username), True
        if ok and role is not None:
            planned.append(
                Planned(
                    row, username, v["full_name"], role, department, division, password, generated
                )
            )
    return planned, problems


def create_accounts(who: Who, upload: UploadedFile[bytes]) -> Created:
    """Check the accounts workbook whole and create every account in one transaction; refused
    with every problem at its cell (:class:`Invalid`) when there is any."""
    actor = as_actor(who)
    if not actor.is_system_admin:
        raise NotFound(_("没有这个页面，或您无权查看"))
    if upload.size is not None and upload.size > MAX_BYTES:
        raise Invalid(_("文件超过 5 MB"))
    name = (upload.name or "账号.xlsx")[:200]
    with tempfile.TemporaryDirectory(prefix="jixiao-accounts-") as folder:
        path = Path(folder) / "accounts.xlsx"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        rows, problems = read_accounts(path, name)
    planned: list[Planned] = []
    if not problems:
        planned, problems = _plan(rows)
    if problems:
        raise Invalid(_("账号工作簿有错误，未新建任何账号"), problems)
    admin = user_of(actor)
    try:
        with transaction.atomic():
            for account in planned:
                user = User.objects.create_user(
                    account.username, password=account.password, first_name=account.full_name
                )
                Membership.objects.create(
                    user=user,
                    role=account.role,
                    department=account.department,
                    division=account.division,
                )
                with in_record_language():
                    scope = {
                        "启用": "是",
                        "角色": str(account.role.label),
                        "部门": account.department.name if account.department else None,
                        "处室": account.division.name if account.division else None,
                    }
                events.user_created(
                    admin, account.username, scope, reason=f"批量新建账号：工作簿“{name}”"
                )
    except IntegrityError as error:  # a username taken meanwhile: nothing was created
        raise Conflict(_("有用户名刚被占用，未新建任何账号；请重新上传")) from error
    return Created(planned)


def place(problem: Problem) -> str:
    """A problem's place as the page shows it: ``文件 账号!C3``."""
    location: SourceLocation = problem.location
    if location.sheet is not None:
        return f"{location.file} {location}"
    return str(location)
