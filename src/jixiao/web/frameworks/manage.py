"""The finance bureau's frameworks (decision 0030): install a framework file as a new version,
and say which framework a year — or one group's departments that year — is scored by.

Who: the bureau reviewer and the system administrator (``Actor.may_manage_frameworks``);
anyone else is answered 404.

**Installing** (:func:`install`): the file (UTF-8 YAML, at most 1 MB) is checked by the same
parser as every framework (``adapters.frameworks.check_framework``); a file with problems is
refused with every problem at its place — the line of a YAML syntax error, the key path of
anything else (``sz-2024.yaml nodes[0].points：…``) — and nothing is stored. Its name (letters,
digits, ``-`` and ``_``, at most 100, not a built-in framework's; the file's ``id`` when left
blank) and its version (the SHA-256 of its bytes) name it; a file identical to an installed
version is refused as already installed. Installed, audited (安装评价体系).

**Assigning** (:func:`assign`): in one transaction, the year's (group's) assignment is set, and
every department-year it covers that the bureau has not accepted yet (财政局审核通过 stay
pinned to their framework) takes the framework; their stored results are then stale, computed
again by a recompute job of the year queued in the same transaction (and by any read before it
runs). Audited (设置评价体系适用范围) with the framework before and after and the department-years
changed and kept, and each department-year changed in its own log (更换评价体系).

Worked example: ``demo-bureau`` installs sz-2024.yaml (name blank, its ``id`` sz-2024): stored as
``installed:sz-2024@<sha256>``; assigns it to 2023 for every department: 广州市商务局 2023 (填报中)
takes it, a 2023 year already 财政局审核通过 keeps ``guangzhou-department-overall-2023``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jixiao.adapters.frameworks import (
    builtin_framework_names,
    check_framework,
    framework_file,
    load_versioned,
)
from jixiao.core.problems import Problem, ProblemsFound, SourceLocation
from jixiao.web.audit import events
from jixiao.web.errors import Conflict, Invalid, NotFound
from jixiao.web.frameworks.models import (
    MAX_BYTES,
    NAME_CHARS,
    PREFIX,
    FrameworkAssignment,
    InstalledFramework,
    reference,
)
from jixiao.web.frameworks.source import split
from jixiao.web.organizations.models import DepartmentGroup, SelfEvaluation, Status
from jixiao.web.policy import Actor, Who, permitted, user_of

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
FIRST_YEAR, LAST_YEAR = 2000, 2100
REASON_CHARS = 500
FILE_NAME_CHARS = 200


def _manager(who: Who) -> Actor:
    return permitted(who, Actor.may_manage_frameworks)


# --- listing ----------------------------------------------------------------------------------


@dataclass
class Listed:
    """One framework version as the page lists it."""

    reference: str  # what SelfEvaluation.framework holds
    name: str
    version: str
    title: str
    builtin: bool
    installed: InstalledFramework | None = None
    assignments: list[FrameworkAssignment] = field(default_factory=list)
    department_years: int = 0  # how many department-years it scores


def listed(who: Who) -> list[Listed]:
    """The built-in frameworks and every installed version (newest first per name), each with
    the years and groups assigned to it and how many department-years it scores."""
    _manager(who)
    rows: list[Listed] = []
    for name in builtin_framework_names():
        versioned = load_versioned(name)
        rows.append(Listed(name, name, versioned.version, versioned.framework.name, True))
    for installed in InstalledFramework.objects.select_related("installed_by").defer("content"):
        rows.append(
            Listed(
                installed.reference,
                installed.name,
                installed.version,
                installed.title,
                False,
                installed,
            )
        )
    by_reference = {row.reference: row for row in rows}
    for assignment in FrameworkAssignment.objects.select_related("group"):
        if assignment.framework in by_reference:
            by_reference[assignment.framework].assignments.append(assignment)
    used = SelfEvaluation.objects.values_list("framework").annotate(n=Count("id"))
    for used_by, count in used:
        if used_by in by_reference:
            by_reference[used_by].department_years = count
    return rows


def known(reference: str) -> bool:
    """Whether ``reference`` names a built-in framework or an installed version."""
    if reference in builtin_framework_names():
        return True
    parts = split(reference)
    return (
        parts is not None
        and InstalledFramework.objects.filter(name=parts[0], version=parts[1]).exists()
    )


def file_of(who: Who, reference: str) -> tuple[str, bytes]:
    """The YAML file of a built-in framework or an installed version, as shipped or installed
    (its SHA-256 is the version shown): a file name and the bytes. Only what ``known`` names
    is read — never a path on the server; anything else is 404."""
    _manager(who)
    if len(reference) > len(PREFIX) + NAME_CHARS + 65 or not known(reference):
        raise NotFound(_("没有这个评价体系"))
    parts = split(reference)
    name = f"{parts[0]}-{parts[1][:12]}" if parts is not None else reference
    return f"{name}.yaml", framework_file(reference)[1]


def choices() -> list[tuple[str, str]]:
    """Every framework one may assign: (reference, label)."""
    found = [(name, f"{name}（{_('内置')}）") for name in builtin_framework_names()]
    for name, version, title in InstalledFramework.objects.values_list("name", "version", "title"):
        found.append((reference(name, version), f"{name}@{version[:12]} {title}"))
    return found


# --- installing -------------------------------------------------------------------------------


class InstallForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=NAME_CHARS,
        required=False,
        help_text=gettext_lazy("字母、数字、- 和 _，至多 100 个字符；留空则取文件中的 id"),
    )
    file = forms.FileField(
        label=gettext_lazy("评价体系文件（YAML，至多 1 MB）"), allow_empty_file=True
    )


def _problem(field_name: str, message: str) -> Problem:
    return Problem("E-INVALID", message, SourceLocation(field_name))


def install(who: Who, content: bytes, file_name: str, name: str = "") -> InstalledFramework:
    """Check ``content`` and install it as a new version of ``name`` (see the module)."""
    actor = _manager(who)
    label = (file_name or "评价体系.yaml")[:FILE_NAME_CHARS]
    if len(content) > MAX_BYTES:
        message = _("文件超过 1 MB")
        raise Invalid(message, [_problem(label, message)])
    try:
        framework = check_framework(content, label)
    except ProblemsFound as found:
        raise Invalid(
            _("评价体系文件有 %(count)d 个问题，未安装") % {"count": len(found.problems)},
            found.problems,
        ) from found
    name = name.strip() or framework.id
    where = _("名称")
    if len(name) > NAME_CHARS or not NAME.fullmatch(name):
        message = _(
            "%(field)s“%(name)s”只能由字母、数字、- 和 _ 组成（以字母或数字开头），至多 100 个字符"
        ) % {
            "field": where,
            "name": name[:NAME_CHARS],
        }
        raise Invalid(message, [_problem(where, message)])
    if name in builtin_framework_names():
        message = _("%(field)s“%(name)s”是内置评价体系的名称，请换一个") % {
            "field": where,
            "name": name,
        }
        raise Invalid(message, [_problem(where, message)])
    version = load_version(content)
    with transaction.atomic():
        same = InstalledFramework.objects.filter(version=version).first()
        if same is not None:
            raise Conflict(
                _("该文件与已安装的评价体系 %(name)s（版本 %(version)s）完全相同，无需再次安装")
                % {"name": same.name, "version": version[:12]}
            )
        try:
            with transaction.atomic():
                installed = InstalledFramework.objects.create(
                    name=name,
                    version=version,
                    title=framework.name[:200],
                    content=content.decode("utf-8"),
                    installed_by=user_of(actor),
                )
        except IntegrityError as error:  # the same file installed meanwhile under this name
            raise Conflict(_("该文件刚刚已被安装")) from error
        events.framework_installed(
            user_of(actor),
            name,
            {
                "名称": name,
                "版本": version,
                "标题": installed.title,
                "文件": label,
                "字节数": len(content),
                "引用": installed.reference,
            },
        )
    return installed


def load_version(content: bytes) -> str:
    """A framework file's version: the SHA-256 of its bytes (as ``load_versioned`` says)."""
    return hashlib.sha256(content).hexdigest()


