"""`jixiao demo --no-serve` and `jixiao audit verify`, as a user runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["JIXIAO_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.own_sqlite
def test_demo_then_audit_verify_then_tamper(tmp_path: Path) -> None:
    loaded = run(tmp_path, "demo", "--no-serve")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines() == [
        f"已载入 广州市商务局 2023 年度（53 个项目）→ {tmp_path / 'jixiao.sqlite3'}",
        "演示账号（密码均为 jixiao-demo）：demo-division、demo-division2、demo-finance、"
        "demo-leader、demo-bureau、demo-admin、demo-accounts",
    ]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    verified = run(tmp_path, "audit", "verify")
    assert (verified.returncode, verified.stdout.strip()) == (
        0,
        "审计日志完整：共 1 条事件，签名链无断裂。",
    )
    with sqlite3.connect(tmp_path / "jixiao.sqlite3") as database:
        database.execute("UPDATE audit_auditevent SET reason = '改过' WHERE id = 1")
    broken = run(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert (
        broken.stderr.strip() == "审计日志校验失败：第 1 条事件内容与记录的哈希不符（事件被修改）。"
    )
