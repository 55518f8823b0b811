"""Many departments at once: the finance bureau uploads a zip of department workbooks, and a
background job loads it department by department.

**Upload** (:func:`receive_zip`): the bureau reviewer or the system administrator (``Actor.
may_load_departments``; anyone else 404) sends a ``.zip`` and says whether a department-year
already stored is replaced (替换已有数据). The zip is checked from its directory before anything
is unpacked (``adapters/zip_batch.py``: size, entries, names, nested archives, each entry's
size), kept under ``$JIXIAO_HOME/jobs/`` with an unguessable name, and a ``bulk_load`` job is
queued with the upload's audit event, in one transaction.

**Loading** (:func:`load_zip`, the job's runner): each workbook in name order is unpacked alone
to a scratch folder (its real bytes counted), read and checked like ``jixiao import`` (the
workbook bomb check, then every problem at its cell), and stored by ``loading.store`` in a
transaction of its own that also records the item done: a new department-year is created with
its stored result; one already stored is replaced (its changes applied, audited as 更新数据集)
only if the uploader asked for it and the year is still 填报中 — otherwise that department is
refused with the reason and the others go on. A second workbook of a department-year already
loaded from the same zip is refused, naming the first (replacing it would silently undo it).
A crash loses at most the department in hand; a resumed job (``jobs.running.recover``) skips
the workbooks already done. Each department loaded is one audit event (载入数据集 or 更新数据集)
naming the uploader.

Worked example: ``demo-bureau`` uploads 部门.zip with a.xlsx (a new department 甲局), b.xlsx
(广州市商务局 2023, already stored) and c.xlsx (two project codes blank), replace unticked: job
#1 records "已新建 甲局 2023 年度（53 个项目）← a.xlsx", refuses b.xlsx ("广州市商务局 2023 年度
（部门编码 gz-commerce）已在数据库中；未勾选“替换已有数据”，未载入") and c.xlsx ("c.xlsx
项目!A3：“项目编码”为必填项，不能为空" and A4 likewise), and closes "已完成：新建 1 个、替换 0 个
部门年度，2 个未载入".
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.adapters.workbook import read_workbook
from jixiao.adapters.zip_batch import LIMITS, ZipRefused, check_zip, shown, unpack
from jixiao.core.problems import Problem, errors_in
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.jobs.models import Job
from jixiao.web.jobs.running import JobFailed, Lost, Progress, Requeue, pause
from jixiao.web.jobs.services import queue_bulk_load
from jixiao.web.loading import Outcome, store
from jixiao.web.policy import Who, as_actor

logger = logging.getLogger("jixiao.jobs")


def located(problem: Problem) -> str:
    """A problem as a bulk load lists it: ``文件 工作表!单元格：message``."""
    place = problem.location
    if place.sheet is not None:
        return f"{place.file} {place}：{problem.message}"
    return str(problem)


def receive_zip(who: Who, upload: UploadedFile[bytes], *, replace: bool) -> Job:
    """Check the uploaded zip, keep it and queue its load (see the module's docstring)."""
    actor = as_actor(who)
    if not actor.may_load_departments():
        raise NotFound(_("没有这个页面，或您无权查看"))
    name = (upload.name or "部门工作簿.zip")[:200]
    if upload.size is not None and upload.size > LIMITS.zip_bytes:
        raise Invalid(_("压缩包超过 %(mb)d MB") % {"mb": LIMITS.zip_bytes // (1024 * 1024)})
    folder = Path(settings.JIXIAO_JOBS_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"upload-{secrets.token_hex(16)}.zip"
    path = folder / stored
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        workbooks = check_zip(path, name)
        return queue_bulk_load(actor, stored, name, replace=replace, workbooks=len(workbooks))
    except ZipRefused as refused:
        path.unlink(missing_ok=True)
        raise Invalid(refused.problem.message, [refused.problem]) from refused
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def load_zip(job: Job, progress: Progress) -> str:
    """The ``bulk_load`` job: each workbook of the zip loaded in a transaction of its own."""
    path = Path(settings.JIXIAO_JOBS_FOLDER) / job.upload
    if not job.upload or not path.is_file():
        raise JobFailed("上传的压缩包已不存在，请重新上传")
    try:
        entries = check_zip(path, job.upload_name)
    except ZipRefused as refused:
        raise JobFailed(str(refused.problem)) from refused
    done = progress.done_keys()
    progress.start(len(entries), "开始逐个部门载入")
    user = job.requested_by
    with tempfile.TemporaryDirectory(prefix="jixiao-bulk-") as scratch:
        for number, entry in enumerate(entries, start=1):
            key = str(number)  # the entries' order is the zip's, sorted: the same when resumed
            if key in done:
                continue
            name = shown(entry)
            progress.step(f"正在载入 {name}（{number} / {len(entries)}）")
            target = Path(scratch) / f"{number}.xlsx"
            try:
                _load_one(job, progress, path, entry, name, key, target, user)
            except (Requeue, Lost, JobFailed):
                raise
            except Exception:
                logger.exception("任务 %s 载入 %s 时内部错误", job.pk, entry)
                progress.item(
                    key, name, "内部错误，未载入；请联系系统管理员（详情见工作进程的日志）"
                )
            finally:
                target.unlink(missing_ok=True)
            pause()
    items = list(job.items.values_list("ok", "name"))
    created = sum(1 for ok, text in items if ok and text.startswith("已新建"))
    changed = sum(1 for ok, text in items if ok and not text.startswith("已新建"))  # or 无变化
    failed = sum(1 for ok, _text in items if not ok)
    return f"已完成：新建 {created} 个、替换 {changed} 个部门年度，{failed} 个未载入"


def _load_one(
    job: Job,
    progress: Progress,
    path: Path,
    entry: str,
    name: str,
    key: str,
    target: Path,
    user: User | None,
) -> None:
    why = unpack(path, entry, target)
    if why is not None:
        progress.item(key, name, f"{name}：{why}")
        return
    dataset, problems = read_workbook(target, name=name)
    if dataset is None or errors_in(problems):
        listed = "\n".join(located(problem) for problem in errors_in(problems))
        progress.item(key, name, listed or f"{name}：无法读取")
        return
    what = f"{dataset.department.name} {dataset.fiscal_year} 年度"
    subject = f"{dataset.department.code}/{dataset.fiscal_year}"
    with transaction.atomic():  # the department and its item recorded done, or neither
        earlier = job.items.filter(ok=True, subject=subject).first()
        if earlier is not None:  # a second workbook of one department-year in the zip
            progress.item(
                key,
                f"{what} ← {name}",
                f"{name}：与本压缩包中已载入的“{earlier.name}”是同一部门年度"
                f"（部门编码 {dataset.department.code}），未载入；每个部门年度只能有一个工作簿",
            )
            return
        loaded = store(
            dataset,
            name,
            replace=job.replace,
            actor=user,
            reason=f"批量载入压缩包“{job.upload_name}”中的 {entry}（后台任务 #{job.pk}）",
            not_replaced=(
                f"{what}（部门编码 {dataset.department.code}）已在数据库中；"
                "未勾选“替换已有数据”，未载入"
            ),
            drafting_only=True,
        )
        if loaded.outcome is Outcome.REFUSED:
            progress.item(key, f"{what} ← {name}", loaded.reason)
        elif loaded.outcome is Outcome.CREATED:
            done = f"已新建 {what}（{len(dataset.projects)} 个项目）← {name}"
            progress.item(key, done, subject=subject)
        elif loaded.outcome is Outcome.UNCHANGED:
            progress.item(key, f"无变化 {what} ← {name}", subject=subject)
        else:
            assert loaded.plan is not None
            counts = loaded.plan.as_record()
            progress.item(
                key,
                f"已替换 {what}：新增 {counts['新增']} 条、修改 {counts['修改']} 条、"
                f"删除 {counts['删除']} 条记录 ← {name}",
                subject=subject,
            )
