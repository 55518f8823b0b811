"""Running a job in a worker process, and finding the jobs whose worker died.

A worker takes a queued job (:func:`run`): it marks it running under its own name
(``host:pid``), then the job's kind does its work, reporting each step and item through
:class:`Progress` — each report a short transaction of its own, never one around the work. The
worker's heartbeat (``jixiao.web.jobs.worker``) marks its running jobs alive every
``JIXIAO_JOB_HEARTBEAT`` seconds.

A worker killed mid-job (``kill -9``, a machine lost) leaves its job running with no heartbeat.
:func:`recover`, run by every worker every few seconds, finds such jobs — on the same machine at
once (the process is gone), from another machine after ``JIXIAO_JOB_STALE`` seconds of silence
— and **resumes** each: queued again, to go on from where it stopped (the items already done are
kept and skipped). A job interrupted ``JIXIAO_JOB_ATTEMPTS`` times is not tried again but
reported **interrupted**, with the items it did.

A worker asked to stop (SIGTERM, Ctrl+C) stops its job between two items and queues it again
(:class:`Requeue`), so stopping a worker never loses more than the item in hand either.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jixiao.web.jobs.models import (
    FINISHED,
    KEY_LENGTH,
    NAME_LENGTH,
    STEP_LENGTH,
    SUBJECT_LENGTH,
    Job,
    JobItem,
    JobState,
)

logger = logging.getLogger("jixiao.jobs")
STOPPING = threading.Event()  # set when this worker process is asked to stop
RUNNING: set[int] = set()  # the job this worker process runs now, if any


class JobFailed(Exception):
    """The job cannot be done; the Chinese message says why (shown on its page)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Requeue(Exception):
    """Stop the job now and queue it again (the worker is stopping)."""


class Waiting(Exception):
    """The job has queued its parts and waits for them: the last to finish settles it."""

    def __init__(self, closing: str) -> None:
        super().__init__(closing)
        self.closing = closing


class Lost(Exception):
    """The job is no longer this worker's (it was taken for interrupted): stop touching it."""


def worker_name() -> str:
    """This process's name in a job's ``worker``: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def pause() -> None:
    """``JIXIAO_JOB_PAUSE_SECONDS`` between items (0 unless set): lets a test or a demonstration
    watch a job's progress and stop its worker mid-job."""
    seconds = float(os.environ.get("JIXIAO_JOB_PAUSE_SECONDS", "0") or 0)
    if seconds > 0:
        time.sleep(min(seconds, 60))


class Progress:
    """What a running job reports: how many items of how many, the step in hand, each item's
    result, the file made. Each report is written at once in a short transaction (so the job's
    page shows it), and only while the job is still this worker's."""

    def __init__(self, job: Job, worker: str) -> None:
        self.job = job
        self.worker = worker

    def _write(self, **fields: Any) -> None:
        if STOPPING.is_set():
            raise Requeue
        fields["heartbeat_at"] = timezone.now()
        with transaction.atomic():
            updated = Job.objects.filter(
                pk=self.job.pk, state=JobState.RUNNING, worker=self.worker
            ).update(**fields)
        if not updated:
            raise Lost
        for name, value in fields.items():
            setattr(self.job, name, value)

    def start(self, total: int, step: str) -> None:
        """The job begins (or begins again): ``total`` items or steps, of which those done in
        an earlier run count as done (a job of steps starts them over)."""
        self._write(total=total, done=self.job.all_items().count(), step=step[:STEP_LENGTH])

    def step(self, text: str) -> None:
        self._write(step=text[:STEP_LENGTH])

    def advance(self, step: str) -> None:
        """One step of a job without items (the PDF report's) done; ``step`` is the next."""
        self._write(done=self.job.done + 1, step=step[:STEP_LENGTH])

    def item(self, key: object, name: str, error: str = "", subject: str = "") -> None:
        """An item done: ``error`` (Chinese) empty when it went well; ``subject`` what it is
        about when it names one (a department-year loaded). Call it inside the item's own
        transaction, so that the item is recorded done exactly when its work is committed."""
        with transaction.atomic():
            JobItem.objects.create(
                job=self.job,
                key=str(key)[:KEY_LENGTH],
                name=name[:NAME_LENGTH],
                ok=not error,
                error=error,
                subject=subject[:SUBJECT_LENGTH],
            )
            self._write(done=self.job.done + 1)
            if self.job.parent_id is not None:  # the whole job's count, with the item
                Job.objects.filter(pk=self.job.parent_id).update(done=F("done") + 1)

    def done_keys(self) -> set[str]:
        """The keys of the items done in an earlier run (the job was interrupted and resumed)."""
        return set(self.job.items.values_list("key", flat=True))

    def file(self, name: str) -> None:
        self._write(file=name)


