"""Benchmark: nothing lost, nothing leaked, no false alarm, no crash (issue 10, "Must show").

    python benchmarks/robustness.py [--workbooks N] [--seed S] [--cli-every K] [--case I]
                                    [--threads T] [--saves S] [--kills R] [--kill-writers W]
                                    [--postgres URL [--postgres-only]] [--json OUT]
                                    [--only workbooks,writers,kills]

Counts, not timings. Three campaigns:

1. Mutated workbooks (default 10,000): the reference data set's workbook broken at random —
   cells changed, blanked or given huge numbers (1e999999999), long texts, formulas
   (=HYPERLINK(...)), control characters, wrong types, dates out of range; rows and columns
   duplicated, deleted, swapped; sheets deleted, renamed, duplicated, emptied; the file truncated
   or overwritten with random bytes (benchmarks/workbook_mutations.py); one in ten is changed only
   in ways that keep the data (shared strings, sheet order, numbers as text, …). Each is read by
   ``read_workbook`` and imported by the CLI's own ``main`` in this process: with ``--replace``
   into a copy of the reference folder (a refusal must leave every byte of the folder as it
   was; an accepted workbook must be written so that the folder reads back as the same data
   set, its README untouched), without ``--replace`` (an accepted one is refused: the folder
   holds a data set), and into a new folder (a refused one creates nothing). An accepted data
   set is evaluated too. Every ``--cli-every``-th workbook also goes through a separate
   ``jixiao import`` process. A crash is an exception or exit status 2.
2. Concurrent writers: a live ``jixiao serve`` with two departments (the reference one, and a
   copy under another code loaded with ``jixiao demo --dataset``), each department's finance
   account created on the users page; ``--threads`` threads × ``--saves`` saves, per department
   one third each through the API (change a project), the indicator form and the API (add an
   audit finding). Every save must be answered 200/302/201 and be in the database — its value
   and its audit event, found by its own reason —, and ``jixiao audit verify`` must pass. On
   SQLite, and on PostgreSQL with ``--postgres``.
3. kill -9 during writes: ``--kills`` rounds of: start the server, start ``--kill-writers``
   writers, ``kill -9`` it at a random moment; then every write that was answered must be
   stored (a write in flight may be stored or not, but wholly: its change and its audit event
   together), the database's integrity check and ``jixiao audit verify`` must pass, and the
   next round restarts the server on it. SQLite; PostgreSQL too with ``--postgres``.

``--postgres URL`` names a scratch database: it is dropped and created anew before the live
campaigns run on it (``--postgres-only``: there alone, not on SQLite too).
Seeded: the same seed gives the same workbooks and kill moments (thread timing aside). Exit
status 0 when nothing was lost, leaked, falsely refused or crashed; 1 with every failure listed
otherwise (a workbook by its index: ``--case INDEX`` rebuilds it as case-INDEX.xlsx and checks
it alone).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the live-server helpers the web tests use

from tests.web.live import Browser, Server, api, jixiao, load_demo, query, start_server  # noqa: E402

from jixiao.adapters.dataset_files import load_dataset  # noqa: E402
from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK, load_framework  # noqa: E402
from jixiao.adapters.workbook import read_workbook, write_workbook  # noqa: E402
from jixiao.cli import main as cli_main  # noqa: E402
from jixiao.core.evaluation import evaluate  # noqa: E402
from jixiao.core.framework import Framework  # noqa: E402
from jixiao.core.model import Dataset  # noqa: E402
from jixiao.core.problems import Problem, errors_in  # noqa: E402
from workbook_mutations import Mutated, mutated, unpack  # noqa: E402

REFERENCE = ROOT / "examples" / "guangzhou-commerce-2023"
SECOND_CODE = "gz-commerce-copy"
SECOND_NAME = "广州市商务局（压力测试副本）"
CONNECTION_ERRORS = (OSError, http.client.HTTPException)  # the server went away mid-request

# Each indicator's actual value as stored: a number or a text (decision 0020).
ACTUALS = "SELECT id, COALESCE(CAST(actual_number AS TEXT), actual_text) FROM records_indicator"


# 1. Mutated workbooks.


@dataclass
class WorkbookTally:
    seed: int
    count: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)  # workbooks in which a code appeared
    kinds: Counter[str] = field(default_factory=Counter)  # workbooks per kind of mutation
    checks: Counter[str] = field(default_factory=Counter)  # imports checked, by way
    failures: list[str] = field(default_factory=list)


@dataclass
class Folders:
    """The import targets: a copy of the reference folder (with its README, a file that is no
    part of the data set) and a place for new folders."""

    target: Path
    fresh: Path
    snapshot: dict[str, bytes]

    @classmethod
    def make(cls, work: Path) -> Folders:
        target = work / "dataset"
        shutil.copytree(REFERENCE, target)
        return cls(target, work / "new" / "dataset", files_in(target))

    def restore(self) -> None:
        """Put the folder back as it was (after an import that was meant to change it)."""
        for path in list(self.target.rglob("*")):
            if path.is_file() and path.relative_to(self.target).as_posix() not in self.snapshot:
                path.unlink()
        for name, data in self.snapshot.items():
            (self.target / name).write_bytes(data)
        shutil.rmtree(self.fresh.parent, ignore_errors=True)


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run_cli(*arguments: str) -> tuple[int, str, str]:
    """``jixiao ARGUMENTS`` through the CLI's own entry point, in this process: its exit status
    (2 for an exception it caught), standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli_main(list(arguments))
    return status, out.getvalue(), err.getvalue()


