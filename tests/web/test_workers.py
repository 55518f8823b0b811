"""Two app servers on one PostgreSQL database, one of them ``jixiao serve --workers 2``: what is
saved through one is what the other shows at once, both score alike, and the audit chain they
wrote together verifies (issue 11, item 7; docs/operations.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from wsgiref.util import setup_testing_defaults

import pytest

from jixiao.web.home import SetupProblem
from jixiao.web.runtime import _serve_workers, behind_proxy, check_workers, gunicorn_options

from .live import Browser, api, jixiao, load_demo, start_server

POSTGRES = os.environ.get("DATABASE_URL", "")
REFUSED_ON_SQLITE = (
    "--workers 2（多个工作进程）须使用 PostgreSQL：请用环境变量 DATABASE_URL 指定 PostgreSQL "
    "数据库；SQLite 数据库请以单进程运行（去掉 --workers）"
)


@pytest.mark.own_sqlite
def test_item7_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    served = jixiao(tmp_path, "serve", "--workers", "2", "--port", "1")
    out, error = served.communicate(timeout=120)
    assert (served.returncode, out, error.strip()) == (
        1,
        "",
        f"jixiao 无法启动：{REFUSED_ON_SQLITE}",
    )
    assert not (tmp_path / "jixiao.sqlite3").exists()  # refused before migrating anything


def test_item7_one_worker_is_the_single_process_on_either_database() -> None:
    check_workers(1, "django.db.backends.sqlite3")
    check_workers(4, "django.db.backends.postgresql")
    with pytest.raises(SetupProblem) as refused:
        check_workers(2, "django.db.backends.sqlite3")
    assert str(refused.value) == REFUSED_ON_SQLITE


def test_item7_gunicorn_takes_the_options_and_believes_no_forwarding_header_itself() -> None:
    from gunicorn.config import Config

    config = Config()
    for name, value in gunicorn_options("::1", 8001, 3).items():
        config.set(name, value)
    assert (config.bind, config.workers, config.threads) == (["[::1]:8001"], 3, 4)
    assert (config.forwarded_allow_ips, config.secure_scheme_headers) == ([], {})
    assert config.control_socket_disable is True


def test_item7_without_gunicorn_the_workers_are_refused_in_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "gunicorn.app.base", None)  # as if it were not installed
    with pytest.raises(SetupProblem) as refused:
        _serve_workers("127.0.0.1", 1, 2)
    assert str(refused.value) == (
        "--workers 需要 gunicorn，但未安装：请按 requirements/dev.lock 重新安装 jixiao 的依赖"
        "（make 或 pip install gunicorn）"
    )


def _seen(settings: dict[str, str], peer: str, **headers: str) -> dict[str, Any]:
    """What the application behind ``behind_proxy`` (under the environment ``settings``) sees
    of a request from ``peer``."""
    seen: dict[str, Any] = {}

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    request: dict[str, Any] = {"REMOTE_ADDR": peer, "HTTP_HOST": "127.0.0.1"}
    request |= {f"HTTP_{name}": value for name, value in headers.items()}
    setup_testing_defaults(request)
    b"".join(behind_proxy(application, settings)(request, lambda *_: None))
    return seen


def test_item7_the_workers_treat_the_proxys_headers_as_waitress_does() -> None:
    forwarded = {
        "X_FORWARDED_FOR": "203.0.113.9",
        "X_FORWARDED_PROTO": "https",
        "X_FORWARDED_HOST": "jixiao.example.gov.cn",
    }
    trusted = {"JIXIAO_TRUSTED_PROXY": "127.0.0.1"}
    seen = _seen(trusted, "127.0.0.1", **forwarded)
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"], seen["HTTP_HOST"]) == (
        "203.0.113.9",
        "https",
        "jixiao.example.gov.cn",
    )
    for settings in (trusted, {}):  # from another address, or no proxy trusted: dropped
        seen = _seen(settings, "10.0.0.5", **forwarded)
        assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"], seen["HTTP_HOST"]) == (
            "10.0.0.5",
            "http",
            "127.0.0.1",
        )
        assert not any(name.startswith("HTTP_X_FORWARDED") for name in seen)
    with pytest.raises(SetupProblem):
        behind_proxy(lambda *_: [], {"JIXIAO_HTTPS": "1"})


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A scratch database beside the test run's own, for the two servers to share."""
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(POSTGRES)
    name = f"{parts.path.lstrip('/') or 'jixiao'}_workers"
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        connection = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL 不可达：{error}")
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _score(base: str) -> str:
    answer = api(base, "demo-finance", "GET", "/api/evaluations/1/evaluation/")
    assert answer.status == 200, answer.body[:500]
    return str(answer.json()["total"]["score"])


