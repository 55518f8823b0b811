"""Benchmark: the web application under 50 signed-in users at once (issue 11, item 7).

    python benchmarks/web_load.py [--database sqlite|postgresql] [--requests-per-page 1000]
                                  [--sessions 50] [--writers 5] [--quick]

Sets up a data folder of its own (a temporary ``JIXIAO_HOME``) with the reference department,
as ``jixiao demo`` loads it, and ``--sessions`` + ``--writers`` finance reviewers of it; starts
``jixiao serve`` on 127.0.0.1 — on SQLite one process (waitress), on PostgreSQL ``--workers 2``
(gunicorn) on a throwaway database that the benchmark creates and drops (its name must contain
"bench"; the server must be on this machine) — and signs every user in.

Phase 1, 50 readers: each page in turn is requested ``--requests-per-page`` times by all the
sessions at once: the login page (the baseline), the dashboard, the score tree, the indicators,
the data overview, one ledger (projects), the month's monitoring and the API's evaluation.
Phase 2, 50 readers and 5 writers: the writers save indicators' actual values as the indicators
page does (htmx), ``--requests-per-page`` saves in all, while the readers go round the pages.
For each page: p50/p95/p99 in ms, requests per second, errors (anything but the page's answer,
a redirect to sign in included), the database queries it makes (counted once per page with
Django's test client in this process), and its p95 against the login page's p95 of the same
run. Targets: every page's p95 ≤ 3× the login page's with 50 readers; the saves' p95 ≤ 5× it
with 50 readers and 5 writers; no error. Exits 1 on an error, 0 otherwise (targets missed are
reported). Bounded: every request and phase stops at ``--time-limit`` seconds; only loopback
addresses are ever contacted. ``--quick`` runs a few sessions and requests (the test suite).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

PASSWORD = "jixiao-bench-2023"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
READ_TARGET = 3  # × the login page's p95, with 50 readers
SAVE_TARGET = 5  # × the login page's p95, with 50 readers and 5 writers
REQUEST_TIMEOUT = 300  # seconds


@dataclass
class Page:
    name: str
    path: str
    method: str = "GET"
    queries: int | None = None


@dataclass
class Tally:
    """The answers to one page in one phase."""

    page: Page
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, elapsed: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.seconds.append(elapsed)
            else:
                self.errors.append(error)

    def percentile(self, which: int) -> float:
        if not self.seconds:
            return float("nan")
        if len(self.seconds) == 1:
            return self.seconds[0] * 1000
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[which - 1] * 1000

    @property
    def rate(self) -> float:
        done = len(self.seconds) + len(self.errors)
        return done / self.wall if self.wall else float("nan")


class Session:
    """One signed-in user: cookies kept as a browser keeps them; one connection per request
    (so no answer is lost to a keep-alive connection the server has closed meanwhile)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, *, htmx: bool = False
    ) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self.port}", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for cookie in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(cookie).items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            connection.close()

    def sign_in(self, username: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = _csrf_token(page)
        status, page = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} 未能登录（{status}）：{page[:300]}")
        self.token = _csrf_token(self.request("GET", "/accounts/login/")[1])  # the session's


def _csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not found:
        raise RuntimeError(f"页面中没有 CSRF 令牌：{page[:300]}")
    return found.group(1)


# --- the data folder and the database ------------------------------------------------------------


@dataclass
class Setup:
    home: Path
    database_url: str | None
    evaluation: int
    readers: list[str]
    writers: list[str]
    indicators: list[tuple[int, Decimal]]  # one per writer: its id and actual value
    pages: list[Page]
    save: Page


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host and host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"只对本机做负载测试：{host} 不是回环地址")
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name or not re.fullmatch(r"\w+", name, flags=re.ASCII):
        raise SystemExit(
            f"基准测试会新建并删除数据库 {name!r}：其名称须含 bench，只用字母、数字和 _"
        )


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def clean_up(home: Path, database_url: str | None, *, keep: bool) -> None:
    """After a run: the throwaway PostgreSQL database dropped, the data folder removed (or, with
    ``keep``, named for its server.log)."""
    if database_url:
        from django.db import connections

        connections.close_all()
        _drop_database(database_url)
    if keep:
        print(f"数据目录：{home}")
    else:
        shutil.rmtree(home, ignore_errors=True)


