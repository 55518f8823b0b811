"""Backing up and restoring the application's database: ``jixiao backup`` and ``jixiao restore``.

SQLite (the default, in ``$JIXIAO_HOME``): the backup is taken with SQLite's online backup API,
which copies one consistent snapshot while the server goes on serving — copying the file would
not be consistent, least of all in WAL mode, where committed pages may still sit in the ``-wal``
file. The copy is then checked (``integrity_check``, the audit chain by the same
:func:`~jixiao.web.audit.services.verify_chain` as ``jixiao audit verify``) and moved into place
only when whole. Sessions are left out of it (deleted from the copy, their pages zeroed): a backup
travels, and a session key is as good as a password until it expires.

A restore checks the file before anything is replaced: a SQLite file, jixiao's tables, no
migration newer than this version, ``integrity_check``, the audit chain intact (after bringing
an older backup's schema up to date, on the copy). It refuses a database holding data unless
asked to replace it, then moves the checked copy into place in one step and keeps the previous
database aside under a dated name; nothing is deleted.

PostgreSQL: ``pg_dump`` in its custom format when the client tools are installed, sessions left
out; restoring is ``pg_restore``'s job, step by step in ``docs/operations.md``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

OPERATIONS = "docs/operations.md"
SQLITE_HEADER = b"SQLite format 3\x00"
SESSIONS = "django_session"
# Tables that migrate fills by itself: rows there are not a user's data.
FILLED_BY_MIGRATE = frozenset({"django_migrations", "django_content_type", "auth_permission"})
SIDE_FILES = ("-journal", "-wal", "-shm")


class BackupRefused(Exception):
    """A problem the user can act on; the message says it in Chinese. Nothing was replaced."""


@dataclass(frozen=True)
class AuditState:
    """How many audit events a database holds, and where its chain breaks (None: it holds)."""

    events: int
    broken: str | None  # where and why the chain breaks, as `jixiao audit verify` says it


@dataclass(frozen=True)
class BackupMade:
    database: str
    out: Path
    audit: AuditState | None  # None for PostgreSQL, whose dump is checked by pg_restore


@dataclass(frozen=True)
class Restored:
    database: Path
    audit: AuditState
    kept: Path | None  # where the previous database now is


def _database() -> dict[str, Any]:
    return dict(settings.DATABASES[DEFAULT_DB_ALIAS])


def _engine() -> str:
    """``sqlite`` or ``postgresql``; any other database is refused."""
    engine = str(_database()["ENGINE"])
    for kind in ("sqlite", "postgresql"):
        if kind in engine:
            return kind
    raise BackupRefused(f"jixiao 只能备份和恢复 SQLite 或 PostgreSQL 数据库，当前是 {engine}")


# --- backup ---------------------------------------------------------------------------------


def backup(out: Path) -> BackupMade:
    """Write a backup of the application's database to ``out``, which must not exist yet."""
    kind = _engine()
    if out.exists():
        raise BackupRefused(f"{out} 已存在，未覆盖；请换一个备份文件名")
    with _refusing_on_system_errors(f"无法备份到 {out}"):
        out.parent.mkdir(parents=True, exist_ok=True)
        if kind == "postgresql":
            return _pg_dump(out)
        return _sqlite_backup(Path(_database()["NAME"]), out)


def _sqlite_backup(source: Path, out: Path) -> BackupMade:
    if not source.is_file():
        raise BackupRefused(
            f"没有可备份的数据库：{source} 不存在（数据库由 jixiao demo 或 jixiao serve 建立）"
        )
    with _staging(out, "backup") as staged:
        _copy_online(source, staged)
        _check_integrity(staged, f"数据库 {source}")
        _check_tables(staged, f"数据库 {source} 不是 jixiao 的数据库")
        _drop_sessions(staged)
        audit = _audit_of(staged)
        _single_file(staged)
        os.replace(staged, out)
    return BackupMade(str(source), out, audit)


def _copy_online(source: Path, target: Path) -> None:
    """A consistent snapshot of the live database ``source`` into the file ``target``.

    The whole database is copied in one step of the backup API, under one read transaction: in
    WAL mode writers go on meanwhile; in rollback mode they wait for the step (and the step
    waits, retrying, while a writer commits). ``mode=rw`` opens the live file without creating
    it; read-only would fail on a WAL database whose ``-shm`` file cannot be made.
    """
    with (
        closing(
            sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
        ) as live,
        closing(sqlite3.connect(target)) as copy,
    ):
        live.backup(copy)