def _actual(base: str, code: str) -> str:
    rows = api(base, "demo-finance", "GET", "/api/evaluations/1/tables/indicators/").json()
    return next(str(row["cells"]["actual"]) for row in rows if row["cells"]["code"] == code)


def _indicator_id(base: str, code: str) -> int:
    rows = api(base, "demo-finance", "GET", "/api/evaluations/1/tables/indicators/").json()
    return next(int(row["id"]) for row in rows if row["cells"]["code"] == code)


@pytest.mark.skipif(
    not POSTGRES.startswith("postgres"),
    reason="多个工作进程只用于 PostgreSQL：在 PostgreSQL 那一轮运行（DATABASE_URL=postgresql://…）",
)
def test_item7_two_app_servers_one_with_two_workers_share_one_database(
    tmp_path: Path, shared_database: str
) -> None:
    first_home, second_home = tmp_path / "first", tmp_path / "second"
    load_demo(first_home, database_url=shared_database)
    keys = {  # every app server is given the same two keys (docs/operations.md)
        "JIXIAO_SECRET_KEY": (first_home / "secret_key").read_text().strip(),
        "JIXIAO_AUDIT_KEY": (first_home / "audit_key").read_text().strip(),
    }
    single = start_server(first_home, database_url=shared_database, variables=keys)
    second_home.mkdir()
    workers = start_server(
        second_home, database_url=shared_database, arguments=("--workers", "2"), variables=keys
    )
    try:
        assert [_score(single.base), _score(workers.base)] == ["93.13", "93.13"]

        # I101 出台促进跨境贸易便利化措施: target ≥ 15 条, actual 19. Saved through the API of
        # the single process, it is what every request to the workers reads next.
        indicator = _indicator_id(single.base, "I101")
        saved = api(
            single.base,
            "demo-finance",
            "PATCH",
            f"/api/evaluations/1/indicators/{indicator}/actual/",
            {"actual": "6", "reason": "两台服务器"},
        )
        assert (saved.status, saved.json()) == (200, {"code": "I101", "actual": "6"})
        lowered = _score(single.base)
        assert lowered != "93.13"
        for _ in range(6):  # a new connection each time, to either worker
            assert _actual(workers.base, "I101") == "6"
            assert _score(workers.base) == lowered

        # Back to 19 through the indicators page of the workers (the htmx save), read by both.
        browser = Browser(workers.base)
        browser.sign_in("demo-finance")
        answer = browser.post(
            f"/evaluations/1/indicators/{indicator}/",
            {"actual": "19", "reason": "改回"},
            token_from="/evaluations/1/indicators/",
        )
        assert answer.status == 200
        assert "当前总分 93.13" in answer.body
        assert _actual(single.base, "I101") == "19"
        assert [_score(single.base), _score(workers.base)] == ["93.13", "93.13"]
        # A session signed in through the workers is good on the single process (one key).
        browser.base = single.base
        assert "退出" in browser.request("GET", "/").body
    finally:
        single.stop()
        workers.stop()
    verified = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", "audit", "verify"],
        env=os.environ | keys | {"DATABASE_URL": shared_database, "JIXIAO_HOME": str(second_home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (verified.returncode, verified.stdout.strip()) == (
        0,
        "审计日志完整：共 4 条事件，签名链无断裂。",
    )


def test_item7_what_a_server_loads_at_its_start_is_set_aside_from_garbage_collection() -> None:
    """``loaded``: the view modules imported and everything loaded so far frozen, so a full
    collection walks only what requests make (a collection of the loaded application took
    90 ms and stopped every thread; docs/performance.md)."""
    import gc

    from jixiao.web.runtime import loaded

    application = object()
    try:
        assert loaded(application) is application
        assert gc.get_freeze_count() > 50_000  # Django, jixiao and the libraries they import
        tracked = len(gc.get_objects())
        assert tracked < gc.get_freeze_count() // 10
    finally:
        gc.unfreeze()
