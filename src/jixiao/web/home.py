"""Where the application keeps its data (``$JIXIAO_HOME``, by default the user's data folder) and
what it reads from the environment."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


class SetupProblem(Exception):
    """Something about this installation that the person running jixiao must put right (an
    environment variable, data in the database); the message says what, in Chinese, and the
    ``jixiao`` command shows it instead of an internal error."""


def whole_number(name: str, default: int) -> int:
    """A positive whole number from the environment variable ``name``, or ``default``."""
    configured = os.environ.get(name, "").strip()
    if not configured:
        return default
    if not configured.isdecimal() or int(configured) < 1:
        raise SetupProblem(f"环境变量 {name} 须为正整数，现为“{configured}”")
    return int(configured)


def jixiao_home() -> Path:
    configured = os.environ.get("JIXIAO_HOME")
    if configured:
        return Path(configured).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "jixiao"


def secret_key(home: Path) -> str:
    """The Django secret key: ``$JIXIAO_SECRET_KEY``, or one generated once into the data folder
    (readable by its owner only) — never a value from the repository."""
    return _configured_or_generated(home, "JIXIAO_SECRET_KEY", "secret_key")


def audit_key(home: Path) -> str:
    """The key that signs the audit chain: ``$JIXIAO_AUDIT_KEY``, or one generated once into the
    data folder. It is kept outside the database, so whoever can write the database cannot
    rewrite the chain; several app servers sharing one database must share this key."""
    return _configured_or_generated(home, "JIXIAO_AUDIT_KEY", "audit_key")


def _configured_or_generated(home: Path, variable: str, name: str) -> str:
    configured = os.environ.get(variable)
    if configured:
        return configured
    path = home / name
    if not path.exists():
        # Written whole under a temporary name, then linked into place: a process starting at
        # the same moment either finds no key and makes its own (the first link wins) or finds
        # the whole key, never half of one.
        home.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=home, prefix=f".{name}-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as written:
                written.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="utf-8").strip()
