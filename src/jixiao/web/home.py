"""Where the application keeps its data: ``$JIXIAO_HOME``, by default the user's data folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


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
