"""The finance bureau's summary report of a year (汇总分析报告, issue 12 item 6): the use case
that reads every department-year's figures, the page that shows it and the job that writes the
Word file (decision 0027).

The figures are read in a fixed number of queries whatever the number of departments (seven:
the effective scores' three, the stored results, their framework items, the year's reviews and
their re-scored items): the totals, grades and error counts from ``StoredResult``; each
framework item's points and score from ``NodeScore``; the execution rate (budget and spent of
``execution.overall``) and the annual average execution rate read from the stored JSON by key
in SQL — only those three values, never the whole result decoded —; the review score from
``reviews.reading.effective_scores``, and the re-scored items of each current review. A
reviewed department's grade is its framework's grade for the review score.

The summary covers the stored results as they are (``jixiao recompute`` brings stale ones up to
date). Only the bureau reviewer reads it (``Actor.may_read_summary``); anyone else gets 404,
so a department never sees another's score or rank.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.adapters.report.content import Report
from jixiao.adapters.report.summary import ADDRESSEE, build_summary
from jixiao.adapters.report.summary_html import BASE, HEIGHT, INK, LABEL_Y, WIDTH, page_blocks
from jixiao.core.summary import DepartmentFigures, ItemScore, Summary, summarize
from jixiao.web.audit import events
from jixiao.web.audit.services import in_record_language
from jixiao.web.errors import NotFound
from jixiao.web.jobs.models import Job, JobKind, JobState
from jixiao.web.jobs.queue import enqueue
from jixiao.web.policy import Who, actor_of, as_actor, user_of
from jixiao.web.results.models import NodeScore, StoredResult, Subject
from jixiao.web.reviews.models import Review, ReviewItem
from jixiao.web.reviews.reading import effective_scores, review_grade

YEARS = (2000, 2100)  # the years a summary may be asked for (inclusive)
EXECUTION = "content__evaluation__execution__"


def _decimal(value: Any) -> Decimal | None:
    return Decimal(value) if isinstance(value, str) else None


def department_figures(year: int) -> list[DepartmentFigures]:
    """Every department-year of ``year`` with a stored result, as the core's records."""
    effective = effective_scores(year)
    results = StoredResult.objects.filter(
        evaluation__fiscal_year=year, subject=Subject.DEPARTMENT, subject_code=""
    ).order_by("evaluation__department__code")
    texts = results.annotate(  # the JSON's text at these keys (->> in PostgreSQL), never a float
        budget=KT(f"{EXECUTION}overall__budget"),
        spent=KT(f"{EXECUTION}overall__spent"),
        average=KT(f"{EXECUTION}annual_average__rate"),
    )
    rows = list(
        texts.values_list(
            "id",
            "evaluation_id",
            "evaluation__department__code",
            "evaluation__department__name",
            "evaluation__framework",
            "total",
            "grade",
            "errors",
            "data_digest",
            "framework_version",
            "budget",
            "spent",
            "average",
        )
    )
    items: dict[int, list[ItemScore]] = {}
    nodes = NodeScore.objects.filter(result__in=results).order_by("result_id", "position")
    fields = ("result_id", "node", "name", "path", "depth", "points", "score")
    for result, node, name, place, depth, points, score in nodes.values_list(*fields):
        items.setdefault(result, []).append(ItemScore(node, name, place, depth, points, score))
    latest: dict[int, tuple[int, str, str]] = {}
    reviews = Review.objects.filter(evaluation__fiscal_year=year).order_by("id")
    for review_id, evaluation_id, digest, version in reviews.values_list(
        "id", "evaluation_id", "data_digest", "framework_version"
    ):
        latest[evaluation_id] = (review_id, digest, version)  # the last one wins
    rescored: dict[int, dict[str, Decimal]] = {}
    for review_id, node, score in ReviewItem.objects.filter(
        review__evaluation__fiscal_year=year
    ).values_list("review_id", "node", "score"):
        rescored.setdefault(review_id, {})[node] = score
    found = []
    for row in rows:
        (result, evaluation, code, name, framework, total, grade, errors, digest, version) = row[
            :10
        ]
        budget, spent, average = (_decimal(v) for v in row[10:])
        score, is_review = effective.get(evaluation, (None, False))
        review = latest.get(evaluation)
        current = review is not None and (review[1], review[2]) == (digest, version)
        changes = rescored.get(review[0], {}) if current and review is not None else {}
        lines = tuple(
            ItemScore(i.node, i.name, i.path, i.depth, i.points, i.score, changes.get(i.node))
            for i in items.get(result, [])
        )
        review_total = score if is_review and score is not None else None
        if review_total is not None and review_total != total:
            grade = review_grade(framework, review_total) or grade
        found.append(
            DepartmentFigures(
                code=code,
                name=name,
                total=total,
                grade=grade,
                errors=errors,
                execution_rate=spent / budget if budget and spent is not None else None,
                average_execution_rate=average,
                items=lines,
                review_total=review_total,
            )
        )
    return found


def year_summary(year: int) -> Summary:
    return summarize(year, department_figures(year))


def summary_report(year: int) -> Report:
    return build_summary(year_summary(year))


def _year_or_404(who: Who, year: int) -> None:
    if not as_actor(who).may_read_summary() or not YEARS[0] <= year <= YEARS[1]:
        raise NotFound(_("没有这个页面，或您无权查看"))


def request_summary_docx(who: Who, year: int) -> Job:
    """Queue the Word summary of ``year`` for ``who`` (the bureau reviewer), audited."""
    _year_or_404(who, year)
    user = user_of(who)
    with transaction.atomic():
        job = Job.objects.create(
            kind=JobKind.SUMMARY_DOCX,
            requested_by=user,
            fiscal_year=year,
            state=JobState.QUEUED,
            step="排队中，等待工作进程",
        )
        enqueue(job)
        with in_record_language():
            what = f"{year} 年度 {job.get_kind_display()} #{job.pk}"
        events.job_requested(user, what, after={"任务": job.pk, "年度": year})
    return job


# --- the pages ----------------------------------------------------------------------------


@login_required
def summary_page(request: HttpRequest, year: int) -> HttpResponse:
    actor = actor_of(request)
    _year_or_404(actor, year)
    report = build_summary(year_summary(year))
    return render(
        request,
        "summary/summary.html",
        {
            "year": year,
            "report": report,
            "blocks": page_blocks(report),  # the template escapes every text
            "addressee": ADDRESSEE,
            "width": WIDTH,
            "height": HEIGHT,
            "base": BASE,
            "label_y": LABEL_Y,
            "ink": INK,
            "membership": actor.member,
        },
    )


@login_required
@require_POST
def summary_docx(request: HttpRequest, year: int) -> HttpResponse:
    return redirect("job", pk=request_summary_docx(actor_of(request), year).pk)


urlpatterns = [
    path("<int:year>/", summary_page, name="summary"),
    path("<int:year>/word/", summary_docx, name="request_summary_docx"),
]
