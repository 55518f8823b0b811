"""Concurrent writers against a real server: every save waits its turn and is stored
(issue 10, item 1), and the audit chain stays one chain (item 2)."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .live import Browser, api, jixiao, live_server

THREADS = 20
SAVES = 20
pytestmark = pytest.mark.own_sqlite  # PostgreSQL's concurrent writers: tests/web/test_audit.py


def _save_through_api(base: str, project: int, thread: int) -> list[int]:
    path = f"/api/evaluations/1/tables/projects/{project}/"
    return [
        api(
            base,
            "demo-finance",
            "PATCH",
            path,
            {"cells": {"note": f"线程{thread}第{save}次"}, "reason": "并发测试"},
        ).status
        for save in range(SAVES)
    ]


def _save_through_form(base: str, indicator: int, thread: int) -> list[int]:
    browser = Browser(base)
    browser.sign_in("demo-finance")
    statuses = []
    for save in range(SAVES):
        answer = browser.post(
            f"/evaluations/1/indicators/{indicator}/",
            {"actual": f"{1000 + thread * 100 + save}", "reason": "并发测试"},
            token_from="/evaluations/1/indicators/",
        )
        statuses.append(answer.status)
    return statuses


def test_item1_concurrent_saves_on_sqlite_all_wait_and_are_stored(tmp_path: Path) -> None:
    with live_server(tmp_path) as base:
        projects = [
            row["id"]
            for row in api(
                base, "demo-finance", "GET", "/api/evaluations/1/tables/projects/"
            ).json()
        ]
        indicators = [
            row["id"]
            for row in api(
                base, "demo-finance", "GET", "/api/evaluations/1/tables/indicators/"
            ).json()
            if row["cells"]["comparison"] in ("≥", "≤")
            and not row["cells"]["actual"].startswith("-")
        ]
        with ThreadPoolExecutor(THREADS) as pool:
            through_api = [
                pool.submit(_save_through_api, base, projects[t], t) for t in range(THREADS // 2)
            ]
            through_forms = [
                pool.submit(_save_through_form, base, indicators[t], t) for t in range(THREADS // 2)
            ]
            api_statuses = [s for future in through_api for s in future.result()]
            form_statuses = [s for future in through_forms for s in future.result()]
    assert api_statuses == [200] * (THREADS // 2 * SAVES)
    assert form_statuses == [200] * (THREADS // 2 * SAVES)  # the redirect to the list, followed
    with sqlite3.connect(tmp_path / "jixiao.sqlite3") as database:
        notes = dict(database.execute("SELECT id, note FROM records_project").fetchall())
        stored = (
            "SELECT id, COALESCE(CAST(actual_number AS TEXT), actual_text) FROM records_indicator"
        )
        actuals = dict(database.execute(stored).fetchall())
        saves = database.execute(
            "SELECT count(*) FROM audit_auditevent WHERE reason = '并发测试'"
        ).fetchone()[0]
    for thread in range(THREADS // 2):
        assert notes[projects[thread]] == f"线程{thread}第{SAVES - 1}次"
        assert actuals[indicators[thread]] == str(1000 + thread * 100 + SAVES - 1)
    assert saves == THREADS * SAVES
    verified = jixiao(tmp_path, "audit", "verify")
    _output, error = verified.communicate(timeout=120)
    assert verified.returncode == 0, error