@dataclass
class Case:
    index: int
    mutated: Mutated
    outcome: str = ""
    codes: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    def fail(self, what: str, detail: str = "") -> None:
        steps = "; ".join(self.mutated.steps)
        self.failures.append(
            f"{what} — workbook {self.index} ({steps}){': ' + detail if detail else ''}"
        )


def check_workbook(
    case: Case, path: Path, folders: Folders, reference: Dataset, *, through_process: bool
) -> None:
    """Read, evaluate and import one workbook and check that nothing was lost or leaked."""
    try:
        dataset, problems = read_workbook(path)
    except Exception:
        case.outcome = "crash"
        case.fail("crash in read_workbook", traceback.format_exc(limit=-3))
        return
    case.codes = {problem.code for problem in problems}
    accepted = dataset is not None and not errors_in(problems)
    case.outcome = (
        "refused" if not accepted else "accepted" + (" with warnings" if problems else "")
    )
    if case.mutated.neutral and (dataset != reference or not _only_unknown_sheets(problems)):
        case.fail("false alarm: data kept, workbook not read as the reference", _first(problems))
    if accepted:
        assert dataset is not None
        try:
            evaluate(dataset, reference_framework())
        except Exception:
            case.fail("crash in evaluate", traceback.format_exc(limit=-3))
    _import_with_replace(case, path, folders, dataset if accepted else None)
    if accepted:
        _import_without_replace(case, path, folders)
    else:
        _import_into_new_folder(case, path, folders)
    if through_process:
        _import_in_a_process(case, path, folders, accepted)


@cache
def reference_framework() -> Framework:
    return load_framework(DEFAULT_FRAMEWORK)


def _only_unknown_sheets(problems: list[Problem]) -> bool:
    return all(problem.code == "W-SHEET-UNKNOWN" for problem in problems)


def _first(problems: list[Problem]) -> str:
    return f"[{problems[0].code}] {problems[0]}" if problems else "no problem reported"


def _import_with_replace(case: Case, path: Path, folders: Folders, dataset: Dataset | None) -> None:
    status, out, err = run_cli(
        "import", str(path), "--into", str(folders.target), "--replace", "--format", "json"
    )
    case.checks.append("import --replace (in process)")
    if status == 2:
        case.fail("crash in jixiao import --replace (exit 2)", err[-1500:])
    elif dataset is None:
        if status != 1:
            case.fail(f"refused workbook imported (exit {status})", out[-500:])
        if files_in(folders.target) != folders.snapshot:
            case.fail("refused import --replace changed the folder")
    elif status != 0:
        case.fail(f"accepted workbook not imported (exit {status})", (out + err)[-500:])
    else:
        written = files_in(folders.target)
        if written.get("README.md") != folders.snapshot["README.md"]:
            case.fail("import --replace touched a file outside the data set")
        try:
            if load_dataset(folders.target) != dataset:
                case.fail("imported folder does not read back as the workbook's data set")
        except Exception:
            case.fail("imported folder does not load", traceback.format_exc(limit=-2))
    folders.restore()


