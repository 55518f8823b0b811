"""Background jobs run by real worker processes (issue 12, item 5): on SQLite the worker that
``jixiao serve`` starts beside itself, on PostgreSQL ``jixiao worker --processes 2`` beside a
``jixiao serve --no-jobs``. The PDF report is asked for through the page, its progress read
through the API, its worker killed with ``kill -9`` mid-job — the job is resumed by another
worker and done — and its file downloaded by the department's reader, refused to another
department's; recompute-all runs for the bureau; stopping the server stops its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from .live import PASSWORD, Browser, api, load_demo, query, start_server

POSTGRES = os.environ.get("DATABASE_URL", "")
PAUSE = "0.5"  # seconds between a job's steps, so that the test sees them and kills mid-job
OTHER_DEPARTMENT = f"""
from jixiao.web import runtime
runtime.setup()
from django.contrib.auth.models import User
from jixiao.web.organizations.models import Department, Membership, Role
department = Department.objects.create(code="other", name="另一个局")
user = User.objects.create_user("other-finance", password="{PASSWORD}")
Membership.objects.create(user=user, role=Role.FINANCE_REVIEWER, department=department)
"""


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.own_sqlite),
        pytest.param("postgresql"),
    ]
)
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite in the test's own folder, or the URL of a scratch PostgreSQL database
    beside the test run's own (skipped unless DATABASE_URL names a PostgreSQL server)."""
    if request.param == "sqlite":
        yield None
        return
    if not POSTGRES.startswith("postgres"):
        pytest.skip("PostgreSQL 那一轮运行（DATABASE_URL=postgresql://…）")
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(POSTGRES)
    name = f"{parts.path.lstrip('/') or 'jixiao'}_jobs"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(home: Path, database_url: str | None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment |= {"JIXIAO_HOME": str(home), "JIXIAO_JOB_PAUSE_SECONDS": PAUSE}
    if database_url:
        environment["DATABASE_URL"] = database_url
    return environment


def _state(base: str, username: str, job: int) -> dict[str, Any]:
    answer = api(base, username, "GET", f"/api/jobs/{job}/")
    assert answer.status == 200, answer.body[:300]
    return dict(answer.json())


def _worker_of(home: Path, database_url: str | None, job: int) -> int:
    rows = query(home, f"SELECT worker FROM jobs_job WHERE id = {job}", database_url=database_url)
    return int(rows[0][0].rpartition(":")[2])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _fetch(browser: Browser, path: str) -> tuple[int, bytes]:
    try:
        with browser.opener.open(browser.base + path, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _wait_until(what: str, check: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            print(f"{time.strftime('%X')} {what}")
            return found
        time.sleep(0.25)
    raise AssertionError(f"{timeout} 秒内未等到：{what}")


def test_item5_real_workers_run_resume_after_kill_9_and_guard_the_file(
    tmp_path: Path, database: str | None
) -> None:
    home = tmp_path / "home"
    load_demo(home, database_url=database)
    environment = _environment(home, database)
    subprocess.run(
        [sys.executable, "-c", OTHER_DEPARTMENT], env=environment, check=True, timeout=120
    )
    variables = {"JIXIAO_JOB_PAUSE_SECONDS": PAUSE}
    workers = None
    if database is None:  # SQLite: jixiao serve's own worker
        server = start_server(home, variables=variables)
    else:  # PostgreSQL: a team's layout, workers in processes of their own
        server = start_server(home, database_url=database, arguments=("--no-jobs",))
        with (home / "workers.log").open("ab") as log:
            workers = subprocess.Popen(
                [sys.executable, "-m", "jixiao.cli", "worker", "--processes", "2"],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    try:
        finance = Browser(server.base)
        finance.sign_in("demo-finance")
        asked = finance.post("/evaluations/1/jobs/report-pdf/", {}, token_from="/evaluations/1/")
        assert asked.status == 200 and 'hx-trigger="every 2s"' in asked.body, asked.body[:500]

        # Progress through the API, and kill -9 of the worker in the middle of the job.
        def started() -> dict[str, Any] | None:
            state = _state(server.base, "demo-finance", 1)
            return state if state["state"] == "running" and 1 <= state["done"] < 4 else None

        midway = _wait_until("任务开始运行", started)
        assert midway["total"] == 4 and midway["step"] in (
            "生成 Word 文稿",
            "转换为 PDF（LibreOffice）",
        )
        killed = _worker_of(home, database, 1)
        os.kill(killed, signal.SIGKILL)
        _wait_until("被杀的工作进程消失", lambda: not _alive(killed), timeout=30)

        done = _wait_until(
            "任务在另一个工作进程中完成",
            lambda: (s := _state(server.base, "demo-finance", 1))["state"] == "done" and s,
        )
        assert (done["done"], done["total"], done["attempts"], done["error"]) == (4, 4, 2, "")
        assert (done["step"], done["file"]) == ("已生成，可以下载", "/jobs/1/file/")
        assert _worker_of(home, database, 1) != killed

        status, content = _fetch(finance, "/jobs/1/file/")
        assert status == 200 and content.startswith(b"%PDF")
        outsider = Browser(server.base)
        outsider.sign_in("other-finance")
        for path in ("/jobs/1/file/", "/jobs/1/", "/jobs/1/progress/"):
            assert _fetch(outsider, path)[0] == 404, path
        assert api(server.base, "other-finance", "GET", "/api/jobs/1/").status == 404
        division = Browser(server.base)
        division.sign_in("demo-division")
        assert _fetch(division, "/jobs/1/file/")[0] == 404

        # Recompute-all, asked for by the bureau, one item per department-year.
        bureau = Browser(server.base)
        bureau.sign_in("demo-bureau")
        page = bureau.post("/jobs/recompute-all/", {}, token_from="/jobs/")
        assert page.status == 200 and "重新计算全部评价结果 #2" in page.body
        recomputed = _wait_until(
            "重新计算完成",
            lambda: (s := _state(server.base, "demo-bureau", 2))["state"] == "done" and s,
        )
        assert recomputed["items"] == [
            {"key": "1", "name": "广州市商务局 2023 年度", "ok": True, "error": ""}
        ]
        assert recomputed["step"] == "已完成：1 个部门年度已重新计算"
        last_worker = _worker_of(home, database, 3)  # job 3: recompute-all's one part
        tasks = query(
            home,
            "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status",
            database_url=database,
        )
        assert sorted(tasks) == [("FAILED", 1), ("SUCCESSFUL", 3)]  # the killed worker's: failed
    finally:
        server.stop()
        if workers is not None:
            workers.terminate()
            workers.wait(timeout=60)
    if workers is not None:
        assert workers.returncode == 0
    # The worker stops with its server (SQLite) or its supervisor (PostgreSQL).
    _wait_until("工作进程随之停止", lambda: not _alive(last_worker), timeout=30)
