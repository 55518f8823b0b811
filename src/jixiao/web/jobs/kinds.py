"""What each kind of job does, reporting as it goes (``running.Progress``); each answers the
closing step's text. Steps, items' errors and failures are Chinese, as the job's page shows
them.

- The **PDF report** of one self-evaluation: read and evaluate its data, write the Word
  document, have LibreOffice convert it (the long step), keep the file under
  ``JIXIAO_JOBS_FOLDER`` — four steps.
- **Recompute all**: every department-year's stored result (of one year when the job names
  it; only the department-years it names, for ``RECOMPUTE_SOME``: those a cut-off moved)
  computed again from its data (``results.store.refresh_now``). The job queues the
  department-years in parts of ``PART_SIZE``, each a job of its own (``RECOMPUTE_PART``) that
  any worker takes — two workers share the work —, and the last part to end settles the whole
  (``running.settle``). A part computes its department-years one after the other, each in a
  transaction of its own, so it never holds other writers waiting longer than one
  department-year takes, and a crash loses at most the one in hand (each item is recorded
  done in the transaction of its own work). A department-year that cannot be computed (its
  framework cannot be read) is reported and the others go on. A part resumed after an
  interruption skips the department-years already done.
- The bureau's **summary report** (Word) of a year (``jixiao.web.summary``): read the figures,
  write the document, keep the file — three steps.
- **Bulk load**: a zip of department workbooks, each loaded in a transaction of its own that
  records it done (``web/bulk.py``); resumed, it skips the workbooks already done.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from jixiao.adapters.files import replace_atomically
from jixiao.adapters.report.build import build_report
from jixiao.adapters.report.charts import NoChineseFont
from jixiao.adapters.report.pdf import PdfUnavailable, convert_docx_to_pdf
from jixiao.adapters.report.word import write_docx
from jixiao.core.problems import ProblemsFound
from jixiao.web import bulk_reports
from jixiao.web.bulk import load_zip
from jixiao.web.downloads import drafted
from jixiao.web.jobs.models import PART_SIZE, Job, JobKind
from jixiao.web.jobs.queue import enqueue
from jixiao.web.jobs.running import JobFailed, Progress, Runner, Waiting, pause
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.results.store import refresh_now
from jixiao.web.services import compute

PROBLEMS_SHOWN = 3  # of an item's problems, in its error


def report_pdf(job: Job, progress: Progress) -> str:
    record = job.evaluation
    if record is None:
        raise JobFailed("这个年度绩效自评已不存在")
    progress.start(4, "读取数据并评价")
    computed = compute(record, monitor=False)
    dataset, evaluation = computed.dataset, computed.assessed.evaluation
    if dataset is None or evaluation is None:
        raise JobFailed("数据无法汇总成数据集，暂不能生成报告；问题见该年度的自评页面")
    pause()
    progress.advance("生成 Word 文稿")
    report = drafted(build_report(dataset, evaluation), computed.assessed.errors)
    with tempfile.TemporaryDirectory(prefix="jixiao-job-") as scratch:
        folder = Path(scratch)
        document = folder / "report.docx"
        try:
            write_docx(report, document)
            pause()
            progress.advance("转换为 PDF（LibreOffice）")
            convert_docx_to_pdf([document], folder)
        except (NoChineseFont, PdfUnavailable) as error:
            raise JobFailed(str(error)) from error
        progress.advance("保存文件")
        name = f"{job.pk}-{secrets.token_hex(8)}.pdf"
        target = Path(settings.JIXIAO_JOBS_FOLDER) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(target, (folder / "report.pdf").read_bytes())
    progress.file(name)
    progress.advance("已生成，可以下载")
    return "已生成，可以下载"


def recompute_all(job: Job, progress: Progress) -> str:
    """Queue the department-years (the job's ``keys`` when it names them, else every one of its
    year, or of every year) in parts of ``PART_SIZE``, each a job of its own that any worker
    takes, so that several workers share the work; then wait for them."""
    records = SelfEvaluation.objects.order_by("pk")
    if job.fiscal_year is not None:
        records = records.filter(fiscal_year=job.fiscal_year)
    if job.keys:
        records = records.filter(pk__in=job.keys)
    chosen = list(records.values_list("pk", flat=True))
    if not chosen:
        progress.start(0, "没有部门年度")
        return "已完成：没有部门年度需要重新计算"
    progress.start(len(chosen), "分批排队")
    with transaction.atomic():
        if not job.parts.exists():  # planned already, when resumed
            for first in range(0, len(chosen), PART_SIZE):
                part = Job.objects.create(
                    kind=JobKind.RECOMPUTE_PART,
                    parent=job,
                    requested_by=job.requested_by,
                    fiscal_year=job.fiscal_year,
                    keys=chosen[first : first + PART_SIZE],
                    step="排队中，等待工作进程",
                )
                enqueue(part)
    parts = job.parts.count()
    raise Waiting(f"共 {parts} 批，由工作进程分别计算")


def recompute_part(job: Job, progress: Progress) -> str:
    records = list(
        SelfEvaluation.objects.select_related("department").filter(pk__in=job.keys).order_by("pk")
    )
    done = progress.done_keys()
    progress.start(len(records), "开始重新计算")
    for record in records:
        if str(record.pk) in done:
            continue
        progress.step(f"正在计算 {record}")
        try:
            with transaction.atomic():  # the result and its item recorded done, or neither
                refresh_now(record)
                progress.item(record.pk, str(record))
        except ProblemsFound as error:
            problems = "；".join(str(problem) for problem in error.problems[:PROBLEMS_SHOWN])
            more = len(error.problems) - PROBLEMS_SHOWN
            extra = f"（另有 {more} 个问题）" if more > 0 else ""
            progress.item(record.pk, str(record), f"未能计算：{problems}{extra}")
        pause()
    failed = progress.job.items.filter(ok=False).count()
    if failed:
        return f"已完成：{len(records) - failed} 个部门年度已重新计算，{failed} 个未能计算"
    return f"已完成：{len(records)} 个部门年度已重新计算"


def summary_docx(job: Job, progress: Progress) -> str:
    """The bureau's Word summary of ``job.fiscal_year`` (``jixiao.web.summary``): read every
    department's figures (a fixed number of queries), build the content, write the Word file
    with its charts — three steps."""
    from jixiao.adapters.report.summary import build_summary
    from jixiao.adapters.report.summary_word import summary_docx_bytes
    from jixiao.web.summary import year_summary

    year = job.fiscal_year
    if year is None:
        raise JobFailed("汇总分析报告须指定年度")
    progress.start(3, f"读取 {year} 年度各部门的评价结果")
    summary = year_summary(year)
    pause()
    progress.advance(f"生成 Word 文稿（{summary.departments} 个部门）")
    try:
        content = summary_docx_bytes(build_summary(summary))
    except NoChineseFont as error:
        raise JobFailed(str(error)) from error
    progress.advance("保存文件")
    name = f"{job.pk}-{secrets.token_hex(8)}.docx"
    target = Path(settings.JIXIAO_JOBS_FOLDER) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(target, content)
    progress.file(name)
    progress.advance("已生成，可以下载")
    return f"已生成，可以下载（{summary.departments} 个部门）"


def bulk_load(job: Job, progress: Progress) -> str:
    """A zip of department workbooks, loaded department by department (``web/bulk.py``)."""
    return load_zip(job, progress)


RUNNERS: dict[str, Runner] = {
    JobKind.BULK_LOAD: bulk_load,
    JobKind.REPORT_PDF: report_pdf,
    JobKind.RECOMPUTE_ALL: recompute_all,
    JobKind.RECOMPUTE_SOME: recompute_all,  # the job's keys only
    JobKind.RECOMPUTE_PART: recompute_part,
    JobKind.SUMMARY_DOCX: summary_docx,
    **bulk_reports.RUNNERS,  # every department's report of a year, in one zip
}