def _import_without_replace(case: Case, path: Path, folders: Folders) -> None:
    status, out, err = run_cli(
        "import", str(path), "--into", str(folders.target), "--format", "json"
    )
    case.checks.append("import without --replace (in process)")
    if status == 2:
        case.fail("crash in jixiao import (exit 2)", err[-1500:])
    elif status != 1 or "E-DATASET-EXISTS" not in out:
        case.fail(
            f"import over a data set without --replace not refused (exit {status})", out[-300:]
        )
    if files_in(folders.target) != folders.snapshot:
        case.fail("refused import without --replace changed the folder")
        folders.restore()


def _import_into_new_folder(case: Case, path: Path, folders: Folders) -> None:
    status, _out, err = run_cli(
        "import", str(path), "--into", str(folders.fresh), "--format", "json"
    )
    case.checks.append("import into a new folder (in process)")
    if status == 2:
        case.fail("crash in jixiao import into a new folder (exit 2)", err[-1500:])
    elif status != 1:
        case.fail(f"refused workbook imported into a new folder (exit {status})")
    if folders.fresh.exists():
        case.fail("refused import left a folder behind")
    shutil.rmtree(folders.fresh.parent, ignore_errors=True)


def _import_in_a_process(case: Case, path: Path, folders: Folders, accepted: bool) -> None:
    """The same import through a real ``jixiao import`` process (as a user runs it)."""
    command = ["import", str(path), "--into", str(folders.target), "--replace"]
    completed = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "JIXIAO_DEBUG": "1"},
    )
    case.checks.append("jixiao import --replace (own process)")
    expected = 0 if accepted else 1
    if completed.returncode != expected:
        case.fail(
            f"jixiao import process exited {completed.returncode}, expected {expected}",
            completed.stderr[-1500:],
        )
    if not accepted and files_in(folders.target) != folders.snapshot:
        case.fail("refused jixiao import process changed the folder")
    folders.restore()


def reference_workbook(work: Path) -> tuple[dict[str, bytes], Dataset]:
    """The parts of the reference data set's exported workbook (as ``jixiao export`` writes
    it), and the data set."""
    dataset = load_dataset(REFERENCE)
    path = work / "reference.xlsx"
    write_workbook(dataset, path)
    return unpack(path.read_bytes()), dataset


def mutated_workbooks(
    count: int, seed: int, cli_every: int, *, only: int | None = None
) -> WorkbookTally:
    """Campaign 1: ``count`` mutated workbooks (or workbook ``only``), each checked."""
    tally = WorkbookTally(seed)
    os.environ["JIXIAO_DEBUG"] = "1"  # an internal error's traceback, for the report
    with tempfile.TemporaryDirectory(prefix="jixiao-robustness-") as directory:
        work = Path(directory)
        reference_parts, reference = reference_workbook(work)
        folders = Folders.make(work)
        indexes = [only] if only is not None else range(count)
        for done, index in enumerate(indexes, start=1):
            case = Case(index, mutated(reference_parts, seed, index))
            path = work / f"case-{index}.xlsx"
            path.write_bytes(case.mutated.data)
            through_process = only is not None or (cli_every > 0 and index % cli_every == 0)
            check_workbook(case, path, folders, reference, through_process=through_process)
            if only is not None:
                shutil.copy(path, Path.cwd() / path.name)
                print(f"workbook {index}: {path.name}; " + "; ".join(case.mutated.steps))
                print(f"outcome: {case.outcome}; codes: {', '.join(sorted(case.codes))}")
            path.unlink()
            _count(tally, case)
            if done % 500 == 0:
                print(f"  … {done:,} workbooks, {len(tally.failures)} failures", file=sys.stderr)
    return tally


def _count(tally: WorkbookTally, case: Case) -> None:
    tally.count += 1
    tally.outcomes[case.outcome] += 1
    if case.mutated.neutral:
        tally.outcomes["(of these: only neutral changes)"] += 1
    tally.codes.update(case.codes)
    tally.kinds.update(set(case.mutated.kinds))
    tally.checks.update(case.checks)
    tally.failures.extend(case.failures)


