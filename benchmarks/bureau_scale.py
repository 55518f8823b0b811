"""Benchmark: the finance bureau at scale (issue 12, "Must show").

    python benchmarks/bureau_scale.py [--departments 2000] [--users 20] [--reports 200]
                                      [--requests 400] [--database sqlite|postgresql] [--quick]
                                      [--keep] [--reuse HOME]

In a data folder of its own (a temporary ``JIXIAO_HOME``; on PostgreSQL a throwaway database
whose name contains "bench", created and dropped here, on this machine only):

1. ``--departments`` generated departments (``evaluate_departments.generate_department``),
   written as data-set folders and loaded with ``jixiao load`` (one process): time in all and
   per department.
2. ``jixiao serve`` on 127.0.0.1 (on PostgreSQL ``--workers 2``, as ``web_load.py``) and
   ``--users`` bureau reviewers signed in; the overview's first page sorted by score, and
   filtered by group and grade, ``--requests`` times each by all users at once; p50/p95/p99
   against the login page's p95 in the same run (target ≤ 3×).
   The server and its session machinery are ``web_load.py``'s.
3. Recompute all (``recompute_all``, parts of 50) run by ``jixiao worker --processes 1``, then
   again by ``--processes 2`` (PostgreSQL only: SQLite takes one worker process): time each.
4. Every department's Word report (``reports_docx_zip``) for the first ``--reports``
   departments (a group of them), run by one worker: time, and the progress seen advancing.

Prints a table (Chinese labels) and exits 1 on any error (an HTTP error, a job not done, an
item not made). ``--quick``: 30 departments, 3 users, 5 reports, 20 requests (the test suite).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_departments import generate_department
from web_load import (
    PASSWORD,
    Page,
    Setup,
    Tally,
    _check_loopback,
    _recreate_database,
    clean_up,
    read_page,
    report,
    server,
    sign_in_all,
)

TARGET = 3  # × the login page's p95
GOOD = quote("良")
POLL = 0.5  # seconds between looks at a job


def load_departments(home: Path, count: int, environment: dict[str, str]) -> float:
    """Write ``count`` generated data sets and ``jixiao load`` them; answers the seconds."""
    from jixiao.adapters.dataset_files import write_dataset

    rng = random.Random(2023)
    folder = home / "datasets"
    for number in range(count):
        write_dataset(generate_department(rng, number), folder / f"d{number:05d}")
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", "load", str(folder)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit("jixiao load 失败：" + (completed.stderr or completed.stdout)[-2000:])
    shutil.rmtree(folder)
    return seconds


def organize(users: int, reports: int) -> tuple[list[str], int, int]:
    """Bureau reviewers, four 批次 groups over all departments and one group of the first
    ``reports`` departments; answers the users' names, a group's id and the reports' group."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from jixiao.web.organizations.models import (
        Department,
        DepartmentGroup,
        GroupKind,
        Membership,
        Role,
    )

    model = get_user_model()
    password = make_password(PASSWORD)
    names = [f"bench-bureau-{n:02d}" for n in range(1, users + 1)]
    made = model.objects.bulk_create([model(username=name, password=password) for name in names])
    Membership.objects.bulk_create(
        Membership(user=user, role=Role.BUREAU_REVIEWER) for user in made
    )
    groups = [
        DepartmentGroup.objects.create(kind=GroupKind.REVIEW_GROUP, name=f"第{n}批")
        for n in range(1, 5)
    ]
    chosen = DepartmentGroup.objects.create(kind=GroupKind.PORTFOLIO, name="报告基准")
    links = Department.groups.through
    departments = list(Department.objects.order_by("code").values_list("pk", flat=True))
    links.objects.bulk_create(
        links(department_id=pk, departmentgroup_id=groups[n % 4].pk)
        for n, pk in enumerate(departments)
    )
    links.objects.bulk_create(
        links(department_id=pk, departmentgroup_id=chosen.pk) for pk in departments[:reports]
    )
    return names, groups[0].pk, chosen.pk


