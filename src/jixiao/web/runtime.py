"""Starting the web application from the ``jixiao`` command: settings, migrations, the server."""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jixiao.web.home import SetupProblem

REFERENCE_NAME = "guangzhou-commerce-2023"


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


def waitress_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """How waitress serves: several threads; behind a reverse proxy, the proxy's word on the
    client's address, the scheme and the host.

    ``JIXIAO_TRUSTED_PROXY`` names the proxy's IP address. Its X-Forwarded-For, -Proto and
    -Host headers are believed only from that address (from anyone else waitress drops them),
    so that the sign-in lockout counts the client's address rather than the proxy's, and
    Django sees HTTPS where the proxy received HTTPS. (Django's SECURE_PROXY_SSL_HEADER would
    believe the header from whoever reaches the port, so it is not used.) waitress speaks plain
    HTTP only, so the HTTPS mode (``JIXIAO_HTTPS=1``) needs such a proxy."""
    options: dict[str, Any] = {"threads": 8, "ident": "jixiao"}
    proxy = environ.get("JIXIAO_TRUSTED_PROXY", "").strip()
    if proxy:
        options |= {
            "trusted_proxy": proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True,
        }
    elif environ.get("JIXIAO_HTTPS") == "1":
        raise SetupProblem(
            "JIXIAO_HTTPS=1 须在 HTTPS 反向代理之后运行（jixiao 本身只提供 HTTP）："
            "请用 JIXIAO_TRUSTED_PROXY 指明代理的 IP 地址，例如 127.0.0.1"
        )
    return options


def serve(host: str, port: int) -> None:
    """Serve with waitress, a production WSGI server in pure Python (several threads)."""
    from waitress import serve as waitress_serve

    from jixiao.web.wsgi import application

    options = waitress_options(os.environ)
    print(f"jixiao 已在 http://{host}:{port}/ 运行（Ctrl+C 停止）。", flush=True)
    waitress_serve(application, host=host, port=port, **options)