Runner = Callable[[Job, Progress], str]  # does the work; answers the closing step's text


def runners() -> dict[str, Runner]:
    from jixiao.web.jobs.kinds import RUNNERS

    return RUNNERS


def run(job_id: int) -> None:
    """Run the job ``job_id`` here, if it is still queued (a second task for one job, or one
    for a job already finished, does nothing)."""
    worker = worker_name()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.QUEUED:
            return
        now = timezone.now()
        job.state, job.worker, job.attempts = JobState.RUNNING, worker, job.attempts + 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save()
    progress = Progress(job, worker)
    RUNNING.add(job.pk)
    try:
        closing = runners()[job.kind](job, progress)
    except Waiting as waiting:
        _wait(job, worker, waiting.closing)
    except Requeue:
        _requeue(job, worker, "工作进程停止，任务已重新排队，将从中断处继续")
    except Lost:
        logger.warning("任务 %s 已不属于本工作进程 %s，停止运行", job.pk, worker)
    except JobFailed as failure:
        _finish(job, worker, JobState.FAILED, error=failure.message)
    except Exception:
        logger.exception("任务 %s 内部错误", job.pk)
        _finish(
            job,
            worker,
            JobState.FAILED,
            error="任务内部错误，未能完成；请联系系统管理员（详情见工作进程的日志）",
        )
    else:
        _finish(job, worker, JobState.DONE, step=closing)
    finally:
        RUNNING.discard(job.pk)


def _finish(job: Job, worker: str, state: str, *, error: str = "", step: str = "") -> None:
    with transaction.atomic():
        fields: dict[str, Any] = {"state": state, "finished_at": timezone.now(), "error": error}
        if step:
            fields["step"] = step[:STEP_LENGTH]
        Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=worker).update(**fields)
        if job.parent_id is not None:
            settle(job.parent_id)


def _wait(job: Job, worker: str, step: str) -> None:
    """``job`` has queued its parts: it stays running, with no worker of its own (so no
    worker's death is its), until the last part settles it — unless they all ended already."""
    with transaction.atomic():
        Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=worker).update(
            worker="", step=step[:STEP_LENGTH], heartbeat_at=timezone.now()
        )
        settle(job.pk)


def settle(parent_id: int) -> None:
    """When every part of the job ``parent_id`` has ended, end it: done if every part is done,
    else failed or interrupted as its parts were. Inside the caller's transaction."""
    parent = Job.objects.select_for_update().filter(pk=parent_id).first()
    if parent is None or parent.state != JobState.RUNNING or parent.worker:
        return
    parts = list(parent.parts.all())
    if not parts or any(part.state not in FINISHED for part in parts):
        return
    states = {part.state for part in parts}
    items = parent.all_items()
    failed = items.filter(ok=False).count()
    done = items.count() - failed
    if states == {JobState.DONE}:
        state, error = JobState.DONE, ""
    else:
        state = JobState.INTERRUPTED if JobState.INTERRUPTED in states else JobState.FAILED
        error = "；".join(dict.fromkeys(part.error for part in parts if part.error))
    step = f"已完成：{done} 个部门年度已重新计算" + (f"，{failed} 个未能计算" if failed else "")
    if state != JobState.DONE:
        step = f"已停止：{done} 个部门年度已重新计算" + (f"，{failed} 个未能计算" if failed else "")
    Job.objects.filter(pk=parent.pk).update(
        state=state, finished_at=timezone.now(), error=error, step=step[:STEP_LENGTH]
    )


def _requeue(job: Job, worker: str, step: str) -> None:
    from jixiao.web.jobs.queue import enqueue

    with transaction.atomic():
        if Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=worker).update(
            state=JobState.QUEUED, worker="", step=step
        ):
            enqueue(job)


# --- interrupted jobs ------------------------------------------------------------------------


