"""Issue 10, "Must show" — nothing lost, nothing leaked, no false alarm, no crash: the
campaigns of benchmarks/robustness.py, bounded to well under a minute (the full run and its
numbers: docs/reliability.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openpyxl
import pytest

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.workbook import read_workbook, write_workbook
from jixiao.cli import main

from ..conftest import REFERENCE, ROOT

POSTGRES = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES.startswith("postgres")


def robustness(tmp_path: Path, *arguments: str) -> dict[str, Any]:
    """Run the benchmark; its counts as JSON, after checking that it found no failure."""
    out = tmp_path / "robustness.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "robustness.py"),
            *arguments,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    assert completed.stdout.splitlines()[-1] == "failures: 0"
    counts: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return counts


@pytest.mark.skipif(ON_POSTGRES, reason="不用数据库：在 SQLite 那一轮运行一次即可")
def test_must_show_mutated_workbooks_crash_nothing_and_refusals_leave_the_folder(
    tmp_path: Path,
) -> None:
    tally = robustness(tmp_path, "--only", "workbooks", "--workbooks", "120", "--cli-every", "60")
    workbooks = tally["workbooks"]
    outcomes = workbooks["outcomes"]
    assert workbooks["count"] == 120
    assert workbooks["failures"] == []
    assert outcomes.get("crash", 0) == 0
    assert (
        outcomes["refused"] + outcomes["accepted"] + outcomes.get("accepted with warnings", 0)
        == 120
    )
    assert outcomes["accepted"] > 0 and outcomes["refused"] > 0
    assert outcomes["(of these: only neutral changes)"] > 0  # each read as the reference
    checks = workbooks["checks"]
    assert checks["import --replace (in process)"] == 120
    assert checks["import into a new folder (in process)"] == outcomes["refused"]
    assert checks["jixiao import --replace (own process)"] == 2
    # Refusals from every layer: the zip, the sheets' headers, a cell's type and content.
    for code in ("E-WORKBOOK", "E-HEADER", "E-NUMBER", "E-DATE", "E-CONTROL-CHARACTER"):
        assert workbooks["codes"].get(code, 0) > 0, code


@pytest.mark.skipif(ON_POSTGRES, reason="不用数据库：在 SQLite 那一轮运行一次即可")
def test_must_show_a_lone_carriage_return_is_imported_and_read_back(
    tmp_path: Path,
) -> None:
    workbook = tmp_path / "cr.xlsx"
    write_workbook(load_dataset(REFERENCE), workbook)
    book = openpyxl.load_workbook(workbook)
    book["绩效指标"]["O5"] = "第一行\r第二行"  # 来源说明 of the fourth indicator
    book.save(workbook)
    read, problems = read_workbook(workbook)
    assert read is not None and problems == []
    assert main(["import", str(workbook), "--into", str(tmp_path / "out")]) == 0
    assert load_dataset(tmp_path / "out") == read


@pytest.fixture
def scratch_postgres() -> Iterator[list[str]]:
    """On the PostgreSQL run: the options for a database of its own beside the test run's
    (created by the benchmark, dropped after)."""
    if not ON_POSTGRES:
        yield []
        return
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(POSTGRES)
    name = f"{parts.path.lstrip('/') or 'jixiao'}_robustness"
    yield ["--postgres", urlunsplit(parts._replace(path=f"/{name}")), "--postgres-only"]
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_must_show_concurrent_saves_and_kill_9_lose_nothing_and_keep_the_chain(
    tmp_path: Path, scratch_postgres: list[str]
) -> None:
    tally = robustness(
        tmp_path,
        *("--only", "writers,kills", "--threads", "6", "--saves", "3"),
        *("--kills", "2", "--kill-writers", "6"),
        *scratch_postgres,
    )
    (writers,) = tally["writers"]
    assert writers["database"] == ("PostgreSQL" if ON_POSTGRES else "SQLite")
    assert (writers["saves"], writers["answered"], writers["stored"]) == (18, 18, 18)
    assert (writers["errors"], writers["lost"], writers["audit"]) == ([], [], "passed")
    (kills,) = tally["kills"]
    assert kills["failures"] == []
    assert kills["rounds"] == 2 and kills["restarts"] == 2
    assert kills["acknowledged"] > 0
    assert kills["stored"] == kills["acknowledged"]
    assert kills["audit"] == 2
    assert kills["integrity"] == (0 if ON_POSTGRES else 2)