def _drop_sessions(path: Path) -> None:
    """Delete the sessions from a copy, overwriting their content with zeros."""
    with closing(sqlite3.connect(path, isolation_level=None)) as copy:
        if SESSIONS in _tables(copy):
            copy.execute("PRAGMA secure_delete = ON")
            copy.execute(f"DELETE FROM {SESSIONS}")


def _pg_dump(out: Path) -> BackupMade:
    """The PostgreSQL database dumped by ``pg_dump`` in its custom format (for ``pg_restore``).

    The connection goes to pg_dump through PG* environment variables, never its command line,
    where any user of the machine could read the password.
    """
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupRefused(
            "未找到 pg_dump：PostgreSQL 数据库须用 PostgreSQL 客户端工具 pg_dump 备份"
            f"（Debian/Ubuntu：apt install postgresql-client），步骤见 {OPERATIONS}；未备份"
        )
    database = _database()
    with _staging(out, "backup") as staged:
        result = subprocess.run(
            [
                program,
                "--format=custom",
                "--no-password",
                f"--exclude-table-data={SESSIONS}",
                f"--file={staged}",
            ],
            env={**os.environ, **_pg_environment(database)},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines() or [f"退出码 {result.returncode}"]
            raise BackupRefused(f"pg_dump 未能备份数据库 {database['NAME']}：{lines[-1]}")
        os.replace(staged, out)
    return BackupMade(str(database["NAME"]), out, None)


def _pg_environment(database: dict[str, Any]) -> dict[str, str]:
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    environment = {
        variable: str(database[key]) for key, variable in names.items() if database.get(key)
    }
    environment["PGDATABASE"] = str(database["NAME"])
    if database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = str(database["OPTIONS"]["sslmode"])
    return environment


# --- restore --------------------------------------------------------------------------------


def restore(source: Path, *, replace: bool) -> Restored:
    """Replace the SQLite database by the checked backup ``source``, keeping the old one aside."""
    if _engine() == "postgresql":
        raise BackupRefused(
            "PostgreSQL 数据库请用 pg_restore 恢复 jixiao backup 生成的备份，"
            f"步骤见 {OPERATIONS}；未恢复"
        )
    target = Path(_database()["NAME"])
    _check_header(source)
    if not replace and _holds_data(target):
        raise BackupRefused(
            f"数据库 {target} 中已有数据，未恢复。确要用备份替换它，请加 --replace"
            "（原数据库会改名保留在同一目录）"
        )
    with _refusing_on_system_errors(f"无法恢复到 {target}（原数据库保持不变）"):
        return _sqlite_restore(source, target)


def _sqlite_restore(source: Path, target: Path) -> Restored:
    target.parent.mkdir(parents=True, exist_ok=True)
    with _staging(target, "restore") as staged:
        shutil.copyfile(source, staged)
        if target.exists():
            shutil.copymode(target, staged)  # whoever could open the database still can
        label = f"{source} 不是可恢复的 jixiao 备份"
        _check_integrity(staged, f"备份 {source}")
        _check_tables(staged, label)
        _check_migrations(staged, label)
        audit = _audit_of(staged, migrate=True)
        if audit.broken is not None:
            raise BackupRefused(f"备份 {source} 的审计日志校验失败：{audit.broken}；未恢复")
        _single_file(staged)
        kept = _swap(staged, target)
    return Restored(target, audit, kept)


def _check_header(source: Path) -> None:
    if not source.is_file():
        raise BackupRefused(f"备份文件 {source} 不存在")
    with source.open("rb") as stream:
        if stream.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupRefused(f"{source} 不是 jixiao 备份：不是 SQLite 数据库文件；未恢复")


def _holds_data(path: Path) -> bool:
    """Whether the database at ``path`` holds anything beyond what migrate puts in an empty one
    (an unreadable file counts as holding data: it is not ours to judge)."""
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)) as db:
            for table in _tables(db) - FILLED_BY_MIGRATE:
                if db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                    return True
    except sqlite3.DatabaseError:
        return True
    return False


