"""The embedded database's writers of one process take turns on a lock that wakes the next at
once (``jixiao.web.sqlite``), instead of SQLite's busy handler, which sleeps up to 100 ms at a
time and so keeps a queue of writers waiting long after the lock is free."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jixiao.web.sqlite.base import DatabaseWrapper, _turn_for

HELD = 0.35  # long enough that SQLite's busy handler has come to sleeping 100 ms at a time


@pytest.fixture(autouse=True)
def own_database(django_db_blocker: Any) -> Iterator[None]:
    """These tests open SQLite files of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


def wrapper(path: Path) -> DatabaseWrapper:
    settings: dict[str, Any] = {
        "ENGINE": "jixiao.web.sqlite",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 10},
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    return DatabaseWrapper(settings)


def begin(db: DatabaseWrapper) -> None:
    """What ``transaction.atomic`` does first."""
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(db: DatabaseWrapper, *, commit: bool = True) -> None:
    db.commit() if commit else db.rollback()
    db.set_autocommit(True)


def one_round(path: Path) -> float:
    """Two writers of one process: the second asks while the first holds the lock; how long
    after the first committed the second began."""
    committed: list[float] = []
    began: list[float] = []
    first_in = threading.Event()

    def first() -> None:
        db = wrapper(path)
        begin(db)
        db.cursor().execute("INSERT INTO t VALUES (1)")
        first_in.set()
        time.sleep(HELD)
        end(db)
        committed.append(time.monotonic())
        db.close()

    def second() -> None:
        db = wrapper(path)
        first_in.wait()
        begin(db)  # waits for the first writer's turn
        began.append(time.monotonic())
        db.cursor().execute("INSERT INTO t VALUES (2)")
        end(db)
        db.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert began[0] >= committed[0] - 0.005  # never both in a transaction
    return began[0] - committed[0]


def test_the_next_writer_begins_as_soon_as_the_one_before_commits(tmp_path: Path) -> None:
    path = tmp_path / "turns.sqlite3"
    setup = wrapper(path)
    setup.cursor().execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    delays = [one_round(path) for _ in range(9)]
    # SQLite's busy handler alone (sleeping 1, 2, 5, 10 … then 100 ms): about 50 ms late
    assert statistics.mean(delays) < 0.025, delays
    check = wrapper(path)
    assert check.cursor().execute("SELECT count(*) FROM t").fetchone() == (18,)
    check.close()


def test_a_turn_is_given_back_however_the_transaction_ends(tmp_path: Path) -> None:
    path = tmp_path / "ends.sqlite3"
    turn = _turn_for(str(path))
    db = wrapper(path)
    begin(db)
    assert turn.locked()
    end(db, commit=False)  # rolled back
    assert not turn.locked()
    begin(db)
    db.close()  # the connection closed in the middle of a transaction
    assert not turn.locked()
    other = wrapper(path)
    begin(other)
    end(other)
    assert not turn.locked()
    other.close()
