"""Starting the web application from the ``jixiao`` command: settings, migrations, the server."""

from __future__ import annotations

import gc
import os
import signal
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jixiao.web.home import SetupProblem

REFERENCE_NAME = "guangzhou-commerce-2023"
# Requests served at once by one process. They are CPU work in one Python interpreter: more
# threads than this only share it more thinly, so a change holding its department-year's lock
# takes longer (under 50 readers and 5 writers, a save held it 182 ms with 8 threads, 82 ms
# with 4; docs/performance.md); the requests beyond these wait in the server's queue in turn.
THREADS = 4


def reference_dataset() -> Path:
    """The reference data set: examples/ of the checkout (an editable install), or the copy a
    wheel installs under <prefix>/share/jixiao/examples (pyproject's data-files)."""
    checkout = Path(__file__).resolve().parents[3] / "examples" / REFERENCE_NAME
    installed = Path(sysconfig.get_path("data")) / "share" / "jixiao" / "examples" / REFERENCE_NAME
    return checkout if (checkout / "dataset.yaml").exists() else installed


def setup() -> None:
    """Configure Django for this process (the settings module is jixiao's own)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.web.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def check_migrated() -> None:
    """Refuse to run against a database not migrated to this version (a worker started before
    the web server that migrates it, or after an upgrade of the code only)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise SetupProblem(
            "数据库尚未迁移到本版本：请先启动 jixiao serve（启动时迁移数据库），再启动工作进程"
        )


def proxy_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """Whom to believe about the client: behind a reverse proxy, the proxy's word on the
    client's address, the scheme and the host.

    ``JIXIAO_TRUSTED_PROXY`` names the proxy's IP address. Its X-Forwarded-For, -Proto and
    -Host headers are believed only from that address (from anyone else they are dropped), so
    that the sign-in lockout counts the client's address rather than the proxy's, and Django
    sees HTTPS where the proxy received HTTPS. (Django's SECURE_PROXY_SSL_HEADER would believe
    the header from whoever reaches the port, so it is not used.) jixiao speaks plain HTTP only,
    so the HTTPS mode (``JIXIAO_HTTPS=1``) needs such a proxy. The options are waitress's, and
    the worker processes apply them through waitress's own middleware (``behind_proxy``)."""
    proxy = environ.get("JIXIAO_TRUSTED_PROXY", "").strip()
    if proxy:
        return {
            "trusted_proxy": proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True,
        }
    if environ.get("JIXIAO_HTTPS") == "1":
        raise SetupProblem(
            "JIXIAO_HTTPS=1 须在 HTTPS 反向代理之后运行（jixiao 本身只提供 HTTP）："
            "请用 JIXIAO_TRUSTED_PROXY 指明代理的 IP 地址，例如 127.0.0.1"
        )
    return {}


def waitress_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """How waitress serves one process: several threads, and ``proxy_options``."""
    return {"threads": THREADS, "ident": "jixiao"} | proxy_options(environ)


def behind_proxy(application: Any, environ: Mapping[str, str]) -> Any:
    """``application`` with the proxy's headers treated as waitress treats them
    (``proxy_options``): believed from the trusted proxy, dropped from anyone else."""
    from waitress.proxy_headers import proxy_headers_middleware

    options = proxy_options(environ)
    return proxy_headers_middleware(
        application,
        trusted_proxy=options.get("trusted_proxy"),
        trusted_proxy_count=options.get("trusted_proxy_count", 1),
        trusted_proxy_headers=options.get("trusted_proxy_headers"),
        clear_untrusted=True,
    )


