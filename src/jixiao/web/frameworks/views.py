"""The frameworks page, under /frameworks/ (the bureau reviewer and the system administrator;
everyone else 404). Thin: check access, call ``manage``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.web.errors import Refused, status_of
from jixiao.web.frameworks import manage
from jixiao.web.frameworks.models import MAX_BYTES
from jixiao.web.policy import Actor, permitted


def _manager(request: HttpRequest) -> Actor:
    return permitted(request, Actor.may_manage_frameworks)


def _page(
    request: HttpRequest,
    actor: Actor,
    *,
    install_form: manage.InstallForm | None = None,
    assign_form: manage.AssignForm | None = None,
    refusal: Refused | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "membership": actor.member,
        "frameworks": manage.listed(actor),
        "install_form": install_form or manage.InstallForm(),
        "assign_form": assign_form or manage.AssignForm(),
        "refusal": refusal,
    }
    return render(request, "frameworks/frameworks.html", context, status=status)


@login_required
def frameworks(request: HttpRequest) -> HttpResponse:
    """Built-in and installed frameworks with their versions, titles and who uses them; the
    install and assign forms."""
    return _page(request, _manager(request))


@login_required
def framework_file(request: HttpRequest) -> HttpResponse:
    """A framework's YAML file as shipped or installed (``?reference=``), shown as text."""
    name, content = manage.file_of(_manager(request), request.GET.get("reference", ""))
    response = HttpResponse(content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def install(request: HttpRequest) -> HttpResponse:
    """A framework file installed, or refused with every problem at its place."""
    actor = _manager(request)
    form = manage.InstallForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, actor, install_form=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size is not None and upload.size > MAX_BYTES:
        form.add_error("file", _("文件超过 1 MB"))
        return _page(request, actor, install_form=form, status=400)
    try:
        installed = manage.install(
            actor, upload.read(MAX_BYTES + 1), upload.name or "", form.cleaned_data["name"]
        )
    except Refused as refusal:
        return _page(request, actor, install_form=form, refusal=refusal, status=status_of(refusal))
    messages.success(
        request,
        _("已安装评价体系 %(name)s（版本 %(version)s）。")
        % {"name": installed.name, "version": installed.version[:12]},
    )
    return redirect("frameworks")


@login_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    """A year's (group's) framework set; its department-years not yet accepted take it."""
    actor = _manager(request)
    form = manage.AssignForm(request.POST)
    if not form.is_valid():
        return _page(request, actor, assign_form=form, status=400)
    data = form.cleaned_data
    try:
        done = manage.assign(
            actor, data["fiscal_year"], data["group"], data["framework"], data["reason"]
        )
    except Refused as refusal:
        return _page(request, actor, assign_form=form, refusal=refusal, status=status_of(refusal))
    messages.success(
        request,
        _(
            "已设置 %(scope)s 的评价体系：%(changed)d 个部门年度改用，"
            "%(pinned)d 个财政局已审核通过的保持原评价体系。"
        )
        % {
            "scope": manage.scope_label(data["fiscal_year"], data["group"]),
            "changed": done.changed,
            "pinned": done.pinned,
        },
    )
    return redirect("frameworks")
