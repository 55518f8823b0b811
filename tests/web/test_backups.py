"""`jixiao backup` and `jixiao restore` (issue 10, item 15), run as a user runs them: each command
in its own process on a file database in its own JIXIAO_HOME, while another process writes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

DATABASE = "jixiao.sqlite3"

# Changes an indicator's actual value through the editing use case (a row and an audit event in
# one transaction), again and again until told to stop; prints each count written.
WRITER = """
import sys
from pathlib import Path
from jixiao.web import runtime
runtime.setup()
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from jixiao.web.editing import set_indicator_actual
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Indicator
session = SessionStore()
session["note"] = "a signed-in user"
session.create()
print("session", session.session_key, flush=True)
user = User.objects.get(username="demo-finance")
record = SelfEvaluation.objects.get()
indicator = Indicator.objects.filter(evaluation=record).order_by("id").first()
stop = Path(sys.argv[1])
written = 0
while not stop.exists():
    set_indicator_actual(user, record, indicator.id, str(20 + written % 7), f"第 {written} 次")
    written += 1
    print("written", written, flush=True)
"""

# What the restored database holds: its evaluation, the indicator the writer changed and the
# value the last audit event says it was changed to, and the sessions.
READER = """
import json
from jixiao.web import runtime
runtime.setup()
from django.contrib.sessions.models import Session
from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Indicator
from jixiao.web.services import compute
record = SelfEvaluation.objects.get()
computed = compute(record, monitor=False)
indicator = Indicator.objects.filter(evaluation=record).order_by("id").first()
last = AuditEvent.objects.order_by("-id").first()
print(json.dumps({
    "projects": len(computed.dataset.projects),
    "grade": computed.assessed.evaluation.grade,
    "actual": str(indicator.actual),
    "last_after": last.after,
    "sessions": Session.objects.count(),
}, ensure_ascii=False))
"""


def environment(home: Path, **extra: str) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    variables["JIXIAO_HOME"] = str(home)
    return {**variables, **extra}


def run(home: Path, *arguments: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *arguments],
        env=environment(home, **extra),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def python(home: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    """Run ``sql`` on its own connection, committed and closed (in WAL mode, closing the last
    connection folds the -wal file back into the database)."""
    with closing(sqlite3.connect(database, timeout=30)) as db, db:
        return db.execute(sql).fetchall()


def events_in(database: Path) -> int:
    count = query(database, "SELECT count(*) FROM audit_auditevent")[0][0]
    assert isinstance(count, int)
    return count


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the reference department loaded (the backup tests copy it)."""
    home = tmp_path_factory.mktemp("demo-home")
    loaded = run(home, "demo", "--no-serve")
    assert loaded.returncode == 0, loaded.stderr
    return home