# 2 and 3. A live server with two departments.


@dataclass(frozen=True)
class Department:
    evaluation: int
    finance: str  # the finance account's name
    projects: tuple[int, ...]
    indicators: tuple[int, ...]


@dataclass
class Site:
    """A home (and database) with two departments loaded, served or not."""

    home: Path
    database_url: str | None
    departments: tuple[Department, ...] = ()
    server: Server | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return self.server.base

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return query(self.home, sql, database_url=self.database_url)

    @property
    def database(self) -> str:
        return "PostgreSQL" if self.database_url else "SQLite"

    def start(self) -> None:
        self.server = start_server(self.home, database_url=self.database_url)

    def stop(self) -> None:
        if self.server is not None and self.server.process.poll() is None:
            self.server.stop()

    def audit_verify(self) -> tuple[int, str]:
        verified = jixiao(self.home, "audit", "verify", database_url=self.database_url)
        out, err = verified.communicate(timeout=300)
        return verified.returncode, (out + err).strip()


def second_department(folder: Path) -> Path:
    """A copy of the reference data set under another department code and name."""
    copy = folder / SECOND_CODE
    shutil.copytree(REFERENCE, copy)
    dataset_yaml = copy / "dataset.yaml"
    text = dataset_yaml.read_text(encoding="utf-8")
    text = text.replace("  code: gz-commerce\n", f"  code: {SECOND_CODE}\n", 1)
    text = text.replace("  name: 广州市商务局\n", f"  name: {SECOND_NAME}\n", 1)
    dataset_yaml.write_text(text, encoding="utf-8")
    return copy


def fresh_postgres(url: str) -> None:
    """Drop and create the scratch database ``url`` names (through the server's ``postgres``
    database)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    assert re.fullmatch(r"\w+", name), f"数据库名只能含字母、数字和下划线：{name}"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def two_departments(database_url: str | None) -> Iterator[Site]:
    """Load the reference department and its copy, serve them, and create one finance account
    per department through the users page (``jixiao demo`` points its demo accounts at the
    department it loaded last)."""
    with tempfile.TemporaryDirectory(prefix="jixiao-live-") as directory:
        home = Path(directory)
        if database_url:
            fresh_postgres(database_url)
        load_demo(home, database_url=database_url)
        load_demo(home, database_url=database_url, dataset=second_department(home))
        site = Site(home, database_url)
        site.start()
        try:
            site.departments = tuple(_finance_accounts(site))
            yield site
        finally:
            site.stop()


def _finance_accounts(site: Site) -> Iterator[Department]:
    admin = Browser(site.base)
    admin.sign_in("demo-admin")
    page = admin.request("GET", "/users/").body
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    codes = {"广州市商务局": "1", SECOND_NAME: "2"}
    for department_id, name in options:
        if name.strip() not in codes:
            continue
        username = f"finance-{codes[name.strip()]}"
        answer = admin.post(
            "/users/",
            {
                "username": username,
                "password": "jixiao-demo",
                "role": "finance_reviewer",
                "department": department_id,
                "division": "",
            },
        )
        assert answer.status == 200 and username in answer.body, answer.body[:1000]
        codes.pop(name.strip())
        yield _department(site, username)
    assert not codes, f"用户页面上没有这些部门：{codes}"


def _department(site: Site, username: str) -> Department:
    (evaluation,) = [
        row["id"] for row in api(site.base, username, "GET", "/api/evaluations/").json()
    ]
    tables = f"/api/evaluations/{evaluation}/tables"
    projects = [row["id"] for row in api(site.base, username, "GET", f"{tables}/projects/").json()]
    indicators = [
        row["id"]
        for row in api(site.base, username, "GET", f"{tables}/indicators/").json()
        if row["cells"]["comparison"] in ("≥", "≤") and not row["cells"]["actual"].startswith("-")
    ]
    return Department(evaluation, username, tuple(projects), tuple(indicators))


# The writes: each has its own label, used as its value and, in its reason, to find its audit event.

KINDS = ("project", "indicator", "finding")  # API PATCH, indicator form, API POST


@dataclass(frozen=True)
class Writer:
    number: int
    department: Department
    kind: str
    row: int  # the project or indicator it changes (0 for findings, which it adds)

    def label(self, tag: str, save: int) -> str:
        return f"{tag}w{self.number}s{save}"

    def value(self, tag: str, save: int) -> str:
        """The indicator's new actual value: a number that names the write."""
        return str(int(re.sub(r"\D", "", tag) or 0) * 100_000 + self.number * 1000 + save + 1)


