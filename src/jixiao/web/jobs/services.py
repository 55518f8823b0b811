"""The jobs' use cases: ask for one (the job, its place in the queue and its audit event in one
transaction), and who sees a job and its file.

A job is visible to whoever asked for it and to those allowed to see what it concerns: a
report's job to those who get the department's documents (``Actor.may_download``), a
recompute to those who may ask for one (``Actor.may_recompute_all``), the bureau's summary of a
year to those who read it (``Actor.may_read_summary``). Its file goes only to
those who get the documents now — the user who asked included, who may have lost the right
since. Anyone else is answered 404, as if the job did not exist.

Worked example: ``demo-finance`` asks for the PDF report of 广州市商务局 2023 年度: a queued job
#1, a queue entry and the audit event ``提交后台任务`` on ``广州市商务局 2023 年度 自评报告（PDF）
#1`` are committed together; ``demo-leader`` (same department) sees the job and downloads the
file; ``demo-division`` (a division filler) and every other department's users get 404.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jixiao.web.audit import events
from jixiao.web.audit.services import in_record_language
from jixiao.web.bulk_reports import BUREAU_KINDS
from jixiao.web.errors import NotFound
from jixiao.web.jobs.models import PART_SIZE, Job, JobKind, JobState
from jixiao.web.jobs.queue import enqueue
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.policy import Actor, Who, as_actor, user_of


def _queued(
    who: Who | None,
    kind: str,
    record: SelfEvaluation | None = None,
    *,
    recorded: dict[str, object] | None = None,
    **fields: object,
) -> Job:
    """Queue a job of ``kind`` (with ``fields`` of its own) and record its audit event, whose
    ``after`` adds ``recorded`` to the job's number."""
    user = user_of(who) if who is not None else None
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            requested_by=user,
            evaluation=record,
            state=JobState.QUEUED,
            step="排队中，等待工作进程",
            **fields,
        )
        enqueue(job)
        with in_record_language():
            what = f"{job.get_kind_display()} #{job.pk}"
        events.job_requested(user, what, record=record, after={"任务": job.pk, **(recorded or {})})
    return job


def request_report_pdf(who: Who, record: SelfEvaluation) -> Job:
    """Queue the PDF report of ``record`` for ``who``, who must get its documents."""
    if not as_actor(who).may_download(record):
        raise NotFound(_("没有这种下载"))
    return _queued(who, JobKind.REPORT_PDF, record)


def request_recompute_all(who: Who) -> Job:
    """Queue every department-year's stored result to be computed again."""
    if not as_actor(who).may_recompute_all():
        raise NotFound(_("没有这个页面，或您无权查看"))
    return queue_recompute_all(who)


def queue_recompute_all(who: Who | None) -> Job:
    """The recompute job, asked for by ``who`` (checked by the caller) or, with None, from the
    command line (``jixiao recompute --all --background``)."""
    return _queued(who, JobKind.RECOMPUTE_ALL)


def queue_recompute(who: Who, keys: list[int], year: int) -> Job:
    """The stored results of the department-years ``keys`` of ``year`` computed again in the
    background, for a use case that has just made them stale and checked who asks: the
    bureau's cut-off (``cohorts.freezing``, decision 0023). Up to ``PART_SIZE`` of them are
    one part, as a part of recompute-all is; more are a recompute of those keys, which queues
    them in parts of ``PART_SIZE`` that several workers share."""
    kind = JobKind.RECOMPUTE_PART if len(keys) <= PART_SIZE else JobKind.RECOMPUTE_SOME
    return _queued(who, kind, recorded={"部门年度数": len(keys)}, fiscal_year=year, keys=keys)


def queue_recompute_year(who: Who, fiscal_year: int) -> Job:
    """The recompute job of one year's department-years (their framework changed, decision
    0030), asked for by ``who`` (checked by the caller)."""
    return _queued(
        who, JobKind.RECOMPUTE_ALL, recorded={"预算年度": fiscal_year}, fiscal_year=fiscal_year
    )


def queue_bulk_load(
    who: Who, upload: str, upload_name: str, *, replace: bool, workbooks: int
) -> Job:
    """The bulk load of the zip kept as ``upload`` (checked and access asked by the caller,
    ``web/bulk.py``), with the upload's audit event."""
    recorded = {
        "压缩包": upload_name,
        "工作簿": workbooks,
        "替换已有数据": "是" if replace else "否",
    }
    return _queued(
        who,
        JobKind.BULK_LOAD,
        recorded=recorded,
        upload=upload,
        upload_name=upload_name,
        replace=replace,
    )


def may_see(actor: Actor, job: Job) -> bool:
    """Whether ``actor`` sees ``job`` (see the module's docstring)."""
    if actor.user is None:
        return False
    if job.requested_by_id == actor.user.pk:
        return True
    if job.kind == JobKind.REPORT_PDF:
        return job.evaluation is not None and actor.may_download(job.evaluation)
    if job.kind == JobKind.SUMMARY_DOCX:
        return actor.may_read_summary()
    if job.kind == JobKind.BULK_LOAD:
        return actor.may_load_departments()
    if job.kind in BUREAU_KINDS:  # every department's report of a year
        return actor.sees_every_department
    return actor.may_recompute_all()


def visible_jobs(who: Who, limit: int) -> list[Job]:
    """The newest ``limit`` jobs ``who`` may see: those that may concern them, asked by the
    policy one by one."""
    actor = as_actor(who)
    if actor.user is None:
        return []
    maybe = Q(requested_by=actor.user) | Q(
        kind=JobKind.REPORT_PDF, evaluation__in=actor.visible_evaluations().values("pk")
    )
    if actor.may_recompute_all():
        maybe |= Q(kind__in=(JobKind.RECOMPUTE_ALL, JobKind.RECOMPUTE_SOME))
    if actor.may_read_summary():
        maybe |= Q(kind=JobKind.SUMMARY_DOCX)
    if actor.may_load_departments():
        maybe |= Q(kind=JobKind.BULK_LOAD)
    if actor.sees_every_department:
        maybe |= Q(kind__in=BUREAU_KINDS)
    jobs = Job.objects.filter(maybe, parent__isnull=True).select_related(
        "evaluation__department", "requested_by"
    )
    seen: list[Job] = []
    for job in jobs.iterator(chunk_size=limit):
        if may_see(actor, job):
            seen.append(job)
            if len(seen) == limit:
                break
    return seen


def job_or_404(who: Who, pk: int) -> Job:
    job = Job.objects.select_related("evaluation__department", "requested_by").filter(pk=pk).first()
    if job is None or not may_see(as_actor(who), job):
        raise NotFound(_("没有这个后台任务，或您无权查看"))
    return job


def may_take_file(actor: Actor, job: Job) -> bool:
    """Whether ``actor`` gets ``job``'s file now: a report's, those who get the department's
    documents; the bureau's summary, those who read it."""
    if job.state != JobState.DONE or not job.file:
        return False
    if job.kind == JobKind.SUMMARY_DOCX:
        return actor.may_read_summary()
    if job.kind in BUREAU_KINDS:
        return actor.sees_every_department
    record = job.evaluation
    return record is not None and actor.may_download(record)


def file_or_404(who: Who, job: Job) -> Path:
    """The path of ``job``'s file, for whoever may take it; 404 otherwise (also when the file
    was removed from the data folder)."""
    actor = as_actor(who)
    if not may_take_file(actor, job):
        raise NotFound(_("没有这种下载"))
    folder = Path(settings.JIXIAO_JOBS_FOLDER).resolve()
    path = (folder / job.file).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound(_("文件已不存在，请重新生成"))
    return path
