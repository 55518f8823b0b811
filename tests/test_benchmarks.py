"""The benchmarks keep working: each runs here on a small size (the real runs are `make bench`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

RUNS = {
    "evaluate_departments.py": ["--departments", "20", "--repeat", "1"],
    "ledger_aggregation.py": ["--rows", "2000", "--repeat", "1", "--skip-xlsx"],
    "report_generation.py": ["--departments", "2", "--skip-pdf"],
    "monitoring_months.py": ["--departments", "5", "--repeat", "1"],
    "upload_bombs.py": ["--quick"],
    "web_load.py": ["--quick"],
    "bureau_scale.py": ["--quick"],  # a server and workers of its own on SQLite, on 127.0.0.1
    "bureau_overview.py": [
        "--departments",
        "30",
        "--repeat",
        "2",
    ],  # a server of its own on SQLite, on 127.0.0.1
}


@pytest.mark.parametrize(("script", "arguments"), RUNS.items())
def test_benchmark_runs(script: str, arguments: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "×" in completed.stdout