def writers(site: Site, count: int) -> list[Writer]:
    """``count`` writers spread over the departments and the kinds of write, each on a row of
    its own."""
    made = []
    for number in range(count):
        department = site.departments[number % len(site.departments)]
        kind = KINDS[(number // len(site.departments)) % len(KINDS)]
        slot = number // (len(site.departments) * len(KINDS))
        row = {"project": department.projects, "indicator": department.indicators}.get(kind)
        made.append(Writer(number, department, kind, row[slot] if row else 0))
    return made


EXPECTED = {"project": 200, "indicator": 302, "finding": 201}


def write(site: Site, writer: Writer, browser: Browser | None, tag: str, save: int) -> int:
    """One save; its HTTP status (a lost connection raises)."""
    label = writer.label(tag, save)
    reason = f"压测 {label}"
    evaluation = writer.department.evaluation
    if writer.kind == "project":
        path = f"/api/evaluations/{evaluation}/tables/projects/{writer.row}/"
        payload = {"cells": {"note": label}, "reason": reason}
        return api(site.base, writer.department.finance, "PATCH", path, payload).status
    if writer.kind == "finding":
        path = f"/api/evaluations/{evaluation}/tables/audit_findings/"
        cells = {"code": label, "report": "压力测试", "description": label}
        return api(
            site.base, writer.department.finance, "POST", path, {"cells": cells, "reason": reason}
        ).status
    assert browser is not None
    answer = browser.post(
        f"/evaluations/{evaluation}/indicators/{writer.row}/",
        {"actual": writer.value(tag, save), "reason": reason},
        token_from=f"/evaluations/{evaluation}/indicators/",
    )
    return answer.status


def signed_in(site: Site, writer: Writer) -> Browser | None:
    if writer.kind != "indicator":
        return None
    browser = Browser(site.base, follow_redirects=False)
    answer = browser.post(
        "/accounts/login/", {"username": writer.department.finance, "password": "jixiao-demo"}
    )
    assert answer.status == 302, answer.body[:300]
    return browser


@dataclass
class Stored:
    """What the database holds of the writes tagged ``tag``."""

    reasons: Counter[str]  # audit events by reason
    notes: dict[int, str]
    actuals: dict[int, str]
    findings: Counter[str]  # audit-finding codes

    @classmethod
    def read(cls, site: Site, tag: str) -> Stored:
        reasons = site.rows(f"SELECT reason FROM audit_auditevent WHERE reason LIKE '压测 {tag}w%'")
        codes = site.rows(f"SELECT code FROM records_auditfinding WHERE code LIKE '{tag}w%'")
        return cls(
            Counter(reason for (reason,) in reasons),
            dict(site.rows("SELECT id, note FROM records_project")),
            {k: str(v) for k, v in site.rows(ACTUALS)},
            Counter(code for (code,) in codes),
        )

    def holds(self, writer: Writer, tag: str, save: int) -> bool:
        """The write's audit event is there once and, for an added finding, its row."""
        label = writer.label(tag, save)
        if self.reasons[f"压测 {label}"] != 1:
            return False
        return writer.kind != "finding" or self.findings[label] == 1

    def current(self, writer: Writer, tag: str, save: int) -> bool:
        """The write's value is the row's value now (for a change; an addition is a row)."""
        if writer.kind == "project":
            return self.notes.get(writer.row) == writer.label(tag, save)
        if writer.kind == "indicator":
            return self.actuals.get(writer.row) == writer.value(tag, save)
        return self.findings[writer.label(tag, save)] == 1


@dataclass
class WriterTally:
    database: str
    saves: int = 0
    answered: int = 0
    errors: list[str] = field(default_factory=list)
    stored: int = 0
    lost: list[str] = field(default_factory=list)
    audit: str = ""


def concurrent_writers(site: Site, threads: int, saves: int) -> WriterTally:
    """Campaign 2: ``threads`` × ``saves`` saves at once against the site's live server, which
    is stopped after."""
    tally = WriterTally(site.database, saves=threads * saves)
    team = writers(site, threads)
    start = threading.Barrier(threads)

    def run(writer: Writer) -> list[int | str]:
        browser = signed_in(site, writer)
        start.wait()
        statuses: list[int | str] = []
        for save in range(saves):
            try:
                statuses.append(write(site, writer, browser, "c", save))
            except CONNECTION_ERRORS as error:
                statuses.append(repr(error))
        return statuses

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(run, team))
    site.stop()
    stored = Stored.read(site, "c")
    for writer, statuses in zip(team, answers, strict=True):
        for save, status in enumerate(statuses):
            label = writer.label("c", save)
            if status == EXPECTED[writer.kind]:
                tally.answered += 1
            else:
                tally.errors.append(f"{writer.kind} write {label}: {status}")
            if stored.holds(writer, "c", save):
                tally.stored += 1
            else:
                tally.lost.append(f"{writer.kind} write {label} not stored")
        if not stored.current(writer, "c", saves - 1):
            tally.lost.append(f"{writer.kind} writer {writer.number}: its last save is not stored")
    extra = sum(stored.reasons.values()) - tally.saves
    if extra > 0:  # (fewer are counted as lost above)
        tally.lost.append(f"{extra} audit events more than saves")
    status, said = site.audit_verify()
    tally.audit = "passed" if status == 0 else f"FAILED: {said}"
    return tally


@dataclass
class KillTally:
    database: str
    rounds: int = 0
    acknowledged: int = 0
    stored: int = 0
    in_flight: int = 0
    in_flight_stored: int = 0
    integrity: int = 0
    audit: int = 0
    restarts: int = 0
    failures: list[str] = field(default_factory=list)


def kill_rounds(site: Site, rounds: int, writer_count: int, seed: int) -> KillTally:
    """Campaign 3: ``rounds`` times start the server, write, ``kill -9`` it, check."""
    tally = KillTally(site.database)
    rng = random.Random(f"{seed}:kill")
    site.stop()
    for number in range(1, rounds + 1):
        tally.rounds += 1
        try:
            site.start()
        except AssertionError as error:
            tally.failures.append(f"round {number}: the server did not start: {error}")
            return tally
        tally.restarts += number > 1
        killed = Round(f"k{number}", writers(site, writer_count), Stored.read(site, f"k{number}"))
        killed.run(site, rng.uniform(0, KILL_WITHIN))
        killed.check(site, tally)
    try:
        site.start()  # once more: the last kill is survived too
        tally.restarts += 1
        site.stop()
    except AssertionError as error:
        tally.failures.append(f"after the last round the server did not start: {error}")
    return tally


KILL_WITHIN = 3.0  # seconds after the first write of a round is answered


@dataclass
class Round:
    """One round of writes ended by ``kill -9``: what was answered, what was in flight."""

    tag: str
    team: list[Writer]
    before: Stored
    acknowledged: dict[int, list[int]] = field(default_factory=dict)  # writer → saves
    in_flight: dict[int, int] = field(default_factory=dict)  # writer → the save it was making
    unexpected: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)

    def run(self, site: Site, delay: float) -> None:
        """Write until the server is killed, ``delay`` seconds after the first answer."""
        self.acknowledged = {writer.number: [] for writer in self.team}
        threads = [threading.Thread(target=self._write, args=(site, w)) for w in self.team]
        for thread in threads:
            thread.start()
        self.answered.wait(timeout=120)
        time.sleep(delay)
        assert site.server is not None
        site.server.kill()
        self.stop.set()
        for thread in threads:
            thread.join(timeout=120)

    def _write(self, site: Site, writer: Writer) -> None:
        try:
            browser = signed_in(site, writer)
        except (*CONNECTION_ERRORS, AssertionError):  # killed before signing in
            return
        save = 0
        while not self.stop.is_set():
            self.in_flight[writer.number] = save
            try:
                status = write(site, writer, browser, self.tag, save)
            except (*CONNECTION_ERRORS, AssertionError):  # the kill (a form without its token)
                return
            del self.in_flight[writer.number]
            if status == EXPECTED[writer.kind]:
                self.acknowledged[writer.number].append(save)
                self.answered.set()
            else:
                self.unexpected.append(f"{writer.label(self.tag, save)}: HTTP {status}")
            save += 1

    def check(self, site: Site, tally: KillTally) -> None:
        """Every answered write stored; a write in flight stored wholly or not at all; each row
        holding its last answered write or the one in flight; the database whole."""
        stored = Stored.read(site, self.tag)
        failures = [f"{u} (while writing)" for u in self.unexpected]
        for writer in self.team:
            saves = self.acknowledged[writer.number]
            tally.acknowledged += len(saves)
            lost = [s for s in saves if not stored.holds(writer, self.tag, s)]
            tally.stored += len(saves) - len(lost)
            failures += [f"answered write {writer.label(self.tag, s)} lost" for s in lost]
            failures += self._in_flight(writer, stored, tally)
            if not self._row_holds_the_last(writer, stored):
                failures.append(f"{writer.kind} row {writer.row} holds an older value")
        broken = integrity(site)
        failures += broken
        tally.integrity += site.database_url is None and not broken
        status, said = site.audit_verify()
        tally.audit += status == 0
        failures += [f"jixiao audit verify: {said}"] if status != 0 else []
        tally.failures += [f"round {self.tag}: {failure}" for failure in failures]

    def _in_flight(self, writer: Writer, stored: Stored, tally: KillTally) -> list[str]:
        save = self.in_flight.get(writer.number)
        if save is None:
            return []
        tally.in_flight += 1
        label = writer.label(self.tag, save)
        events = stored.reasons[f"压测 {label}"]
        change = stored.current(writer, self.tag, save)
        tally.in_flight_stored += events == 1 and change
        if events > 1 or (events == 1) != change:  # its change and its audit event, or neither
            return [f"write in flight {label} half stored ({events} events, change {change})"]
        return []

    def _row_holds_the_last(self, writer: Writer, stored: Stored) -> bool:
        """A changed row holds the last answered write, or the write in flight — or, with
        neither, what it held before the round."""
        if writer.kind == "finding":
            return True
        saves = [self.acknowledged[writer.number][-1:], [self.in_flight.get(writer.number)]]
        candidates = [save for group in saves for save in group if save is not None]
        if any(stored.current(writer, self.tag, save) for save in candidates):
            return True
        return not self.acknowledged[writer.number] and _unchanged(writer, self.before, stored)


