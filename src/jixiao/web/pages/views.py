"""Pages. Thin: check access, ask the services, render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jixiao.core.money import format_percent, format_score, format_wan
from jixiao.web.access import evaluation_or_404, membership, visible_evaluations
from jixiao.web.services import assess


@login_required
def home(request: HttpRequest) -> HttpResponse:
    evaluations = list(
        visible_evaluations(request.user).order_by("department__name", "-fiscal_year")
    )
    if len(evaluations) == 1:
        return redirect("dashboard", pk=evaluations[0].pk)
    return render(
        request,
        "pages/home.html",
        {"evaluations": evaluations, "membership": membership(request.user)},
    )


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    record = evaluation_or_404(request.user, pk)
    assessed = assess(record)
    context: dict[str, object] = {
        "record": record,
        "assessed": assessed,
        "membership": membership(request.user),
    }
    evaluation = assessed.evaluation
    if evaluation is not None:
        execution = evaluation.execution
        average = execution.annual_average
        context.update(
            score=format_score(evaluation.score),
            grade=evaluation.grade,
            budget=format_wan(execution.overall.budget),
            spent=format_wan(execution.overall.spent),
            rate=format_percent(execution.overall.rate) if execution.overall.rate else "—",
            progress=[
                {
                    "month": month,
                    "rate": format_percent(rate),
                    "time": format_percent(Decimal(month) / 12),
                    "width": f"{min(rate, Decimal(1)) * 100:.1f}",
                    "behind": rate < Decimal(month) / 12,
                }
                for month, rate in (average.cumulative_rates if average else ())
            ],
            lagging=[
                {
                    "name": p.name,
                    "rate": format_percent(p.execution.rate),
                    "unspent": format_wan(p.execution.budget - p.execution.spent),
                }
                for p in execution.projects
                if p.execution.rate is not None and p.execution.rate < 1
            ],
            items=[
                (node, format_score(node.score), format_score(node.points))
                for top in evaluation.root.children
                for node in (top.children if top.rule == "sum" else (top,))
            ],
        )
    return render(request, "pages/dashboard.html", context)


@login_required
def tree(request: HttpRequest, pk: int) -> HttpResponse:
    record = evaluation_or_404(request.user, pk)
    assessed = assess(record)
    return render(
        request,
        "pages/tree.html",
        {"record": record, "assessed": assessed, "membership": membership(request.user)},
    )