@pytest.fixture(scope="module")
def demo_backup(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("backups") / "jixiao-backup.sqlite3"
    made = run(demo_home, "backup", str(out))
    assert made.returncode == 0, made.stderr
    return out


@pytest.fixture
def live_home(demo_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    return home


@pytest.fixture
def writer(live_home: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The writing process, started and past its first writes; and the key of its session."""
    stop = tmp_path / "stop"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env=environment(live_home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    session = process.stdout.readline().split()[1]
    while int(process.stdout.readline().split()[1]) < 5:
        pass
    yield process, session
    stop.touch()
    process.communicate(timeout=60)


@pytest.mark.own_sqlite
def test_item15_backup_while_writing_then_restore_keeps_the_audit_chain(
    live_home: Path, writer: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    process, session = writer
    out = tmp_path / "backups" / "jixiao-2023.sqlite3"
    before = events_in(live_home / DATABASE)
    made = run(live_home, "backup", str(out))
    after = events_in(live_home / DATABASE)
    assert made.returncode == 0, made.stderr
    assert process.poll() is None  # still writing: the backup stopped no one
    copied = events_in(out)
    assert before <= copied <= after
    assert after > before  # the writer went on while the backup ran
    assert made.stdout.strip() == (
        f"已备份 {live_home / DATABASE} → {out}：审计日志共 {copied} 条事件，"
        "签名链无断裂（登录会话不备份）。"
    )
    assert out.stat().st_mode & 0o777 == 0o600
    assert session.encode() not in out.read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no staging left over

    fresh = tmp_path / "fresh-home"
    refused = run(fresh, "restore", str(out))  # a new machine without the deployment's key
    assert refused.returncode == 1
    assert "检查 JIXIAO_AUDIT_KEY" in refused.stderr
    shutil.rmtree(fresh)
    fresh.mkdir()
    shutil.copy2(live_home / "audit_key", fresh / "audit_key")  # kept beside the backups
    restored = run(fresh, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip() == (
        f"已恢复 {out} → {fresh / DATABASE}：审计日志共 {copied} 条事件，签名链无断裂。"
    )
    verified = run(fresh, "audit", "verify")
    assert (verified.returncode, verified.stdout.strip()) == (
        0,
        f"审计日志完整：共 {copied} 条事件，签名链无断裂。",
    )
    loaded = json.loads(python(fresh, READER).stdout)
    # the rows and the log agree: the indicator holds the value its last event recorded
    assert loaded["last_after"] == {"实际完成值": loaded["actual"]}
    assert (loaded["projects"], loaded["grade"] in {"优", "良", "中", "差"}) == (53, True)
    assert loaded["sessions"] == 0
    assert listing(fresh) == ["audit_key", DATABASE, "secret_key"]


@pytest.mark.own_sqlite
def test_item15_restore_replaces_only_with_replace_and_keeps_the_old_database(
    live_home: Path, demo_backup: Path
) -> None:
    database = live_home / DATABASE
    query(database, "UPDATE auth_user SET first_name = '恢复前' WHERE username = 'demo-admin'")
    old = sha256(database)
    refused = run(live_home, "restore", str(demo_backup))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"数据库 {database} 中已有数据，未恢复。确要用备份替换它，请加 --replace"
        "（原数据库会改名保留在同一目录）。"
    )
    assert (sha256(database), listing(live_home)) == (old, ["audit_key", DATABASE, "secret_key"])

    restored = run(live_home, "restore", str(demo_backup), "--replace")
    assert restored.returncode == 0, restored.stderr
    kept = [name for name in listing(live_home) if name.startswith(f"{DATABASE}.before-restore-")]
    assert len(kept) == 1
    assert restored.stdout.splitlines()[-1] == f"原数据库保留为 {live_home / kept[0]}。"
    assert listing(live_home) == sorted(["audit_key", DATABASE, kept[0], "secret_key"])
    admin_name = "SELECT first_name FROM auth_user WHERE username = 'demo-admin'"
    assert query(live_home / kept[0], admin_name) == [("恢复前",)]
    assert query(database, admin_name) == [("",)]
    assert run(live_home, "audit", "verify").returncode == 0


@pytest.mark.own_sqlite
def test_item15_restore_refuses_a_tampered_backup_and_changes_nothing(
    live_home: Path, demo_backup: Path, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.sqlite3"
    shutil.copyfile(demo_backup, tampered)
    query(tampered, "UPDATE audit_auditevent SET reason = '改过' WHERE id = 1")
    old = sha256(live_home / DATABASE)
    refused = run(live_home, "restore", str(tampered), "--replace")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"备份 {tampered} 的审计日志校验失败：第 1 条事件内容与记录的哈希不符（事件被修改）；"
        "未恢复。"
    )
    assert (sha256(live_home / DATABASE), listing(live_home)) == (
        old,
        ["audit_key", DATABASE, "secret_key"],
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,amount\nP01,1\n", "{path} 不是 jixiao 备份：不是 SQLite 数据库文件；未恢复。"),
        (None, "{path} 不是可恢复的 jixiao 备份：缺少数据表 django_migrations、auth_user、"
               "organizations_selfevaluation、audit_auditevent。"),
    ],
)  # fmt: skip
@pytest.mark.own_sqlite
def test_item15_restore_refuses_what_is_not_a_jixiao_backup(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "other.sqlite3"
    if content is None:
        query(path, "CREATE TABLE notes (text)")
    else:
        path.write_bytes(content)
    home = tmp_path / "home"
    refused = run(home, "restore", str(path))
    assert (refused.returncode, refused.stderr.strip()) == (1, message.format(path=path))
    assert not (home / DATABASE).exists()


@pytest.mark.own_sqlite
def test_item15_restore_refuses_while_the_database_is_in_use(
    live_home: Path, demo_backup: Path
) -> None:
    database = live_home / DATABASE
    with closing(sqlite3.connect(database)) as server:  # a server's connection, in WAL mode
        server.execute("PRAGMA journal_mode = WAL")
        server.execute("SELECT count(*) FROM audit_auditevent").fetchone()
        refused = run(live_home, "restore", str(demo_backup), "--replace")
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            f"数据库 {database} 正被使用（jixiao serve 还在运行？），请先停止服务再恢复；未恢复。"
        )
        assert not [name for name in listing(live_home) if "before-restore" in name]
        assert not [name for name in listing(live_home) if name.endswith(".jixiao-tmp")]


@pytest.mark.own_sqlite
def test_item15_backup_of_a_tampered_database_is_kept_as_evidence_and_fails(
    live_home: Path, tmp_path: Path
) -> None:
    query(live_home / DATABASE, "UPDATE audit_auditevent SET reason = '改过' WHERE id = 1")
    out = tmp_path / "evidence.sqlite3"
    made = run(live_home, "backup", str(out))
    assert (made.returncode, made.stderr.strip()) == (
        1,
        f"备份已写入 {out}，但审计日志校验失败：第 1 条事件内容与记录的哈希不符（事件被修改）。"
        "该备份如实保留了数据库现状，jixiao restore 不会恢复它。",
    )
    assert query(out, "SELECT reason FROM audit_auditevent WHERE id = 1") == [("改过",)]


@pytest.mark.own_sqlite
def test_item15_backup_never_overwrites_and_needs_a_database(
    demo_home: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"an older backup")
    refused = run(demo_home, "backup", str(existing))
    assert (refused.returncode, refused.stderr.strip()) == (
        1,
        f"{existing} 已存在，未覆盖；请换一个备份文件名。",
    )
    assert existing.read_bytes() == b"an older backup"
    empty = tmp_path / "empty-home"
    nothing = run(empty, "backup", str(tmp_path / "out.sqlite3"))
    assert (nothing.returncode, nothing.stderr.strip()) == (
        1,
        f"没有可备份的数据库：{empty / DATABASE} 不存在"
        "（数据库由 jixiao demo 或 jixiao serve 建立）。",
    )
    assert not (tmp_path / "out.sqlite3").exists()


@pytest.mark.own_sqlite
def test_item15_backup_where_it_cannot_be_written_is_a_user_problem(
    demo_home: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    made = run(demo_home, "backup", str(blocker / "out.sqlite3"))
    assert (made.returncode, made.stderr.strip()) == (
        1,
        f"无法备份到 {blocker / 'out.sqlite3'}：File exists（{blocker}）。",
    )


@pytest.mark.own_sqlite
def test_item15_postgresql_without_pg_dump_is_refused_with_the_procedure(tmp_path: Path) -> None:
    elsewhere = {"DATABASE_URL": "postgresql://jixiao@127.0.0.1:1/jixiao", "PATH": str(tmp_path)}
    backup = run(tmp_path, "backup", str(tmp_path / "out.dump"), **elsewhere)
    assert (backup.returncode, backup.stderr.strip()) == (
        1,
        "未找到 pg_dump：PostgreSQL 数据库须用 PostgreSQL 客户端工具 pg_dump 备份"
        "（Debian/Ubuntu：apt install postgresql-client），步骤见 docs/operations.md；未备份。",
    )
    restore = run(tmp_path, "restore", str(tmp_path / "out.dump"), **elsewhere)
    assert (restore.returncode, restore.stderr.strip()) == (
        1,
        "PostgreSQL 数据库请用 pg_restore 恢复 jixiao backup 生成的备份，"
        "步骤见 docs/operations.md；未恢复。",
    )


POSTGRES = os.environ.get("DATABASE_URL", "")


@pytest.fixture
def postgres_databases() -> Iterator[tuple[str, str]]:
    """Two scratch databases beside the test run's own: one to back up, one to restore into."""
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(POSTGRES)
    base = parts.path.lstrip("/") or "jixiao"
    names = (f"{base}_backup_source", f"{base}_backup_target")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    yield tuple(urlunsplit(parts._replace(path=f"/{name}")) for name in names)  # type: ignore[misc]
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(
    not POSTGRES.startswith("postgres") or shutil.which("pg_dump") is None,
    reason="只在 PostgreSQL 上运行 Web 测试且装有 pg_dump 时运行",
)
def test_item15_postgresql_backup_with_pg_dump_and_the_documented_restore(
    tmp_path: Path, postgres_databases: tuple[str, str]
) -> None:
    source, target = postgres_databases
    assert run(tmp_path, "demo", "--no-serve", DATABASE_URL=source).returncode == 0
    out = tmp_path / "jixiao.dump"
    made = run(tmp_path, "backup", str(out), DATABASE_URL=source)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == (
        f"已用 pg_dump 备份 PostgreSQL 数据库 {urlsplit(source).path[1:]} → {out}（custom 格式）"
    )
    assert out.read_bytes()[:5] == b"PGDMP"
    contents = subprocess.run(
        ["pg_restore", "--list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public audit_auditevent" in contents
    assert "TABLE DATA public django_session" not in contents
    subprocess.run(  # the restore step of docs/operations.md
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(out)],
        check=True,
        capture_output=True,
    )
    verified = run(tmp_path, "audit", "verify", DATABASE_URL=target)
    assert (verified.returncode, verified.stdout.strip()) == (
        0,
        "审计日志完整：共 1 条事件，签名链无断裂。",
    )
