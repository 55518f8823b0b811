"""Where the application keeps its data (``$JIXIAO_HOME``, by default the user's data folder) and
what it reads from the environment."""

from __future__ import annotations

import os
import secrets
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
    configured = os.environ.get("JIXIAO_SECRET_KEY")
    if configured:
        return configured
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text(encoding="utf-8").strip()
