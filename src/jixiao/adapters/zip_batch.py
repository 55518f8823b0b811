"""A zip of department workbooks, checked before anything in it is unpacked.

The finance bureau uploads one zip holding many departments' workbooks (the data-set workbook
of ``workbook.py``). Before a byte is unpacked, :func:`check_zip` reads only the zip's central
directory and refuses, with one Chinese problem naming the file and the entry:

- a file that is not a zip, is larger than ``ZipLimits.zip_bytes``, or whose directory lists
  more than ``ZipLimits.entries`` entries (read from the end record before Python lists them);
- an entry whose name is absolute, climbs out (``..``), holds a backslash or a drive letter
  (path traversal), or repeats another entry's name;
- a nested archive (``.zip .7z .rar .gz .tar .xz .bz2``), or anything else that is not an
  ``.xlsx`` workbook — directories and the ``__MACOSX/`` folder macOS adds are ignored;
- an encrypted entry, or one that declares more than ``ZipLimits.workbook_bytes`` unpacked.

:func:`unpack` later copies one entry to a file counting the bytes that really come out (a
crafted header may lie about the size) and stops past the same limit; the workbook's own bomb
check (``xlsx_limits.check_workbook``) then runs before calamine reads it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from jixiao.adapters.xlsx_limits import MB, OLE_MAGIC, directory_size
from jixiao.core.problems import Problem, SourceLocation

ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".xz", ".bz2")
IGNORED = "__MACOSX/"
DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    """What a zip of workbooks may be: its size, its entries and each workbook's size."""

    zip_bytes: int = 200 * MB
    entries: int = 2500
    workbook_bytes: int = 20 * MB  # as the single workbook upload (uploads.MAX_BYTES)


LIMITS = ZipLimits()


class ZipRefused(Exception):
    """The zip is refused whole; ``problem`` names the file and, when one is to blame, the
    entry."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _refuse(name: str, message: str, code: str = "E-ZIP") -> ZipRefused:
    return ZipRefused(Problem(code, message, SourceLocation(name)))


def _entry_problem(entry: str) -> str | None:
    """Why the entry named ``entry`` is refused, if it is."""
    parts = entry.split("/")
    if entry.startswith("/") or "\\" in entry or DRIVE.match(entry) or ".." in parts:
        return f"压缩包内的“{entry}”路径不安全（绝对路径、盘符、反斜杠或“..”），整个压缩包未接收"
    lowered = entry.lower()
    if lowered.endswith(ARCHIVES):
        return f"压缩包内的“{entry}”是压缩包；不接受嵌套的压缩包，请直接放入 .xlsx 工作簿"
    if not lowered.endswith(".xlsx"):
        return f"压缩包内的“{entry}”不是 .xlsx 工作簿；压缩包内只能放部门的填报工作簿"
    return None


def check_zip(path: Path, name: str, limits: ZipLimits = LIMITS) -> list[str]:
    """The names of the workbooks in the zip at ``path``, in name order, read from its
    directory only; :class:`ZipRefused` if anything is wrong (see the module's docstring).
    ``name`` is the file's name as the user knows it."""
    try:
        size = path.stat().st_size
        if size > limits.zip_bytes:
            raise _refuse(name, f"压缩包超过 {limits.zip_bytes // MB} MB", "E-ZIP-TOO-LARGE")
        with path.open("rb") as handle:
            start = handle.read(4)
            if start == OLE_MAGIC or not start.startswith(b"PK"):
                raise zipfile.BadZipFile
            if directory_size(handle) > max(MB, limits.entries * 400):
                raise _too_many(name, limits)
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                entries = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise _refuse(name, "无法读取压缩包：文件不是 .zip 压缩包或已损坏") from error
    if len(entries) > limits.entries:
        raise _too_many(name, limits)
    seen: set[str] = set()
    workbooks: list[str] = []
    for entry in entries:
        entry_name = entry.filename
        if entry.is_dir() or entry_name.startswith(IGNORED):
            continue
        problem = _entry_problem(entry_name)
        if problem is not None:
            raise _refuse(name, problem)
        if entry.flag_bits & 0x1:
            raise _refuse(name, f"压缩包内的“{entry_name}”已加密，请取消密码后再上传")
        if entry.file_size > limits.workbook_bytes:
            raise _refuse(
                name,
                f"压缩包内的“{entry_name}”超过 {limits.workbook_bytes // MB} MB，"
                "不是正常的填报工作簿",
                "E-ZIP-TOO-LARGE",
            )
        folded = entry_name.casefold()
        if folded in seen:
            raise _refuse(name, f"压缩包内有两个“{entry_name}”（名称不区分大小写）")
        seen.add(folded)
        workbooks.append(entry_name)
    if not workbooks:
        raise _refuse(name, "压缩包内没有 .xlsx 工作簿")
    return sorted(workbooks)


def _too_many(name: str, limits: ZipLimits) -> ZipRefused:
    return _refuse(
        name, f"压缩包内的文件超过 {limits.entries} 个，请分成几个压缩包上传", "E-ZIP-TOO-LARGE"
    )


def shown(entry: str) -> str:
    """An entry as messages name it: its name without folders."""
    return posixpath.basename(entry) or entry


def unpack(zip_path: Path, entry: str, target: Path, limits: ZipLimits = LIMITS) -> str | None:
    """Copy the workbook ``entry`` of the zip to ``target``, counting the bytes that really
    come out; None when done, else why not (Chinese)."""
    left = limits.workbook_bytes
    try:
        with (
            zipfile.ZipFile(zip_path) as archive,
            archive.open(entry) as source,
            target.open("wb") as out,
        ):
            while chunk := source.read(MB):
                left -= len(chunk)
                if left < 0:
                    return f"解压后超过 {limits.workbook_bytes // MB} MB，不是正常的填报工作簿"
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, RuntimeError):
        return "无法从压缩包中读取该文件（压缩包已损坏或已加密）"
    except NotImplementedError:
        return "压缩方式不受支持，请用常见的压缩软件重新打包"
    return None