def check_workers(workers: int, engine: str) -> None:
    """Several worker processes are for PostgreSQL only (decision 0018): SQLite lets one
    process write at a time, and jixiao's single process is how it is run and tested there."""
    if workers > 1 and engine != "django.db.backends.postgresql":
        raise SetupProblem(
            f"--workers {workers}（多个工作进程）须使用 PostgreSQL：请用环境变量 DATABASE_URL "
            "指定 PostgreSQL 数据库；SQLite 数据库请以单进程运行（去掉 --workers）"
        )


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """How gunicorn serves: ``workers`` processes of ``THREADS`` threads each, restarted by the
    master if one dies. gunicorn itself believes no forwarding header from anyone (its
    ``forwarded_allow_ips`` is empty and it knows no scheme header): ``behind_proxy`` decides,
    as under waitress. No control socket, so that two servers of one user do not share one."""
    address = f"[{host}]" if ":" in host else host
    return {
        "bind": [f"{address}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": 120,
        "graceful_timeout": 30,
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "control_socket_disable": True,
        "proc_name": "jixiao",
        "errorlog": "-",
        "loglevel": "warning",
    }


def check_job_workers(processes: int, engine: str) -> None:
    """``jixiao worker --processes N`` above 1 is for PostgreSQL, as ``--workers`` is: on SQLite
    one worker process (the one ``jixiao serve`` starts) is how jobs run (decision 0022)."""
    if processes > 1 and engine != "django.db.backends.postgresql":
        raise SetupProblem(
            f"--processes {processes}（多个后台任务进程）须使用 PostgreSQL：请用环境变量 "
            "DATABASE_URL 指定 PostgreSQL 数据库；SQLite 数据库由 jixiao serve 自带的工作进程"
            "运行后台任务"
        )


def serve(host: str, port: int, workers: int = 1, *, jobs: bool = True) -> None:
    """Serve with waitress, a production WSGI server in pure Python (one process, several
    threads); with ``workers`` above 1, with gunicorn's worker processes (decision 0018).
    With ``jobs``, a background-job worker process beside it (``jobs.worker.embedded``), which
    stops with the server; without, ``jixiao worker`` processes run the jobs (decision 0022)."""
    from django.conf import settings

    check_workers(workers, settings.DATABASES["default"]["ENGINE"])
    options = waitress_options(os.environ)  # refuses a bad proxy setting before anything runs
    if jobs:
        from django.db import connections

        from jixiao.web.jobs.worker import embedded

        connections.close_all()  # the worker is a process of its own, with its own connections
        embedded()
    signal.signal(signal.SIGTERM, _exit)  # stopped as by Ctrl+C: the job worker stops too
    if workers > 1:
        _serve_workers(host, port, workers)
        return
    from waitress import serve as waitress_serve

    from jixiao.web.wsgi import application

    print(f"jixiao 已在 http://{host}:{port}/ 运行（Ctrl+C 停止）。", flush=True)
    waitress_serve(loaded(application), host=host, port=port, **options)


def loaded(application: Any) -> Any:
    """``application`` once everything it loads at its start is loaded — every view module
    (the URL patterns), the frameworks' checks — and set aside from the garbage collector
    (``gc.freeze``): its ~190,000 objects live as long as the process, and a full collection,
    which stops every thread of the process, walked all of them (90 ms, docs/performance.md).
    Afterwards it walks only what the requests made since."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  # imports every view module
    gc.collect()
    gc.freeze()
    return application


def _exit(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _serve_workers(host: str, port: int, workers: int) -> None:
    """Run gunicorn's master in this process; it forks the workers, each of which loads the
    application itself. The master's database connections (migrations) are closed first, so
    that no worker inherits a connection another process uses."""
    from django.db import connections

    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        raise SetupProblem(
            "--workers 需要 gunicorn，但未安装：请按 requirements/dev.lock 重新安装 jixiao 的依赖"
            "（make 或 pip install gunicorn）"
        ) from None
    options = gunicorn_options(host, port, workers)
    connections.close_all()

    class Workers(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
        def load_config(self) -> None:
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            from jixiao.web.wsgi import application

            return behind_proxy(loaded(application), os.environ)

    print(
        f"jixiao 已在 http://{host}:{port}/ 运行（{workers} 个工作进程，Ctrl+C 停止）。", flush=True
    )
    Workers().run()
