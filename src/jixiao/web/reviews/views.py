"""The review page: thin — check access, call the use cases, render.

A department-year's score tree with 自评得分 and 复核得分 side by side and the difference; for
the bureau reviewer who may review it now, a form per item (score, reason, findings), withdraw,
accept and return. Everyone who sees the department-year reads the review; a division filler
without the reasons and findings (decision 0014). A refused input answers 400 with the page and
the problems at the form's fields, nothing written; a refusal of state 409, outside the scope
404 (``pages/refusals.py``) — the statuses of the API.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.web.errors import Invalid, status_of
from jixiao.web.organizations.models import SelfEvaluation, Transition
from jixiao.web.policy import Actor, actor_of
from jixiao.web.reviews import actions
from jixiao.web.reviews.arithmetic import shown
from jixiao.web.reviews.reading import review_sheet
from jixiao.web.workflow import available_steps

FIELD_LENGTH = 20_000  # characters read of any field; longer input is refused by the use case


def _given(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")[:FIELD_LENGTH]


def _page(
    request: HttpRequest,
    record: SelfEvaluation,
    *,
    failed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The review page; ``failed``: the form that was refused, with what was given and the
    problems (``node``: the item's, or ``return``/``accept``)."""
    actor = actor_of(request)
    sheet = review_sheet(actor, record)
    steps = {s.action: s for s in available_steps(actor, record)}
    rows = [
        {
            "line": reviewed,
            "item": sheet.items.get(reviewed.line.node),
            "failed": failed if failed and failed.get("node") == reviewed.line.node else None,
        }
        for reviewed in sheet.lines[1:]  # the root is the total, shown above
    ]
    context = {
        "record": record,
        "sheet": sheet,
        "rows": rows,
        "self_total": _score(sheet.self_total),
        "review_total": _score(sheet.review_total),
        "difference": _score(sheet.difference),
        "accept": steps.get("accept"),
        "return": steps.get("return"),
        "failed": failed,
        "membership": actor.member,
    }
    return render(request, "reviews/review.html", context, status=status)


def _score(value: Decimal | None) -> str:
    return "—" if value is None else shown(value)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, actor_of(request).evaluation_or_404(pk))


def _refused(
    request: HttpRequest, record: SelfEvaluation, refusal: Invalid, **given: str
) -> HttpResponse:
    failed = {**given, "problems": refusal.problems or [], "message": str(refusal)}
    return _page(request, record, failed=failed, status=status_of(refusal))


@login_required
@require_POST
def rescore(request: HttpRequest, pk: int, node: str) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    score, reason = _given(request, "score"), _given(request, "reason")
    findings = _given(request, "findings")  # one finding per line
    try:
        item = actions.rescore(actor, record, node, actions.Rescore(score, reason, findings))
    except Invalid as refusal:
        given = {"node": node, "score": score, "reason": reason, "findings": findings}
        return _refused(request, record, refusal, **given)
    done = {"name": item.name, "score": shown(item.score)}
    messages.success(request, _("已保存“%(name)s”的复核得分 %(score)s。") % done)
    return redirect("review", pk=record.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int, node: str) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    try:
        actions.withdraw(actor, record, node, _given(request, "reason"))
    except Invalid as refusal:
        return _refused(request, record, refusal, node=node)
    messages.success(request, _("已撤回复核得分，本项按自评得分计。"))
    return redirect("review", pk=record.pk)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow_step(request, pk, actions.accept, node="accept")


@login_required
@require_POST
def return_to_department(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow_step(request, pk, actions.return_to_department, node="return")


def _workflow_step(
    request: HttpRequest,
    pk: int,
    step: Callable[[Actor, SelfEvaluation, str], Transition],
    *,
    node: str,
) -> HttpResponse:
    """Accept or return with the reason (or comment) given; a refusal is the page again with
    it at the step's form."""
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    reason = _given(request, "reason")
    try:
        done = step(actor, record, reason)
    except Invalid as refusal:
        return _refused(request, record, refusal, node=node, reason=reason)
    messages.success(
        request, _("状态已变为“%(status)s”。") % {"status": done.get_to_status_display()}
    )
    return redirect("review", pk=record.pk)
