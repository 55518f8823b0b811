"""Worker processes: ``jixiao worker`` runs one (or ``--processes N`` under a small supervisor),
and ``jixiao serve`` starts one beside the web server (``embedded``).

One worker process is django-tasks-db's worker loop (it takes the next queued task in its own
transaction — ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive transaction on
SQLite — so any number of workers on any number of machines share one queue) and a heartbeat
thread: every ``JIXIAO_JOB_HEARTBEAT`` seconds it marks this worker's running job alive and
resumes the jobs of workers that died (``running.recover``).

A child worker is started with the parent-death signal (Linux ``PR_SET_PDEATHSIG``): if its
parent — the supervisor or ``jixiao serve`` — dies, even by ``kill -9``, the worker is told to
stop too, and stops between two items of its job (queued again, to go on elsewhere).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger("jixiao.jobs")
POLL_SECONDS = 1.0  # how often an idle worker looks for a queued job
SWEEP_EVERY = 900  # heartbeats between two sweeps of old jobs' files (half an hour)
RESTART_SECONDS = 1  # how long a supervisor waits before starting a worker that ended again


def run_one() -> None:
    """Run a worker in this process until SIGTERM or SIGINT (then it finishes or queues again
    its job and returns)."""
    from django_tasks_db.management.commands.db_worker import Worker

    from jixiao.web.jobs.running import STOPPING, recover, worker_name

    name = worker_name()
    worker = Worker(
        queue_names=["*"],
        interval=POLL_SECONDS,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name[:64],
        excluded_queue_names=[],
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        """Let the loop end by itself (within ``POLL_SECONDS``), never break into it: a task
        claimed a moment ago is still run, and its job, seeing ``STOPPING``, queued again."""
        if STOPPING.is_set():  # asked again (the parent's death signal after its SIGTERM)
            return
        STOPPING.set()
        worker.running = False
        if worker.running_task:
            logger.warning("收到 %s：当前任务在下一项之前停止并重新排队", signal.strsignal(signum))

    for chosen in (signal.SIGTERM, signal.SIGINT):
        signal.signal(chosen, stop)
    heartbeat = threading.Thread(
        target=_heartbeat, args=(name, recover), name="jixiao-heartbeat", daemon=True
    )
    heartbeat.start()
    print(f"jixiao 工作进程 {name} 已启动，等待后台任务。", flush=True)
    worker.run()
    print(f"jixiao 工作进程 {name} 已停止。", flush=True)


def _heartbeat(name: str, recover: Callable[[], Any]) -> None:
    from jixiao.web.jobs.running import STOPPING, beat, sweep_files

    beats = 0
    while not STOPPING.is_set():
        try:
            beat(name)
            recover()
            beats += 1
            if beats % SWEEP_EVERY == 1:  # at start, then every half an hour
                sweep_files()
        except Exception:  # the database away for a moment: try again at the next beat
            logger.exception("后台任务心跳失败")
        finally:
            close_old_connections()
            connection.close()
        STOPPING.wait(settings.JIXIAO_JOB_HEARTBEAT)


def _die_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the parent dies (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_child() -> subprocess.Popen[bytes]:
    """A worker process (``jixiao worker``) that stops when this process dies."""
    return subprocess.Popen(
        [sys.executable, "-m", "jixiao.cli", "worker"],
        preexec_fn=_die_with_parent,  # only sets the death signal
    )


class Supervisor:
    """Keeps ``count`` worker processes running (a worker that ends is started again after
    ``RESTART_SECONDS``) until :meth:`stop`; then asks each to stop and waits for it."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.owner = os.getpid()  # a process forked from this one (gunicorn's) has no say
        self.children: list[subprocess.Popen[bytes]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def watch(self) -> None:
        with self.lock:
            if self.stopping.is_set():
                return
            self.children = [start_child() for _ in range(self.count)]
        while not self.stopping.wait(0.5):
            with self.lock:
                for index, child in enumerate(self.children):
                    if child.poll() is not None and not self.stopping.is_set():
                        logger.warning(
                            "工作进程 %s 已退出（%s），重新启动", child.pid, child.returncode
                        )
                        time.sleep(RESTART_SECONDS)
                        self.children[index] = start_child()

    def stop(self) -> None:
        if os.getpid() != self.owner:
            return
        with self.lock:
            self.stopping.set()
            for child in self.children:
                if child.poll() is None:
                    child.terminate()
            for child in self.children:
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def run_many(count: int) -> None:
    """``jixiao worker --processes N``: N worker processes, until SIGTERM or SIGINT."""
    supervisor = Supervisor(count)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    for chosen in (signal.SIGTERM, signal.SIGINT):
        signal.signal(chosen, stop)
    print(f"jixiao 启动 {count} 个工作进程（Ctrl+C 停止）。", flush=True)
    try:
        supervisor.watch()
    except SystemExit:
        pass
    finally:
        supervisor.stop()


def embedded() -> Supervisor:
    """``jixiao serve``'s worker: one worker process, kept running by a thread of the server's
    until the server stops (:meth:`Supervisor.stop`, also at exit); if the server is killed the
    worker stops by itself (the parent-death signal)."""
    import atexit

    supervisor = Supervisor(1)
    threading.Thread(target=supervisor.watch, name="jixiao-jobs", daemon=True).start()
    atexit.register(supervisor.stop)
    return supervisor