def integrity(site: Site) -> list[str]:
    """SQLite's own check of the database file after the kill (PostgreSQL's recovery is the
    server's)."""
    if site.database_url is not None:
        return []
    (result,) = site.rows("PRAGMA integrity_check")[0]
    return [] if result == "ok" else [f"SQLite integrity check: {result}"]


def _unchanged(writer: Writer, before: Stored, after: Stored) -> bool:
    if writer.kind == "project":
        return before.notes.get(writer.row) == after.notes.get(writer.row)
    return before.actuals.get(writer.row) == after.actuals.get(writer.row)


# Reporting.


def print_workbooks(tally: WorkbookTally) -> None:
    print(f"\nMutated workbooks: {tally.count:,} (seed {tally.seed})")
    print(f"  {'outcome':44} {'workbooks':>10}")
    for outcome in ("accepted", "accepted with warnings", "refused", "crash"):
        print(f"  {outcome:44} {tally.outcomes[outcome]:>10,}")
    neutral = tally.outcomes["(of these: only neutral changes)"]
    print(f"  {'(of all: only neutral changes, must be read)':44} {neutral:>10,}")
    print(f"  {'failures (crash, leak, loss, false alarm)':44} {len(tally.failures):>10,}")
    print(f"  {'import checked':44} {'imports':>10}")
    for way, count in sorted(tally.checks.items()):
        print(f"    {way:42} {count:>10,}")
    print(f"  {'problem code':44} {'workbooks':>10}")
    for code, count in sorted(tally.codes.items(), key=lambda item: (-item[1], item[0])):
        print(f"    {code:42} {count:>10,}")
    print(f"  {'mutation':44} {'workbooks':>10}")
    for kind, count in sorted(tally.kinds.items(), key=lambda item: (-item[1], item[0])):
        print(f"    {kind:42} {count:>10,}")


