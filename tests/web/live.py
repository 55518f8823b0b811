"""A real jixiao server in a child process, and HTTP clients for it, for tests that need
several requests at once (the test client runs one request at a time in the test's thread)."""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSWORD = "jixiao-demo"


def jixiao(
    home: Path, *arguments: str, database_url: str | None = None, log: Path | None = None
) -> subprocess.Popen[str]:
    """``jixiao ARGUMENTS`` in a child process; its output in pipes, or (for a server, which
    writes an audit checkpoint line per change and would block on a full pipe) in ``log``."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["JIXIAO_HOME"] = str(home)
    if database_url:
        environment["DATABASE_URL"] = database_url
    output = subprocess.PIPE if log is None else log.open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "jixiao.cli", *arguments],
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT if log is not None else subprocess.PIPE,
        text=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(home: Path, *, database_url: str | None = None) -> Iterator[str]:
    """Load the demo into ``home`` and serve it; yields the base URL."""
    loaded = jixiao(home, "demo", "--no-serve", database_url=database_url)
    _out, error = loaded.communicate(timeout=300)
    assert loaded.returncode == 0, error
    port = _free_port()
    log = home / "server.log"
    server = jixiao(home, "serve", "--port", str(port), database_url=database_url, log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "服务未在 60 秒内启动"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """A signed-in session: cookies and the CSRF token, as a browser keeps them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

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