def organized(users: int) -> tuple[list[str], int, int]:
    """What ``organize`` made in an earlier run: the users' names, a group's id and the
    reports' group."""
    from jixiao.web.organizations.models import DepartmentGroup

    names = [f"bench-bureau-{n:02d}" for n in range(1, users + 1)]
    group = DepartmentGroup.objects.get(name="第1批").pk
    return names, group, DepartmentGroup.objects.get(name="报告基准").pk


def run_job(job_id: int, processes: int, environment: dict[str, str], limit: float) -> Any:
    """Start ``jixiao worker --processes N``, wait for job ``job_id`` to finish; answers
    (seconds, the job, the distinct ``done`` counts seen)."""
    from jixiao.web.jobs.models import Job

    command = [sys.executable, "-m", "jixiao.cli", "worker", "--processes", str(processes)]
    log = Path(environment["JIXIAO_HOME"]) / "worker.log"
    started = time.perf_counter()
    seen: list[int] = []
    with log.open("ab") as output:
        worker = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    try:
        while True:
            job = Job.objects.get(pk=job_id)
            if not seen or seen[-1] != job.done:
                seen.append(job.done)
            if job.finished:
                break
            if time.perf_counter() - started > limit or worker.poll() is not None:
                raise SystemExit(
                    f"任务 #{job_id} 未在 {limit:.0f} 秒内完成（{job.done}/{job.total}）："
                    + log.read_text(errors="replace")[-1500:]
                )
            time.sleep(POLL)
        return time.perf_counter() - started, job, seen
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/wt_bench_scale",
        help="PostgreSQL: a throwaway database on this machine, created and dropped here",
    )
    parser.add_argument("--departments", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400, help="per page")
    parser.add_argument("--time-limit", type=float, default=7200, help="seconds, per phase")
    parser.add_argument("--quick", action="store_true", help="30 departments, 3 users, 5 reports")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (logs)")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="HOME",
        help="measure again on the data folder (and --database-url) of an earlier run kept with "
        "--keep, or loaded by hand: no loading; nothing dropped at the end",
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.departments, arguments.users, arguments.reports = 30, 3, 5
        arguments.requests = 20
    arguments.reports = min(arguments.reports, arguments.departments)
    on_postgres = arguments.database == "postgresql"
    database_url = arguments.database_url if on_postgres else None
    if database_url:
        _check_loopback(database_url)
        if not arguments.reuse:
            _recreate_database(database_url)
    home = arguments.reuse or Path(tempfile.mkdtemp(prefix="jixiao-bureau-scale-"))
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["JIXIAO_HOME"] = str(home)
    os.environ["JIXIAO_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        environment["DATABASE_URL"] = os.environ["DATABASE_URL"] = database_url
    rows: list[tuple[str, str, str]] = []
    errors: list[str] = []
    try:
        count = arguments.departments
        print(
            f"数据库：{'PostgreSQL' if on_postgres else 'SQLite'}；{count} 个部门；"
            f"{arguments.users} 个财政局用户；{arguments.reports} 份报告；"
            f"{os.cpu_count()} 核；负载 {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        from jixiao.web import runtime

        runtime.setup()
        logging.getLogger("jixiao.audit").setLevel(logging.WARNING)  # no checkpoints printed
        runtime.migrate()
        if arguments.reuse:
            from jixiao.web.organizations.models import Department, SelfEvaluation

            names, group, chosen = organized(arguments.users)
            count = SelfEvaluation.objects.count()
            arguments.reports = Department.groups.through.objects.filter(
                departmentgroup_id=chosen
            ).count()
            print(f"  沿用已载入的 {count} 个部门年度，报告 {arguments.reports} 份", flush=True)
        else:
            seconds = load_departments(home, count, environment)
            per_department = f"{seconds / count * 1000:.0f} ms/部门"
            rows.append(("jixiao load", f"{seconds:.1f} s", per_department))
            print(f"  载入：{seconds:.1f} s", flush=True)
            names, group, chosen = organize(arguments.users, arguments.reports)

        setup = Setup(home, database_url, 0, names, [], [], [], Page("", ""))
        pages = [
            Page("登录页（基准）", "/accounts/login/"),
            Page("总览第一页：按得分排序", "/bureau/?year=2023&sort=-score"),
            Page("总览第一页：分组 + 等级", f"/bureau/?year=2023&group={group}&grade={GOOD}"),
        ]
        deadline = time.monotonic() + arguments.time_limit
        with server(setup, 2 if on_postgres else 1) as port:  # as web_load.py serves
            sessions = sign_in_all(port, names)
            for session, page in zip(sessions, pages * len(sessions), strict=False):
                session.request("GET", page.path)  # warm up
            tallies: list[Tally] = [
                read_page(sessions, page, arguments.requests, deadline) for page in pages
            ]
        baseline = tallies[0].percentile(95)
        met = report(
            f"总览：{arguments.users} 个财政局用户同时访问（目标：p95 ≤ {TARGET}× 登录页）",
            [(tallies[0], None)] + [(t, TARGET) for t in tallies[1:]],
            baseline,
        )
        for tally in tallies:
            errors += [f"{tally.page.name}：{e}" for e in sorted(set(tally.errors))[:3]]

        from django.contrib.auth.models import User

        from jixiao.web.bulk_reports import request_reports_zip
        from jixiao.web.jobs.models import JobState
        from jixiao.web.jobs.services import queue_recompute_all

        for processes in (1, 2) if on_postgres else (1,):
            job = queue_recompute_all(None)
            seconds, job, _ = run_job(job.pk, processes, environment, arguments.time_limit)
            failed = job.all_items().filter(ok=False).count()
            if job.state != JobState.DONE or failed:
                errors.append(f"重新计算（{processes} 个工作进程）：{job.state} {job.error}")
            rows.append(
                (
                    f"重新计算全部 {count} 个（{processes} 个工作进程）",
                    f"{seconds:.1f} s",
                    f"{seconds / count * 1000:.0f} ms/部门；{job.done}/{job.total} 完成",
                )
            )
            print(f"  重新计算（{processes} 个工作进程）：{seconds:.1f} s", flush=True)

        bureau = User.objects.get(username=names[0])
        job = request_reports_zip(bureau, 2023, group=chosen)
        seconds, job, seen = run_job(job.pk, 1, environment, arguments.time_limit)
        failed = job.items.filter(ok=False).count()
        if job.state != JobState.DONE or failed or job.items.count() != arguments.reports:
            errors.append(f"各部门报告：{job.state} {job.error}；{failed} 个未能生成")
        advancing = len(seen) > 2 and seen == sorted(seen)
        if not advancing:
            errors.append(f"各部门报告：未见进度推进（{seen}）")
        rows.append(
            (
                f"Word 报告 {arguments.reports} 份（1 个工作进程，打包为 zip）",
                f"{seconds:.1f} s",
                f"{seconds / arguments.reports * 1000:.0f} ms/份；进度读到 {len(seen)} 个不同值"
                f"（{seen[0]}→{seen[-1]}/{job.total}）",
            )
        )
        print("\n| 项目 | 用时 | 说明 |\n|---|---|---|")
        for name, time_taken, note in rows:
            print(f"| {name} | {time_taken} | {note} |")
        print(
            f"\n目标：总览 p95 ≤ {TARGET}× 登录页 {'达到' if met else '未达到'}；"
            f"错误 {len(errors)}；负载 {os.getloadavg()[0]:.1f}"
        )
        for error in errors:
            print(f"  错误：{error}")
        return 1 if errors else 0
    finally:
        if not arguments.reuse:
            clean_up(home, database_url, keep=arguments.keep)


if __name__ == "__main__":
    sys.exit(main())