# --- assigning --------------------------------------------------------------------------------


class AssignForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("预算年度"), min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("部门分组"),
        queryset=DepartmentGroup.objects.all(),
        required=False,
        empty_label=gettext_lazy("（该年度全部部门）"),
    )
    framework = forms.ChoiceField(label=gettext_lazy("评价体系"), choices=())
    reason = forms.CharField(
        label=gettext_lazy("原因"), max_length=REASON_CHARS, widget=forms.Textarea
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        framework = self.fields["framework"]
        assert isinstance(framework, forms.ChoiceField)
        framework.choices = choices()


@dataclass(frozen=True)
class Assigned:
    """What setting an assignment did."""

    assignment: FrameworkAssignment
    changed: int  # department-years that took the framework
    pinned: int  # department-years kept on theirs: accepted by the bureau
    job: int | None  # the recompute job queued, when any changed


def scope_label(fiscal_year: int, group: DepartmentGroup | None) -> str:
    """``2023 年度 批次：第一批`` or ``2023 年度 全部部门`` (as the audit log names it)."""
    return f"{fiscal_year} 年度 {group if group is not None else '全部部门'}"


@transaction.atomic
def assign(
    who: Who, fiscal_year: int, group: DepartmentGroup | None, framework: str, reason: str
) -> Assigned:
    """Score ``fiscal_year``'s department-years (of ``group``, or all) by ``framework`` (see the
    module)."""
    from jixiao.web.jobs.services import queue_recompute_year

    actor = _manager(who)
    if not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        message = _("预算年度须在 %(first)d 至 %(last)d 之间") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
        raise Invalid(message, [_problem(_("预算年度"), message)])
    if not known(framework):
        message = _("找不到评价体系“%(name)s”") % {"name": framework[:200]}
        raise Invalid(message, [_problem(_("评价体系"), message)])
    existing = (
        FrameworkAssignment.objects.select_for_update()
        .filter(fiscal_year=fiscal_year, group=group)
        .order_by("pk")  # not the default ordering's outer join to the group
        .first()
    )
    before = existing.framework if existing is not None else ""
    if existing is None:
        try:
            with transaction.atomic():
                assignment = FrameworkAssignment.objects.create(
                    fiscal_year=fiscal_year, group=group, framework=framework, set_by=user_of(actor)
                )
        except IntegrityError as error:  # set by someone else meanwhile
            raise Conflict(_("该年度（分组）的评价体系刚刚已被他人设置，请刷新后重试")) from error
    else:
        existing.framework, existing.set_by = framework, user_of(actor)
        existing.save()
        assignment = existing
    covered = SelfEvaluation.objects.select_for_update(no_key=True, of=("self",)).filter(
        fiscal_year=fiscal_year
    )
    if group is not None:
        covered = covered.filter(department__groups=group)
    rows = list(covered.select_related("department").order_by("pk"))
    pinned = [row.department.code for row in rows if row.status == Status.BUREAU_ACCEPTED]
    moving = [
        row for row in rows if row.status != Status.BUREAU_ACCEPTED and row.framework != framework
    ]
    SelfEvaluation.objects.filter(pk__in=[row.pk for row in moving]).update(framework=framework)
    for row in moving:  # in each year's own log: why its score changed
        events.framework_changed(
            user_of(actor), row, before=row.framework, after=framework, reason=reason
        )
    job = queue_recompute_year(actor, fiscal_year) if moving else None
    events.framework_assigned(
        user_of(actor),
        scope_label(fiscal_year, group),
        before={"评价体系": before},
        after={
            "评价体系": framework,
            "改用的部门年度": [row.department.code for row in moving],
            "保持原评价体系（财政局已审核通过）": pinned,
        },
        reason=reason,
    )
    return Assigned(assignment, len(moving), len(pinned), job.pk if job is not None else None)