def _check_migrations(path: Path, label: str) -> None:
    """Refuse a backup made by a newer jixiao: this version cannot know its tables."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    with closing(sqlite3.connect(path)) as db:
        recorded = set(db.execute("SELECT app, name FROM django_migrations"))
    unknown = sorted(recorded - known)
    if unknown:
        app, name = unknown[0]
        raise BackupRefused(
            f"{label}：它来自更新版本的 jixiao（本版本不认识迁移 {app}.{name}），"
            "请用相同或更新版本的 jixiao 恢复"
        )


def _swap(staged: Path, target: Path) -> Path | None:
    """Move ``staged`` onto ``target`` in one step; the old database stays under a dated name.

    Switching the old database out of WAL mode folds its ``-wal`` file into it (so the kept
    file is whole) and is refused while another connection has it open — a running server.
    The exclusive lock then keeps any writer out until the swap is done.
    """
    if not target.exists():
        os.replace(staged, target)
        return None
    kept = _aside(target)
    with closing(sqlite3.connect(target, timeout=2, isolation_level=None)) as old:
        try:
            mode = old.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            old.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            mode = "busy"
        except sqlite3.DatabaseError:
            mode = "delete"  # not a database at all: nothing can be using it as one
        if mode != "delete":
            raise BackupRefused(
                f"数据库 {target} 正被使用（jixiao serve 还在运行？），请先停止服务再恢复；未恢复"
            )
        try:
            os.link(target, kept)
        except OSError:
            shutil.copy2(target, kept)
        try:
            os.replace(staged, target)
        except OSError:
            kept.unlink()  # the old database is still in place: one name is enough
            raise
    return kept


def _aside(target: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.name}.before-restore-{stamp}")
    number = 1
    while kept.exists():
        number += 1
        kept = target.with_name(f"{target.name}.before-restore-{stamp}-{number}")
    return kept


# --- checks shared by both ------------------------------------------------------------------


@contextmanager
def _refusing_on_system_errors(what: str) -> Iterator[None]:
    """A full disk, a folder without write permission, a file SQLite cannot open: problems
    of the machine that the user can fix, told as such rather than as an internal error."""
    try:
        yield
    except OSError as error:
        where = f"（{error.filename}）" if error.filename else ""
        raise BackupRefused(f"{what}：{error.strerror or error}{where}") from error
    except sqlite3.OperationalError as error:
        raise BackupRefused(f"{what}：SQLite 报告“{error}”") from error


@contextmanager
def _staging(beside: Path, purpose: str) -> Iterator[Path]:
    """A new private file (mode 0600: it holds password hashes) beside ``beside``, removed
    with its SQLite side files unless it was moved into place."""
    path = beside.with_name(f".{beside.name}.{purpose}.{secrets.token_hex(4)}.jixiao-tmp")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield path
    finally:
        for leftover in (path, *(Path(f"{path}{side}") for side in SIDE_FILES)):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows if not name.startswith("sqlite_")}


def _required_tables() -> list[str]:
    from django.contrib.auth.models import User

    from jixiao.web.audit.models import AuditEvent
    from jixiao.web.organizations.models import SelfEvaluation

    return [
        "django_migrations",
        *(model._meta.db_table for model in (User, SelfEvaluation, AuditEvent)),
    ]


def _check_tables(path: Path, label: str) -> None:
    with closing(sqlite3.connect(path)) as db:
        missing = [name for name in _required_tables() if name not in _tables(db)]
    if missing:
        raise BackupRefused(f"{label}：缺少数据表 {'、'.join(missing)}")


def _check_integrity(path: Path, label: str) -> None:
    try:
        with closing(sqlite3.connect(path)) as db:
            result = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{label} 无法读取：{error}") from error
    if result != ["ok"]:
        raise BackupRefused(f"{label} 已损坏（SQLite integrity_check：{result[0]}）")


def _single_file(path: Path) -> None:
    """Leave the copy in rollback-journal mode: one self-contained file, whatever mode the
    live database or Django's connection settings put it in."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = DELETE")


def _audit_of(path: Path, *, migrate: bool = False) -> AuditState:
    """The audit chain of the database file ``path``, verified by ``jixiao audit verify``'s own
    function; with ``migrate``, the file's schema is first brought up to this version's."""
    from jixiao.web.audit.models import AuditEvent
    from jixiao.web.audit.services import verify_chain

    with _default_database(path):
        try:
            if migrate:
                call_command("migrate", interactive=False, verbosity=0)
            broken = verify_chain()
            events = AuditEvent.objects.count()
        except DatabaseError as error:
            raise BackupRefused(f"无法读取 {path.name} 的审计日志：{error}") from error
    return AuditState(events, None if broken is None else broken.describe())


@contextmanager
def _default_database(path: Path) -> Iterator[None]:
    """Point Django's default database at the SQLite file ``path`` for a while.

    ``verify_chain`` and ``migrate`` work on the default database; a connection with the same
    settings but another file lets them check a copy before it replaces anything. Only for a
    command's own process, which has not used the default connection yet.
    """
    from django.contrib.contenttypes.models import ContentType

    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = {**original.settings_dict, "NAME": str(path)}
    stand_in = type(original)(settings_dict, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = stand_in
    try:
        yield
    finally:
        stand_in.close()
        connections[DEFAULT_DB_ALIAS] = original
        ContentType.objects.clear_cache()