def _drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(home: Path, database_url: str | None, readers: int, writers: int) -> Setup:
    """Load the reference department into a fresh database, make the users, and count each
    page's queries with Django's test client (in this process, before the server starts)."""
    os.environ["JIXIAO_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from jixiao.web import runtime

    runtime.setup()
    logging.getLogger("jixiao.audit").setLevel(logging.WARNING)  # no checkpoints printed here
    runtime.migrate()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connections

    from jixiao.adapters.dataset_files import load_dataset
    from jixiao.web.demo import load_demo
    from jixiao.web.organizations.models import Membership, Role
    from jixiao.web.records.models import Indicator

    reference = runtime.reference_dataset()
    evaluation = load_demo(load_dataset(reference), reference.name)
    users = get_user_model()
    password = make_password(PASSWORD)  # hashed once: the same password for every user
    names = [f"bench-{n:02d}" for n in range(1, readers + writers + 1)]
    made = users.objects.bulk_create([users(username=name, password=password) for name in names])
    Membership.objects.bulk_create(
        Membership(user=user, role=Role.FINANCE_REVIEWER, department=evaluation.department)
        for user in made
    )
    indicators = _writable_indicators(Indicator.objects.filter(evaluation=evaluation), writers)
    pk = evaluation.pk
    pages = [
        Page("登录页（基准）", "/accounts/login/"),
        Page("总览", f"/evaluations/{pk}/"),
        Page("评分树", f"/evaluations/{pk}/tree/"),
        Page("指标", f"/evaluations/{pk}/indicators/"),
        Page("数据", f"/evaluations/{pk}/data/"),
        Page("台账：项目", f"/evaluations/{pk}/data/projects/"),
        Page("执行监控", f"/evaluations/{pk}/monitoring/"),
        Page("API 评价结果", f"/api/evaluations/{pk}/evaluation/"),
    ]
    save = Page("保存指标（htmx）", f"/evaluations/{pk}/indicators/{{indicator}}/", "POST")
    _count_queries(users.objects.get(username=names[0]), pages, save, indicators[0])
    connections.close_all()
    return Setup(home, database_url, pk, names[:readers], names[readers:], indicators, pages, save)


def _writable_indicators(found: Any, count: int) -> list[tuple[int, Decimal]]:
    """Quantitative indicators with a numeric actual value, one per writer (round again if the
    department has fewer)."""
    chosen: list[tuple[int, Decimal]] = []
    for indicator in found.filter(comparison__in=("≥", "≤")).order_by("id"):
        try:
            chosen.append((indicator.pk, Decimal(str(indicator.actual))))
        except InvalidOperation:
            continue
    if not chosen:
        raise SystemExit("参考数据集中没有可保存实际值的定量指标")
    return list(itertools.islice(itertools.cycle(chosen), count))


def _count_queries(
    user: Any, pages: list[Page], save: Page, indicator: tuple[int, Decimal]
) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    for page in pages:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(page.path)
        if answer.status_code == 302 and page.name == "执行监控":  # to the default month
            page.path = answer["Location"]
            with CaptureQueriesContext(connection) as captured:
                answer = client.get(page.path)
        if answer.status_code != 200:
            raise SystemExit(f"{page.name} {page.path} 答复 {answer.status_code}")
        page.queries = len(captured.captured_queries)
    pk, actual = indicator
    with CaptureQueriesContext(connection) as captured:
        answer = client.post(
            save.path.format(indicator=pk),
            {"actual": str(actual), "reason": "负载测试"},
            HTTP_HX_REQUEST="true",
        )
    if answer.status_code != 200:
        raise SystemExit(f"保存指标答复 {answer.status_code}：{answer.content[:300]!r}")
    save.queries = len(captured.captured_queries)


# --- the server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(setup: Setup, workers: int) -> Iterator[int]:
    """``jixiao serve`` on 127.0.0.1 (``--workers`` if more than one); its output in
    ``server.log`` in the data folder. Stopped (SIGTERM, then SIGKILL) on the way out."""
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["JIXIAO_HOME"] = str(setup.home)
    if setup.database_url:
        environment["DATABASE_URL"] = setup.database_url
    command = [sys.executable, "-m", "jixiao.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port)] + (["--workers", str(workers)] if workers > 1 else [])
    log = setup.home / "server.log"
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        "服务未能启动：" + log.read_text(errors="replace")[-2000:]
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


# --- the load ------------------------------------------------------------------------------------


def _one(
    tally: Tally,
    session: Session,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    *,
    htmx: bool = False,
) -> None:
    """One request, timed; anything but 200 is an error (a redirect to sign in included)."""
    started = time.perf_counter()
    try:
        status, body = session.request(method, path, form, htmx=htmx)
    except (OSError, http.client.HTTPException) as error:
        tally.add(time.perf_counter() - started, f"{type(error).__name__}: {error}")
        return
    elapsed = time.perf_counter() - started
    tally.add(elapsed, None if status == 200 else f"{status}: {body[:120]}")


def _run(threads: list[threading.Thread]) -> float:
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def read_page(sessions: list[Session], page: Page, count: int, deadline: float) -> Tally:
    """``count`` requests of ``page``, all sessions at once, each taking the next request."""
    tally = Tally(page)
    numbers = itertools.count()
    taking = threading.Lock()

    def reader(session: Session) -> None:
        while time.monotonic() < deadline:
            with taking:
                if next(numbers) >= count:
                    return
            _one(tally, session, "GET", page.path)

    tally.wall = _run([threading.Thread(target=reader, args=(s,)) for s in sessions])
    return tally


def read_and_save(
    readers: list[Session],
    writers: list[Session],
    setup: Setup,
    count: int,
    deadline: float,
) -> tuple[Tally, Tally]:
    """The writers save ``count`` indicators in all while the readers go round the pages
    (but the login page); both stop when the saves are done."""
    reads = Tally(Page("读页面（保存同时）", "—"))
    saves = Tally(setup.save)
    numbers = itertools.count()
    taking = threading.Lock()
    done = threading.Event()
    pages = setup.pages[1:]

    def reader(number: int, session: Session) -> None:
        for page in itertools.islice(itertools.cycle(pages), number % len(pages), None):
            if done.is_set() or time.monotonic() >= deadline:
                return
            _one(reads, session, "GET", page.path)

    def writer(number: int, session: Session) -> None:
        pk, actual = setup.indicators[number]
        path = setup.save.path.format(indicator=pk)
        for turn in itertools.count():
            with taking:
                if next(numbers) >= count or time.monotonic() >= deadline:
                    return
            value = actual + (turn % 2)  # the value it had, and one more, in turn
            form = {
                "actual": str(value),
                "reason": "负载测试",
                "csrfmiddlewaretoken": session.token,
            }
            _one(saves, session, "POST", path, form, htmx=True)

    def writers_then_stop(threads: list[threading.Thread]) -> None:
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            done.set()  # the readers stop with the writers, whatever happened to them

    writing = [threading.Thread(target=writer, args=(n, s)) for n, s in enumerate(writers)]
    everyone = [threading.Thread(target=reader, args=(n, s)) for n, s in enumerate(readers)]
    everyone.append(threading.Thread(target=writers_then_stop, args=(writing,)))
    saves.wall = reads.wall = _run(everyone)
    return reads, saves


def sign_in_all(port: int, names: list[str]) -> list[Session]:
    sessions = [Session(port) for _ in names]
    refused: list[str] = []

    def sign_in(session: Session, name: str) -> None:
        try:
            session.sign_in(name)
        except (RuntimeError, OSError, http.client.HTTPException) as error:
            refused.append(str(error))

    threads = [
        threading.Thread(target=sign_in, args=(session, name))
        for session, name in zip(sessions, names, strict=True)
    ]
    for first in range(0, len(threads), 8):  # eight at a time: each checks a password hash
        _run(threads[first : first + 8])
    if refused:
        raise SystemExit("未能登录：" + "；".join(refused[:3]))
    return sessions


# --- the report ----------------------------------------------------------------------------------


def _row(tally: Tally, baseline: float, target: int | None) -> tuple[str, bool]:
    p95 = tally.percentile(95)
    ratio = p95 / baseline if baseline else float("nan")
    verdict = ""
    met = True
    if target is not None:
        met = ratio <= target
        verdict = f"≤ {target}× — {'达到' if met else '未达到'}"
    queries = "" if tally.page.queries is None else str(tally.page.queries)
    line = (
        f"| {tally.page.name} | {len(tally.seconds) + len(tally.errors)} "
        f"| {tally.percentile(50):.0f} | {p95:.0f} | {tally.percentile(99):.0f} "
        f"| {tally.rate:.1f} | {len(tally.errors)} | {queries} | {ratio:.1f}× | {verdict} |"
    )
    return line, met


def report(title: str, tallies: list[tuple[Tally, int | None]], baseline: float) -> bool:
    print(f"\n{title}")
    print(
        "| 页面 | 请求 | p50 ms | p95 ms | p99 ms | 请求/秒 | 错误 | 查询 "
        "| p95 / 登录页 p95 | 目标 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    met = True
    for tally, target in tallies:
        line, ok = _row(tally, baseline, target)
        print(line)
        met = met and ok
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/wt_bench",
        help="PostgreSQL: a throwaway database on this machine, created and dropped here",
    )
    parser.add_argument("--workers", type=int, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--requests-per-page", type=int, default=1000)
    parser.add_argument("--time-limit", type=float, default=3600, help="seconds, in all")
    parser.add_argument("--quick", action="store_true", help="4 sessions, 2 writers, 8 requests")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (server.log)")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.sessions, arguments.writers, arguments.requests_per_page = 4, 2, 8
    on_postgres = arguments.database == "postgresql"
    workers = arguments.workers or (2 if on_postgres else 1)
    database_url = arguments.database_url if on_postgres else None
    if database_url:
        _check_loopback(database_url)
        _recreate_database(database_url)
    home = Path(tempfile.mkdtemp(prefix="jixiao-web-load-"))
    deadline = time.monotonic() + arguments.time_limit
    try:
        setup = prepare(home, database_url, arguments.sessions, arguments.writers)
        server_kind = f"--workers {workers}（gunicorn）" if workers > 1 else "单进程（waitress）"
        print(
            f"数据库：{'PostgreSQL' if on_postgres else 'SQLite'}；jixiao serve {server_kind}；"
            f"{arguments.sessions} 个读者、{arguments.writers} 个写者；"
            f"每页 {arguments.requests_per_page} 次请求；{os.cpu_count()} 核",
            flush=True,
        )
        with server(setup, workers) as port:
            readers = sign_in_all(port, setup.readers)
            writers = sign_in_all(port, setup.writers)
            for session, page in zip(readers, itertools.cycle(setup.pages), strict=False):
                session.request("GET", page.path)  # warm up: each page loaded at least once
            phase1 = []
            for page in setup.pages:
                tally = read_page(readers, page, arguments.requests_per_page, deadline)
                phase1.append(tally)
                print(f"  {page.name}：p95 {tally.percentile(95):.0f} ms", flush=True)
            reads, saves = read_and_save(
                readers, writers, setup, arguments.requests_per_page, deadline
            )
        baseline = phase1[0].percentile(95)
        read_met = report(
            f"阶段 1：{arguments.sessions} 个读者（目标：p95 ≤ {READ_TARGET}× 登录页）",
            [(phase1[0], None)] + [(t, READ_TARGET) for t in phase1[1:]],
            baseline,
        )
        save_met = report(
            f"阶段 2：{arguments.sessions} 个读者 + {arguments.writers} 个写者"
            f"（目标：保存 p95 ≤ {SAVE_TARGET}× 阶段 1 登录页）",
            [(saves, SAVE_TARGET), (reads, None)],
            baseline,
        )
        tallies = [*phase1, reads, saves]
        errors = sum(len(t.errors) for t in tallies)
        incomplete = time.monotonic() >= deadline
        verdicts = ["达到" if met else "未达到" for met in (read_met, save_met)]
        print(
            f"\n目标：读页面 {verdicts[0]}；保存 {verdicts[1]}；错误 {errors}"
            + ("；已到时限，未做完" if incomplete else "")
        )
        for tally in tallies:
            for error in sorted(set(tally.errors))[:3]:
                print(f"  {tally.page.name} 错误：{error}")
        return 1 if errors else 0
    finally:
        clean_up(home, database_url, keep=arguments.keep)


if __name__ == "__main__":
    sys.exit(main())