def print_writers(tallies: list[WriterTally], threads: int, saves: int) -> None:
    print(f"\nConcurrent writers: {threads} threads × {saves} saves, two departments")
    columns = ("saves", "answered", "errors", "stored", "lost")
    print(f"  {'database':12}" + "".join(f" {c:>9}" for c in columns) + "  audit verify")
    for t in tallies:
        counts = (t.saves, t.answered, len(t.errors), t.stored, len(t.lost))
        print(f"  {t.database:12}" + "".join(f" {n:>9,}" for n in counts) + f"  {t.audit}")


def print_kills(tallies: list[KillTally], writer_count: int) -> None:
    print(f"\nkill -9 during writes: {writer_count} writers per round")
    columns = ("rounds", "answered", "stored", "lost", "in flight", "(stored)", "restarts")
    print(f"  {'database':12}" + "".join(f" {c:>9}" for c in columns) + "  integrity  audit verify")
    for t in tallies:
        counts = (
            t.rounds,
            t.acknowledged,
            t.stored,
            t.acknowledged - t.stored,
            t.in_flight,
            t.in_flight_stored,
            t.restarts,
        )
        integrity = f"{t.integrity}/{t.rounds}" if t.database == "SQLite" else "n/a"
        print(
            f"  {t.database:12}"
            + "".join(f" {n:>9,}" for n in counts)
            + f"  {integrity:>9}  {t.audit}/{t.rounds} passed"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workbooks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument(
        "--cli-every",
        type=int,
        default=100,
        help="every K-th workbook also through a jixiao import process",
    )
    parser.add_argument("--case", type=int, help="rebuild and check this one workbook")
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--kill-writers", type=int, default=6)
    parser.add_argument(
        "--postgres", help="a scratch PostgreSQL database (dropped and created anew)"
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="the live campaigns on PostgreSQL alone"
    )
    parser.add_argument("--only", default="workbooks,writers,kills")
    parser.add_argument("--json", type=Path, help="write the counts as JSON here")
    arguments = parser.parse_args()
    campaigns = set(arguments.only.split(","))
    databases = [None, arguments.postgres] if arguments.postgres else [None]
    if arguments.postgres_only:
        databases = [arguments.postgres]
    failures: list[str] = []
    summary: dict[str, Any] = {}
    if "workbooks" in campaigns:
        tally = mutated_workbooks(
            arguments.workbooks, arguments.seed, arguments.cli_every, only=arguments.case
        )
        print_workbooks(tally)
        failures += tally.failures
        summary["workbooks"] = tally
    if campaigns & {"writers", "kills"} and arguments.case is None:
        writer_tallies, kill_tallies = [], []
        for url in databases:
            with two_departments(url) as site:
                if "writers" in campaigns:
                    writer_tallies.append(
                        concurrent_writers(site, arguments.threads, arguments.saves)
                    )
                if "kills" in campaigns:
                    kill_tallies.append(
                        kill_rounds(site, arguments.kills, arguments.kill_writers, arguments.seed)
                    )
        if writer_tallies:
            print_writers(writer_tallies, arguments.threads, arguments.saves)
        if kill_tallies:
            print_kills(kill_tallies, arguments.kill_writers)
        for w in writer_tallies:
            failures += [f"{w.database}: {e}" for e in w.errors + w.lost]
            failures += [f"{w.database}: audit verify {w.audit}"] if w.audit != "passed" else []
        failures += [f"{k.database}: {f}" for k in kill_tallies for f in k.failures]
        summary["writers"], summary["kills"] = writer_tallies, kill_tallies
    print(f"\nfailures: {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    if arguments.json:
        arguments.json.write_text(
            json.dumps(summary, default=_as_json, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 1 if failures else 0


def _as_json(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    raise TypeError(type(value))


if __name__ == "__main__":
    sys.exit(main())
