"""The wheel carries what the application needs outside a checkout: the frameworks, the web
templates, static files and catalogues, and the reference data set `jixiao demo` loads."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_installed_wheel_runs_the_demo_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--wheel-dir", wheels, ROOT, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("jixiao-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "jixiao/frameworks/guangzhou-department-overall-2023.yaml" in names
    assert "jixiao/web/pages/static/jixiao/vendor/htmx-2.0.11.min.js" in names
    assert "jixiao/web/locale/en/LC_MESSAGES/django.mo" in names
    assert any(
        n.endswith("share/jixiao/examples/guangzhou-commerce-2023/projects.csv") for n in names
    )

    # A fresh environment that borrows the dependencies (a path, not a site directory, so the
    # checkout's editable install is not seen) and installs the wheel itself.
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                  cwd=tmp_path).strip()  # fmt: skip
    Path(purelib, "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)

    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    environment["JIXIAO_HOME"] = str(tmp_path / "home")
    location = run(python, "-c", "import jixiao; print(jixiao.__file__)", cwd=tmp_path)
    assert location.startswith(str(venv))
    loaded = run(venv / "bin" / "jixiao", "demo", "--no-serve", cwd=tmp_path, env=environment)
    assert loaded.splitlines()[0].startswith("已载入 广州市商务局 2023 年度（53 个项目）")
