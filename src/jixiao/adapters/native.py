"""Keeping native libraries' own error output away from users.

python-calamine is Rust; on a few malformed cells (a date far out of range) it panics, which
Python sees as an exception we handle — but Rust's panic hook has already written a message and
perhaps a backtrace straight to file descriptor 2. While a workbook is decoded, that descriptor
points at a scratch file instead, so the user sees only jixiao's own message.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

STDERR = 2


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    sys.stderr.flush()
    try:
        saved = os.dup(STDERR)
    except OSError:  # no descriptor 2 at all: nothing to silence
        yield
        return
    descriptor = STDERR
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), descriptor)
        try:
            yield
        finally:
            os.dup2(saved, descriptor)
            os.close(saved)
