"""The self-evaluation reports of every department of a year, in one zip (issue 12 item 5): a
background job the bureau reviewer asks for, in Word or in PDF, for a year and optionally one
group (批次 / 归口).

Asking (:func:`request_reports_zip`) chooses the department-years then — the year's, or the
group's — and keeps their ids in the job's ``keys``, so the job makes exactly what was asked.
The job (:func:`reports_zip`) makes each department's report as the single download does
(``downloads.DOWNLOADS["report-docx"]`` through ``downloads.produce``, from the data read afresh
by ``services.compute``, a draft when the data have errors), department by department, each an
item of the job (done, or the reason in Chinese: data that cannot be assembled, a framework that
cannot be read); a department that fails never stops the others. Each document is kept in a
working folder under ``JIXIAO_JOBS_FOLDER`` before its item is recorded, so a job resumed after
an interruption skips the departments done (and makes again a document whose file is gone).
For PDF, LibreOffice converts the documents in batches of ``PDF_BATCH`` (one run each, as
``adapters/report/pdf.py`` does for several files). Last, the documents are packed into one zip
(with ``未生成的部门.txt`` listing the failures, if any) and the working folder removed.

Only the bureau reviewer asks for it, sees the job and takes its file (``Actor.
sees_every_department``); anyone else gets 404.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.adapters.report.charts import NoChineseFont
from jixiao.adapters.report.pdf import PdfUnavailable, convert_docx_to_pdf
from jixiao.core.problems import ProblemsFound
from jixiao.web.audit import events
from jixiao.web.audit.services import in_record_language
from jixiao.web.downloads import DOWNLOADS, produce
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.jobs.models import Job, JobKind, JobState
from jixiao.web.jobs.queue import enqueue
from jixiao.web.jobs.running import JobFailed, Progress, Runner, pause
from jixiao.web.organizations.models import DepartmentGroup, SelfEvaluation
from jixiao.web.policy import Who, actor_of, as_actor, user_of
from jixiao.web.services import compute

YEARS = (2000, 2100)  # the years one may ask for (inclusive)
PDF_BATCH = 20  # documents converted in one LibreOffice run
PROBLEMS_SHOWN = 3  # of a department's problems, in its item's error
UNASSEMBLED = "数据无法汇总成数据集，暂不能生成报告；问题见该年度的自评页面"
FAILURES = "未生成的部门.txt"
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def request_reports_zip(who: Who, year: int, *, group: int | None = None, pdf: bool = False) -> Job:
    """Queue the reports of every department-year of ``year`` (of ``group`` only, if given)
    for ``who``, the bureau reviewer; audited. Refused when there is none."""
    actor = as_actor(who)
    if not actor.sees_every_department or not YEARS[0] <= year <= YEARS[1]:
        raise NotFound(_("没有这个页面，或您无权查看"))
    records = SelfEvaluation.objects.filter(fiscal_year=year)
    chosen_group = None
    if group is not None:
        chosen_group = DepartmentGroup.objects.filter(pk=group).first()
        if chosen_group is None:
            raise NotFound(_("没有这个分组"))
        records = records.filter(department__groups=chosen_group)
    keys = list(records.order_by("department__code", "pk").values_list("pk", flat=True))
    if not keys:
        raise Invalid(_("该年度（分组）没有部门年度，无需生成报告"))
    user = user_of(who)
    kind = JobKind.REPORTS_PDF_ZIP if pdf else JobKind.REPORTS_DOCX_ZIP
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            requested_by=user,
            fiscal_year=year,
            keys=keys,
            state=JobState.QUEUED,
            step="排队中，等待工作进程",
        )
        enqueue(job)
        with in_record_language():
            scope = f" {chosen_group}" if chosen_group is not None else ""
            what = f"{year} 年度{scope} {job.get_kind_display()} #{job.pk}"
        after: dict[str, object] = {"任务": job.pk, "年度": year, "部门数": len(keys)}
        if chosen_group is not None:
            after["分组"] = str(chosen_group)
        events.job_requested(user, what, after=after)
    return job


def entry_name(record: SelfEvaluation, suffix: str) -> str:
    """The document's name in the zip: the department's code and name, the year."""
    name = UNSAFE.sub("_", f"{record.department.code}-{record.department.name}")
    return f"{name}-{record.fiscal_year}年度自评报告{suffix}"


def _problems(error: ProblemsFound) -> str:
    shown = "；".join(str(problem) for problem in error.problems[:PROBLEMS_SHOWN])
    more = len(error.problems) - PROBLEMS_SHOWN
    return shown + (f"（另有 {more} 个问题）" if more > 0 else "")


def _make(record: SelfEvaluation, path: Path) -> str:
    """Write ``record``'s Word report to ``path``; answers the error (Chinese) or ""."""
    try:
        computed = compute(record, monitor=False)
    except ProblemsFound as error:
        return f"未能生成：{_problems(error)}"
    if computed.dataset is None or computed.assessed.evaluation is None:
        return UNASSEMBLED
    try:
        content = produce(DOWNLOADS["report-docx"], computed)
    except NoChineseFont as error:  # the whole job's trouble, not the department's
        raise JobFailed(str(error)) from error
    staging = path.with_suffix(".part")
    staging.write_bytes(content)
    os.replace(staging, path)
    return ""


