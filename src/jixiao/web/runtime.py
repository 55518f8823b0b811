"""Starting the web application from the ``jixiao`` command: settings, migrations, the server."""

from __future__ import annotations

import os
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[3] / "examples" / "guangzhou-commerce-2023"


def setup() -> None:
    """Configure Django for this process (the settings module is jixiao's own)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.web.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def serve(host: str, port: int) -> None:
    """Serve with waitress, a production WSGI server in pure Python (several threads)."""
    from waitress import serve as waitress_serve

    from jixiao.web.wsgi import application

    print(f"jixiao 已在 http://{host}:{port}/ 运行（Ctrl+C 停止）。", flush=True)
    waitress_serve(application, host=host, port=port, threads=8, ident="jixiao")
