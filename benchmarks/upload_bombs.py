"""Benchmark: workbook bombs are refused quickly and in little memory (issue 10, item 12).

    python benchmarks/upload_bombs.py [--quick]

Builds, streaming, the workbooks found to hold the server — a 5 MB workbook of 1,000,000 rows
(before: over 120 s and 5.2 GB), a workbook of a few hundred KB with one 300 MB cell (before:
26 s and 1.5 GB) — and others: one cell at XFD1048576, a zip whose headers understate its size,
a zip of 100,000 empty entries and a file that is no zip. Each is read by ``read_workbook`` (what
``jixiao import`` and the web upload call) in a fresh process, which reports its wall time and
its peak resident memory above what it held before reading (Rust's allocations included, which
tracemalloc would miss); reading the reference workbook is the baseline. Target: every bomb
refused in under 2 s and 200 MB. ``--quick`` makes smaller bombs (for the test suite).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.workbook import read_workbook, write_workbook

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "guangzhou-commerce-2023"
MB = 1024 * 1024
TARGET_SECONDS = 2.0
TARGET_MB = 200
sys.path.insert(0, str(ROOT))  # the bombs are built as the tests build them
from tests.xlsx_bombs import one_sheet as _one_sheet  # noqa: E402
from tests.xlsx_bombs import wide_rows  # noqa: E402


def one_sheet(path: Path, rows: Iterable[bytes], *, entries: int = 0, level: int = 9) -> None:
    """A workbook with one sheet 项目 holding ``rows``, written as it is generated."""
    _one_sheet(path, "项目", rows, extra_entries=entries, level=level)


def many_rows(count: int) -> Iterator[bytes]:
    for first in range(1, count + 1, 10_000):
        yield b"".join(
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n)
            for n in range(first, min(first + 10_000, count + 1))
        )


def huge_cell(megabytes: int) -> Iterator[bytes]:
    yield b'<row r="7"><c r="B7" t="inlineStr"><is><t>'
    for _ in range(megabytes):
        yield b"x" * MB
    yield b"</t></is></c></row>"


def understate(path: Path, part: str) -> None:
    """Make the zip's headers declare 1,000 bytes for ``part``, as a crafted file may."""
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(part).header_offset
    data = bytearray(path.read_bytes())
    struct.pack_into("<L", data, offset + 22, 1000)  # the local header
    (start,) = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)
    while data[start : start + 4] == b"PK\x01\x02":  # the central directory
        name_length, extra, comment = struct.unpack_from("<3H", data, start + 28)
        if data[start + 46 : start + 46 + name_length] == part.encode():
            struct.pack_into("<L", data, start + 24, 1000)
        start += 46 + name_length + extra + comment
    path.write_bytes(bytes(data))


def build(folder: Path, quick: bool) -> dict[str, Path]:
    """The bombs, and the reference workbook to compare with."""
    scale = 20 if quick else 1
    files = {
        "reference workbook": folder / "reference.xlsx",
        f"{1_000_000 // scale:,} rows": folder / "rows.xlsx",
        f"one {300 // scale} MB cell": folder / "cell.xlsx",
        "one cell at XFD1048576": folder / "far.xlsx",
        "size understated in the headers": folder / "lying.xlsx",
        f"{100_000 // scale:,} zip entries": folder / "entries.xlsx",
        "not a zip": folder / "notes.xlsx",
    }
    paths = list(files.values())
    write_workbook(load_dataset(REFERENCE), paths[0])
    one_sheet(paths[1], many_rows(1_000_000 // scale))
    one_sheet(paths[2], huge_cell(300 // scale))
    one_sheet(paths[3], [b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'])
    one_sheet(paths[4], wide_rows(10_000, 6000), level=1)
    understate(paths[4], "xl/worksheets/sheet1.xml")
    one_sheet(paths[5], many_rows(1), entries=100_000 // scale, level=1)
    paths[6].write_text("not a workbook", encoding="utf-8")
    return files


def measure(path: Path) -> dict[str, object]:
    """Run in a fresh process: read ``path`` and report time, memory and the first problem."""
    before = _memory_kilobytes("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    dataset, problems = read_workbook(path)
    seconds = time.perf_counter() - start
    peak = _memory_kilobytes("VmHWM")
    return {
        "seconds": seconds,
        "megabytes": max(peak - before, 0) / 1024,
        "outcome": str(problems[0]) if dataset is None and problems else "read",
    }


def _reset_peak() -> None:
    """Forget the process's peak so far (Linux), so that the peak after reading is the reading's
    own — imports may have peaked higher than anything a refusal needs."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _memory_kilobytes(field: str) -> int:
    """VmRSS (now) or VmHWM (the peak) from /proc; elsewhere the peak since the process began."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(path: Path) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller bombs, for the test suite")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure is not None:
        print(json.dumps(measure(arguments.measure), ensure_ascii=False))
        return 0
    failed = False
    with tempfile.TemporaryDirectory(prefix="jixiao-bombs-") as folder:
        files = build(Path(folder), arguments.quick)
        baseline = run_child(files["reference workbook"])
        base_seconds = float(str(baseline["seconds"]))
        print(f"{'case':34} {'file':>9} {'time':>8} {'× ref':>6} {'memory':>9}  outcome")
        for label, path in files.items():
            result = baseline if label == "reference workbook" else run_child(path)
            seconds, megabytes = float(str(result["seconds"])), float(str(result["megabytes"]))
            size = path.stat().st_size / 1024
            print(
                f"{label:34} {size:7.0f}KB {seconds:7.3f}s {seconds / base_seconds:5.1f}× "
                f"{megabytes:6.1f} MB  {result['outcome']}"
            )
            if label != "reference workbook":
                failed |= seconds > TARGET_SECONDS or megabytes > TARGET_MB
                failed |= result["outcome"] == "read"
    print(f"target: every bomb refused in under {TARGET_SECONDS:g} s and {TARGET_MB} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
