"""The jobs' pages. Thin: check access (``jobs.services``, ``web/policy.py``), ask, render.

A job's page shows its progress in a fragment that htmx fetches again every two seconds while the
job is queued or running (``hx-trigger="every 2s"``: no script of the page's own, as the
Content-Security-Policy wants); a finished job's fragment has no trigger, so polling stops."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.web.bulk import receive_zip
from jixiao.web.downloads import record_download
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.jobs.models import Job, JobKind, JobState
from jixiao.web.jobs.services import (
    file_or_404,
    job_or_404,
    may_take_file,
    request_recompute_all,
    request_report_pdf,
    visible_jobs,
)
from jixiao.web.organizations.models import DepartmentGroup
from jixiao.web.policy import actor_of

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
}
LISTED = 50  # the newest jobs listed
UNATTENDED = timedelta(minutes=1)  # queued this long: say that no worker seems to run


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "jobs/jobs.html",
        {
            "jobs": visible_jobs(actor, LISTED),
            "may_recompute": actor.may_recompute_all(),
            "may_load": actor.may_load_departments(),
            "may_request_reports": actor.sees_every_department,
            "groups": DepartmentGroup.objects.all() if actor.sees_every_department else [],
            "default_year": timezone.now().year - 1,
            "membership": actor.member,
        },
    )


def _context(request: HttpRequest, job: Job) -> dict[str, object]:
    actor = actor_of(request)
    since = job.heartbeat_at or job.created_at  # queued again after a run, or first queued
    unattended = job.state == JobState.QUEUED and timezone.now() - since > UNATTENDED
    return {
        "job": job,
        "file": may_take_file(actor, job),
        "unattended": unattended,
        "membership": actor.member,
    }


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    found = job_or_404(actor_of(request), pk)
    return render(request, "jobs/job.html", _context(request, found))


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    found = job_or_404(actor_of(request), pk)
    return render(request, "jobs/progress.html", _context(request, found))


@login_required
def job_file(request: HttpRequest, pk: int) -> FileResponse:
    actor = actor_of(request)
    found = job_or_404(actor, pk)
    path = file_or_404(actor, found)
    record = found.evaluation
    with translation.override("zh-hans"):
        label = JobKind(found.kind).label
        if record is None:  # the bureau's summary of a year, every department's reports
            name = f"{found.fiscal_year}年度{label}{path.suffix}"
        else:
            name = f"{record.department.name}{record.fiscal_year}年度{label}{path.suffix}"
    if record is not None:
        record_download(actor, record, label)
    response = FileResponse(path.open("rb"), content_type=CONTENT_TYPES[path.suffix])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    return redirect("job", pk=request_report_pdf(actor, record).pk)


@login_required
@require_POST
def recompute_all(request: HttpRequest) -> HttpResponse:
    return redirect("job", pk=request_recompute_all(actor_of(request)).pk)


@login_required
def bulk_load(request: HttpRequest) -> HttpResponse:
    """The bureau's page for a zip of department workbooks: checked at once, loaded by a
    background job whose page shows each department's result (``web/bulk.py``)."""
    actor = actor_of(request)
    if not actor.may_load_departments():
        raise NotFound("没有这个页面，或您无权查看")
    refusal: Invalid | None = None
    if request.method == "POST":
        upload = request.FILES.get("workbooks")
        if upload is None:
            refusal = Invalid(_("请选择 .zip 压缩包"))
        else:
            try:
                job = receive_zip(actor, upload, replace=request.POST.get("replace") == "on")
            except Invalid as refused:
                refusal = refused
            else:
                return redirect("job", pk=job.pk)
    return render(
        request,
        "jobs/bulk_load.html",
        {"refusal": refusal, "membership": actor.member},
        status=400 if refusal else 200,
    )
