"""The published rankings' pages (公布排名): thin — check access, call the use cases, render.

``/rankings/``: the publications the reader reads (``actions.readable_rankings``) and, for the
bureau reviewer, the form that publishes the ranking of a year or a group; ``/rankings/<n>/``:
one publication's table, the reader's own department marked, and for the bureau the withdrawal
form. A refused input answers 400 with the page and the message, nothing written; outside the
scope 404 (``pages/refusals.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jixiao.web.bureau import overview
from jixiao.web.errors import Conflict, Invalid, NotFound, Refused, status_of
from jixiao.web.organizations.models import DepartmentGroup
from jixiao.web.policy import actor_of
from jixiao.web.publications import actions


class PublishForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("预算年度"), coerce=int)
    group = forms.ModelChoiceField(
        label=gettext_lazy("分组"),
        queryset=DepartmentGroup.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部部门"),
    )
    note = forms.CharField(
        label=gettext_lazy("说明"), max_length=actions.NOTE_CHARS, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.TypedChoiceField)
        year.choices = [(y, str(y)) for y in overview.years()]
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.queryset = DepartmentGroup.objects.order_by("name")


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    bureau = actor.sees_every_department
    form = PublishForm(request.POST or None) if bureau else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise NotFound(_("没有这个页面，或您无权查看"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                published = actions.publish_ranking(
                    actor, data["year"], data["group"], data["note"]
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
                status = status_of(refusal)
            else:
                messages.success(request, _("已公布：%(what)s") % {"what": published})
                return redirect("published_ranking", pk=published.pk)
        else:
            status = 400
    found = list(actions.readable_rankings(actor)[:200])
    context = {"membership": actor.member, "rankings": found, "form": form, "bureau": bureau}
    return render(request, "publications/list.html", context, status=status)


@login_required
def ranking(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    published = actions.ranking_or_404(actor, pk)
    member = actor.member
    own = member.department.code if member is not None and member.department else None
    context = {
        "membership": actor.member,
        "published": published,
        "own": own,
        "bureau": actor.sees_every_department,
    }
    return render(request, "publications/detail.html", context)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        actions.withdraw_ranking(actor, pk, request.POST.get("reason", "")[:2000])
    except (Invalid, Conflict) as refusal:  # outside the scope: 404 (pages/refusals.py)
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("已撤回该排名；所列部门不再能查看。"))
    return redirect("published_ranking", pk=pk)
