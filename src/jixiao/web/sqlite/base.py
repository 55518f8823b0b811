"""Django's SQLite backend, with the writers of one process taking turns on a lock of its own.

Every transaction begins with ``BEGIN IMMEDIATE`` (settings: it takes SQLite's write lock at
once). A second writer finds the lock taken and SQLite's busy handler makes it sleep and try
again, for longer and longer — after a quarter of a second, 100 ms at a time — so under load
a writer often sleeps on after the lock was freed, and five writers of one department queue
far longer than their work takes. Here the threads of one process first take a turn on a
Python lock, which wakes the next waiter the moment the holder commits or rolls back; SQLite's
own lock and busy timeout still order this process against others (``jixiao load`` in a
terminal while ``jixiao serve`` runs). A turn is given back however the transaction ends:
commit, rollback or the connection closed. A writer that waits longer than the busy timeout
gets SQLite's own error, "database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base

_turns: dict[str, threading.Lock] = {}
_turns_lock = threading.Lock()


def _turn_for(name: str) -> threading.Lock:
    """The lock the writers of one database file take turns on, in this process."""
    with _turns_lock:
        return _turns.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _turn: threading.Lock | None = None  # held from BEGIN until COMMIT, ROLLBACK or close

    def _start_transaction_under_autocommit(self) -> None:
        turn = _turn_for(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not turn.acquire(timeout=timeout):
            with self.wrap_database_errors:
                raise sqlite3.OperationalError("database is locked")
        self._turn = turn
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs
        except BaseException:
            self._give_back()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._give_back()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._give_back()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._give_back()

    def _give_back(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()
