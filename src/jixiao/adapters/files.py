"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# Files are created as the user's other files are (mkstemp alone would make them private).
FILE_MODE = 0o666 & ~_umask()


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path`` and move it into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(staging, FILE_MODE)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
