"""Starting the web application from the ``jixiao`` command: settings, migrations, the server."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

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


def serve(host: str, port: int) -> None:
    """Serve with waitress, a production WSGI server in pure Python (several threads)."""
    from waitress import serve as waitress_serve

    from jixiao.web.wsgi import application

    print(f"jixiao 已在 http://{host}:{port}/ 运行（Ctrl+C 停止）。", flush=True)
    waitress_serve(application, host=host, port=port, threads=8, ident="jixiao")