def _gone(job: Job, now: Any, host: str) -> bool:
    """Whether ``job``'s worker is gone: on this machine, its process no longer runs; anywhere,
    it has not marked the job alive for ``JIXIAO_JOB_STALE`` seconds."""
    stale = timedelta(seconds=settings.JIXIAO_JOB_STALE)
    if job.heartbeat_at is None or now - job.heartbeat_at > stale:
        return True
    machine, _, pid = job.worker.rpartition(":")
    if machine != host or not pid.isdecimal():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process of that number: alive
        return False
    return False


def recover() -> list[tuple[int, str]]:
    """Resume (or, past ``JIXIAO_JOB_ATTEMPTS`` runs, report interrupted) every running job
    whose worker is gone. Answers ``(job id, new state)`` for each. Safe to run from any
    number of workers at once: each job is locked and looked at again before it is touched."""
    from jixiao.web.jobs.queue import enqueue

    host, now = socket.gethostname(), timezone.now()
    changed: list[tuple[int, str]] = []
    # A job waiting for its parts has no worker: its parts' deaths are theirs.
    for candidate in Job.objects.filter(state=JobState.RUNNING).exclude(worker="").only("pk"):
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=candidate.pk).first()
            if job is None or job.state != JobState.RUNNING or not _gone(job, now, host):
                continue
            gone = job.worker
            job.worker = ""
            if job.attempts < settings.JIXIAO_JOB_ATTEMPTS:
                job.state = JobState.QUEUED
                job.step = (
                    f"工作进程中断（第 {job.attempts} 次运行），任务已重新排队，将从中断处继续"
                )
                job.save()
                enqueue(job)
            else:
                job.state = JobState.INTERRUPTED
                job.finished_at = now
                job.error = (
                    f"工作进程中断，任务已运行 {job.attempts} 次仍未完成，不再重试；"
                    f"已完成 {job.done} / {job.total}，请重新提交"
                )
                job.save()
                if job.parent_id is not None:
                    settle(job.parent_id)
            _close_tasks_of(gone, now)
            logger.warning("任务 %s 的工作进程 %s 已中断：%s", job.pk, gone, job.state)
            changed.append((job.pk, job.state))
    return changed


class WorkerInterrupted(Exception):
    """What the queue's row of a dead worker's task says it failed of."""


def _close_tasks_of(gone: str, now: Any) -> None:
    """The queue's own rows of the dead worker's tasks, left running by it, marked failed
    (its job's fate is the job row's: resumed or interrupted)."""
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status="RUNNING").only("pk", "worker_ids")
    dead = [row.pk for row in running if row.worker_ids and row.worker_ids[-1] == gone[:64]]
    DBTaskResult.objects.filter(pk__in=dead).update(
        status="FAILED",
        finished_at=now,
        exception_class_path=f"{__name__}.{WorkerInterrupted.__qualname__}",
        traceback=f"工作进程 {gone} 中断",
    )


def beat(worker: str) -> None:
    """Mark this worker's running job alive (no write while it runs none)."""
    if RUNNING:
        Job.objects.filter(pk__in=list(RUNNING), state=JobState.RUNNING, worker=worker).update(
            heartbeat_at=timezone.now()
        )


def sweep_files(now: Any = None) -> int:
    """Delete the files of jobs finished more than ``JIXIAO_JOB_FILE_DAYS`` days ago (their
    pages then say the file is gone: ask again) — a bulk load's uploaded zip too —, and files
    no job names (left by a worker
    killed while saving). Answers how many files were deleted."""
    now = now or timezone.now()
    folder = Path(settings.JIXIAO_JOBS_FOLDER)
    if not folder.is_dir():
        return 0
    cutoff = now - timedelta(days=settings.JIXIAO_JOB_FILE_DAYS)
    old = Job.objects.filter(finished_at__lt=cutoff)
    expired = set(old.exclude(file="").values_list("file", flat=True))
    expired |= set(old.exclude(upload="").values_list("upload", flat=True))
    old.exclude(file="", upload="").update(file="", upload="")
    named = set(Job.objects.exclude(file="").values_list("file", flat=True))
    named |= set(Job.objects.exclude(upload="").values_list("upload", flat=True))
    deleted = 0
    for path in folder.iterdir():
        orphan = path.name not in named and path.stat().st_mtime < now.timestamp() - 3600
        if path.is_file() and (path.name in expired or orphan):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