def reports_zip(job: Job, progress: Progress) -> str:
    """Make each department's report, then pack them (see the module's docstring)."""
    pdf = job.kind == JobKind.REPORTS_PDF_ZIP
    records = list(
        SelfEvaluation.objects.select_related("department")
        .filter(pk__in=job.keys)
        .order_by("department__code", "pk")
    )
    if not records:
        raise JobFailed("所选的部门年度已不存在")
    folder = Path(settings.JIXIAO_JOBS_FOLDER)
    work = folder / f"{job.pk}-work"
    work.mkdir(parents=True, exist_ok=True)
    earlier = dict(job.items.values_list("key", "ok"))
    batches = (len(records) + PDF_BATCH - 1) // PDF_BATCH if pdf else 0
    progress.start(len(records) + batches + 1, f"逐个部门生成 Word 报告（共 {len(records)} 个）")
    made: list[tuple[SelfEvaluation, Path]] = []
    failed: list[str] = []
    for record in records:
        key = str(record.pk)
        document = work / f"{record.pk}.docx"
        if key in earlier and (not earlier[key] or document.is_file()):
            if earlier[key]:
                made.append((record, document))
            else:
                failed.append(str(record))
            continue
        progress.step(f"正在生成 {record}")
        error = _make(record, document)
        if key not in earlier:  # a document made again (its file was gone) is not a new item
            progress.item(record.pk, str(record), error)
        if error:
            failed.append(f"{record}：{error}")
        else:
            made.append((record, document))
        pause()
    if not made:
        shutil.rmtree(work, ignore_errors=True)
        raise JobFailed("没有一个部门的报告能够生成，原因见各项")
    if pdf:
        for first in range(0, len(made), PDF_BATCH):
            batch = made[first : first + PDF_BATCH]
            progress.step(f"转换为 PDF（LibreOffice）：第 {first + 1}–{first + len(batch)} 份")
            try:
                _convert([document for _, document in batch], work)
            except PdfUnavailable as error:
                shutil.rmtree(work, ignore_errors=True)
                raise JobFailed(str(error)) from error
            progress.advance("转换为 PDF（LibreOffice）")
    progress.step("打包")
    suffix = ".pdf" if pdf else ".docx"
    name = f"{job.pk}-{secrets.token_hex(8)}.zip"
    staging = folder / f".{name}.part"
    with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record, document in made:
            archive.write(document.with_suffix(suffix), entry_name(record, suffix))
        if failed:
            archive.writestr(FAILURES, "\n".join(failed) + "\n")
    os.replace(staging, folder / name)
    shutil.rmtree(work, ignore_errors=True)
    progress.file(name)
    progress.advance("已生成，可以下载")
    closing = f"已生成，可以下载：{len(made)} 个部门的报告"
    return closing + (f"，{len(failed)} 个未能生成" if failed else "")


def _convert(documents: list[Path], folder: Path) -> None:
    convert_docx_to_pdf(documents, folder)  # looked up here when called (tests replace it)


RUNNERS: dict[str, Runner] = {
    JobKind.REPORTS_DOCX_ZIP: reports_zip,
    JobKind.REPORTS_PDF_ZIP: reports_zip,
}
BUREAU_KINDS = tuple(RUNNERS)  # the jobs only the bureau reviewer sees (jobs.services)


@login_required
@require_POST
def reports_zip_view(request: HttpRequest) -> HttpResponse:
    """POST ``year``, optionally ``group`` (its id) and ``format`` (``docx`` or ``pdf``)."""
    actor = actor_of(request)
    if not actor.sees_every_department:
        raise NotFound(_("没有这个页面，或您无权查看"))
    year, group = request.POST.get("year", ""), request.POST.get("group", "")
    if not year.isdecimal() or len(year) != 4 or (group and not group.isdecimal()):
        raise Invalid(_("年度须为四位数字，分组须为分组编号"))
    job = request_reports_zip(
        actor,
        int(year),
        group=int(group) if group else None,
        pdf=request.POST.get("format") == "pdf",
    )
    return redirect("job", pk=job.pk)
