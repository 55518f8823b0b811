"""The system administrator's pages for the bureau's organization: departments, groups, the
roster workbook and reviewers' assignments. Thin: check access, call ``manage`` / ``roster``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.web.errors import NotFound, Refused
from jixiao.web.organizations import manage
from jixiao.web.organizations.models import (
    Department,
    DepartmentGroup,
    ReviewerAssignment,
    SelfEvaluation,
)
from jixiao.web.organizations.roster import import_roster
from jixiao.web.policy import Actor, actor_of

PAGE_SIZE = 100
MAX_BYTES = 20 * 1024 * 1024


def _admin(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    if not actor.is_system_admin:
        raise NotFound(_("没有这个页面"))
    return actor


@login_required
def organization(request: HttpRequest) -> HttpResponse:
    """Every department with its first-level unit and groups; the groups; the roster upload."""
    actor = _admin(request)
    departments = (
        Department.objects.select_related("parent").prefetch_related("groups").order_by("code")
    )
    page = Paginator(departments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/organization.html",
        {
            "membership": actor.member,
            "page": page,
            "groups": DepartmentGroup.objects.all(),
            "group_form": manage.GroupForm(),
        },
    )


@login_required
def department(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _admin(request)
    existing = None
    if pk is not None:
        existing = Department.objects.select_related("parent").filter(pk=pk).first()
        if existing is None:
            raise NotFound(_("没有这个部门"))
    form = manage.DepartmentForm(request.POST or None, department=existing)
    if request.method == "POST" and form.is_valid():
        saved = manage.save_department(actor, form)
        messages.success(request, _("已保存部门 %(name)s。") % {"name": saved.name})
        return redirect("organization")
    return render(
        request,
        "organizations/form.html",
        {
            "membership": actor.member,
            "form": form,
            "title": existing.name if existing else _("新建部门"),
        },
        status=400 if form.errors else 200,
    )


@login_required
def group(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _admin(request)
    existing = None
    if pk is not None:
        existing = DepartmentGroup.objects.filter(pk=pk).first()
        if existing is None:
            raise NotFound(_("没有这个分组"))
    form = manage.GroupForm(request.POST or None, group=existing)
    if request.method == "POST" and form.is_valid():
        saved = manage.save_group(actor, form)
        messages.success(request, _("已保存分组 %(name)s。") % {"name": str(saved)})
        return redirect("organization")
    return render(
        request,
        "organizations/form.html",
        {
            "membership": actor.member,
            "form": form,
            "title": str(existing) if existing else _("新建部门分组"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def roster(request: HttpRequest) -> HttpResponse:
    """A workbook of departments: applied whole, or every problem at its cell and nothing
    written."""
    actor = _admin(request)
    upload = request.FILES.get("workbook")
    context: dict[str, Any] = {"membership": actor.member}
    if upload is None:
        context["refusal"] = _("请选择要上传的 .xlsx 工作簿")
    elif upload.size is not None and upload.size > MAX_BYTES:
        context["refusal"] = _("文件超过 20 MB")
    else:
        name = upload.name or "部门名册.xlsx"
        with tempfile.TemporaryDirectory(prefix="jixiao-roster-") as folder:
            path = Path(folder) / "roster.xlsx"
            with path.open("wb") as written:
                for chunk in upload.chunks():
                    written.write(chunk)
            imported = import_roster(actor, path, name)
        if not imported.problems:
            messages.success(
                request,
                _("已导入部门名册：新增 %(created)d 个、修改 %(changed)d 个、未变 %(same)d 个。")
                % {
                    "created": imported.created,
                    "changed": imported.changed,
                    "same": imported.unchanged,
                },
            )
            return redirect("organization")
        context["problems"] = imported.problems
    return render(request, "organizations/roster.html", context, status=400)


@login_required
def assignments(request: HttpRequest) -> HttpResponse:
    """The department-years of a year with the reviewer assigned to each."""
    actor = _admin(request)
    years = sorted(
        SelfEvaluation.objects.values_list("fiscal_year", flat=True).distinct(), reverse=True
    )
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdecimal() and int(raw) in years else (years[0] if years else None)
    records = (
        SelfEvaluation.objects.filter(fiscal_year=year or 0)
        .select_related("department", "assignment__reviewer")
        .order_by("department__code")
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/assignments.html",
        {
            "membership": actor.member,
            "page": page,
            "years": years,
            "year": year,
            "query": f"year={year}" if year else "",
        },
    )


@login_required
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    record = SelfEvaluation.objects.select_related("department").filter(pk=pk).first()
    if record is None:
        raise NotFound(_("没有这个年度绩效自评"))
    form = manage.AssignmentForm(record, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            manage.assign_reviewer(
                actor, record, form.cleaned_data["reviewer"], form.cleaned_data["reason"]
            )
        except Refused as refusal:
            form.add_error("reviewer", refusal.message)
        else:
            messages.success(request, _("已保存 %(record)s 的复核指派。") % {"record": record})
            return redirect(f"/organization/assignments/?year={record.fiscal_year}")
    return render(
        request,
        "organizations/form.html",
        {"membership": actor.member, "form": form, "title": _("指派复核人：%s") % record},
        status=400 if form.errors else 200,
    )


__all__ = ["ReviewerAssignment"]
