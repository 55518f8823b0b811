"""A real jixiao server in a child process, and HTTP clients for it, for tests that need
several requests at once (the test client runs one request at a time in the test's thread)."""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSWORD = "jixiao-demo"


def jixiao(home: Path, *arguments: str, database_url: str | None = None) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["JIXIAO_HOME"] = str(home)
    if database_url:
        environment["DATABASE_URL"] = database_url
    return subprocess.Popen(
        [sys.executable, "-m", "jixiao.cli", *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def load_demo(home: Path, *, database_url: str | None = None, dataset: Path | None = None) -> None:
    """``jixiao demo --no-serve``: migrate, load a data set (the reference one by default) and
    point the demo accounts at its department."""
    chosen = ["--dataset", str(dataset)] if dataset is not None else []
    loaded = jixiao(home, "demo", "--no-serve", *chosen, database_url=database_url)
    _out, error = loaded.communicate(timeout=300)
    assert loaded.returncode == 0, error


@dataclass
class Server:
    """A running ``jixiao serve``; its output goes to ``server.log`` in its home (a pipe nobody
    reads would fill and stall it)."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; the server gives its job worker up to 60 s
        to put back the job in hand (``jobs.worker.Supervisor.stop``), so wait longer than that."""
        self.process.terminate()
        self.process.wait(timeout=90)

    def kill(self) -> None:
        """``kill -9``: the process ends at once, in the middle of whatever it was doing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def start_server(
    home: Path,
    *,
    database_url: str | None = None,
    arguments: tuple[str, ...] = (),
    variables: dict[str, str] | None = None,
) -> Server:
    """Start ``jixiao serve`` (with ``arguments``, e.g. ``--workers 2``, and environment
    ``variables``) on a free port and wait until it accepts connections."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment |= variables or {}
    environment["JIXIAO_HOME"] = str(home)
    if database_url:
        environment["DATABASE_URL"] = database_url
    port = _free_port()
    log = home / "server.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jixiao.cli", "serve", "--port", str(port), *arguments],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Server(process, f"http://127.0.0.1:{port}", log)
        except OSError:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            if time.monotonic() > deadline:
                process.kill()
                raise AssertionError("服务未在 60 秒内启动") from None
            time.sleep(0.2)


@contextmanager
def live_server(home: Path, *, database_url: str | None = None) -> Iterator[str]:
    """Load the demo into ``home`` and serve it; yields the base URL."""
    load_demo(home, database_url=database_url)
    server = start_server(home, database_url=database_url)
    try:
        yield server.base
    finally:
        server.stop()


def query(home: Path, sql: str, *, database_url: str | None = None) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from the server's database — SQLite in ``home`` or the
    PostgreSQL database at ``database_url`` — on a connection of its own, closed after."""
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as connection:
            return list(connection.execute(sql).fetchall())
    with closing(sqlite3.connect(home / "jixiao.sqlite3", timeout=60)) as database:
        return database.execute(sql).fetchall()


class _Unredirected(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_arguments: Any, **_keywords: Any) -> None:
        return None  # urllib then hands the 3xx answer back as an HTTPError


@dataclass
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """A signed-in session: cookies and the CSRF token, as a browser keeps them."""

    def __init__(self, base: str, *, follow_redirects: bool = True) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.HTTPCookieProcessor(self.cookies)
        ]
        if not follow_redirects:  # a saved form then answers 302 itself, not the next page's 200
            handlers.append(_Unredirected())
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=300) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())

    def csrf_token(self, path: str) -> str:
        page = self.request("GET", path).body
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1)

    def post(self, path: str, data: dict[str, str], *, token_from: str | None = None) -> Answer:
        token = self.csrf_token(token_from or path)
        return self.request("POST", path, data | {"csrfmiddlewaretoken": token})

    def sign_in(self, username: str) -> None:
        answer = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert answer.status == 200 and "退出" in answer.body, answer.body[:500]


def api(base: str, username: str, method: str, path: str, payload: Any = None) -> Answer:
    """One API call with HTTP Basic authentication."""
    body = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(base + path, data=body, method=method)
    credentials = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {credentials}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())
