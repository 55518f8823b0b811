"""Writing files so that a reader never sees half of one, and never losing a file we did not
write."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# Files are created as the user's other files are (mkstemp alone would make them private).
FILE_MODE = 0o666 & ~_umask()
STAGING_SUFFIX = ".jixiao-tmp"


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


def replace_files(folder: Path, contents: Mapping[str, bytes]) -> None:
    """Put each named file of ``contents`` into ``folder``, touching no other file there.

    A set of files cannot be swapped in one step without swapping the folder, and swapping the
    folder would take the user's own files (notes, attachments) with it. So every new file is
    first written and flushed beside its target; only then is each moved into place with
    :func:`os.replace`, which is atomic per file. Should a move fail, the files already moved are
    put back from links to their old versions: a failure leaves the old set as it was.
    """
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    kept: dict[str, Path] = {}
    try:
        for name, data in contents.items():
            staged[name] = _stage(folder / name, data)
        for name in contents:
            if (folder / name).exists():
                kept[name] = _keep(folder / name)
        moved: list[str] = []
        try:
            for name, staging in staged.items():
                os.replace(staging, folder / name)
                moved.append(name)
        except OSError:
            _put_back(folder, moved, kept)
            raise
        _sync_folder(folder)
    except BaseException:
        if created:
            _remove_if_empty(folder, staged.values())
        raise
    finally:
        for path in (*staged.values(), *kept.values()):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _sibling(path: Path, purpose: str) -> Path:
    """A hidden name beside ``path`` that names jixiao, should a crash leave it behind."""
    return path.with_name(f".{path.name}.{purpose}.{secrets.token_hex(4)}{STAGING_SUFFIX}")


def _stage(path: Path, data: bytes) -> Path:
    """``data`` written and flushed to disk beside ``path``, with ``path``'s permissions."""
    staging = _sibling(path, "new")
    with staging.open("xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    if path.exists():
        shutil.copymode(path, staging)
    else:
        os.chmod(staging, FILE_MODE)
    return staging


def _keep(path: Path) -> Path:
    """A second name for the current ``path`` (a hard link, or a copy where links fail), so that
    the old version can be put back."""
    kept = _sibling(path, "old")
    try:
        os.link(path, kept)
    except OSError:
        shutil.copy2(path, kept)
    return kept


def _put_back(folder: Path, moved: list[str], kept: Mapping[str, Path]) -> None:
    for name in moved:
        if name in kept:
            os.replace(kept[name], folder / name)
        else:
            (folder / name).unlink()


def _remove_if_empty(folder: Path, staged: Iterable[Path]) -> None:
    """Take back a folder made for files that were never moved in."""
    for path in staged:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entries so that the moves survive a power cut (POSIX only)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
