"""Looking inside an .xlsx before python-calamine reads it, so that a workbook bomb is refused in
a fraction of a second instead of holding the process for minutes and gigabytes.

calamine decompresses a sheet whole and lays its cells out as one dense rectangle from A1 to the
last cell, so three kinds of small file are dangerous: a zip whose parts decompress to hundreds
of megabytes (one huge cell, or a million rows), a sheet with more rows or columns than any data
set needs (a single cell at XFD1048576 makes a rectangle of 17 billion cells), and a zip with
hundreds of thousands of entries (Python's ``zipfile`` alone then takes seconds and hundreds of
megabytes to list them). ``check_workbook`` streams every part through the decompressor with a
cap — counting the bytes that really come out, not the sizes the headers declare, which a crafted
file may falsify — and reads the cell references of every sheet as they pass, stopping at the
first limit crossed. It reports one ``Problem`` in Chinese naming the file, the sheet and the
limit; a file that is not a zip at all, or a corrupt one, gets a plain Chinese message too, never
the decompressor's own English.

Each reading path chooses its ``WorkbookLimits``: the data-set workbook (``workbook.py``) and the
transaction ledger (``ledger.py``) have very different sizes; see docs/dataset-format.md.
"""

from __future__ import annotations

import copy
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from openpyxl.utils import get_column_letter

from jixiao.core.problems import Problem, SourceLocation

EXCEL_CELL_CHARS = 32_767  # the most characters an Excel cell holds
MB = 1024 * 1024
CHUNK = MB
LONG_RUN = 4 * MB  # bytes without a tag: no cell of 32,767 characters is that long
DIRECTORY_BYTES = MB  # the zip's central directory: ~80 bytes an entry
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET = RELATIONSHIPS + "/worksheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"

# A cell tag as spreadsheet programs write it, after its reference: its other attributes, then
# ``/>`` (a cell without a value, which calamine skips; group "/") or ``>``.
_PLAIN_REST = rb"""(?: (?:s|t|cm|vm|ph)="[^"<>]*")*(/?)>"""
OTHER_CELL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Za-z]{1,3}\d{1,7}"' + _PLAIN_REST + b")")
TAG = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)(>)?""")
REFERENCE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
CELL_REFERENCE = re.compile(rb"^([A-Za-z]*)(\d+)$")
PREFIXED = re.compile(rb":(?:c|row)[\s/>]")


@dataclass(frozen=True)
class WorkbookLimits:
    """What one reading path accepts: bytes after decompression, rows and columns per sheet
    (the last row and column holding a value), characters per cell and entries in the zip."""

    unpacked_bytes: int
    rows: int
    columns: int
    cell_chars: int = EXCEL_CELL_CHARS
    entries: int = 1000

    def unpacked_label(self) -> str:
        return f"{self.unpacked_bytes // MB} MB"


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def not_a_workbook(name: str) -> Problem:
    """The problem for a file calamine cannot open, whatever its own (English) error said."""
    return Problem(
        "E-WORKBOOK",
        "无法读取工作簿：文件不是 .xlsx 工作簿或已损坏，请在 Excel 中打开后另存为 .xlsx 再导入",
        SourceLocation(name),
    )


def long_cell(name: str, sheet: str, cell: str, limits: WorkbookLimits, outcome: str) -> Problem:
    """The problem for a cell longer than Excel allows, at its cell; ``outcome`` says what was
    left unread."""
    return Problem(
        "E-CELL-TOO-LONG",
        f"超过 {limits.cell_chars} 个字符（Excel 单元格的上限），{outcome}",
        SourceLocation(name, sheet=sheet, cell=cell),
    )


def check_workbook(path: Path, name: str, limits: WorkbookLimits) -> Problem | None:
    """None when the workbook at ``path`` is within ``limits``; else the first problem found.

    ``name`` is the file's name as the user knows it (an upload is stored under a token)."""
    try:
        with path.open("rb") as handle:
            _check_container(handle, limits)
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                _check_archive(archive, limits)
    except _Refused as refused:
        return Problem(refused.code, refused.message, SourceLocation(name))
    except FileNotFoundError:
        return Problem("E-FILE-MISSING", "文件不存在", SourceLocation(name))
    except (IsADirectoryError, PermissionError):
        return Problem("E-WORKBOOK", "无法打开文件：不是文件，或没有读取权限", SourceLocation(name))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        return not_a_workbook(name)
    except NotImplementedError:  # a compression method Python lacks (so calamine does too)
        return Problem(
            "E-WORKBOOK",
            "无法读取工作簿：压缩方式不受支持，请在 Excel 中打开后另存为 .xlsx 再导入",
            SourceLocation(name),
        )
    except RuntimeError:  # an encrypted entry
        return Problem(
            "E-WORKBOOK", "无法读取工作簿：工作簿已加密，请取消密码后再导入", SourceLocation(name)
        )
    return None


def _check_container(handle: BinaryIO, limits: WorkbookLimits) -> None:
    """A zip, and one whose directory is small enough to list quickly."""
    start = handle.read(4)
    if start == OLE_MAGIC:
        raise _Refused(
            "E-WORKBOOK",
            "无法读取工作簿：这是旧版 .xls 或设有密码的工作簿，"
            "请在 Excel 中另存为不设密码的 .xlsx 再导入",
        )
    if not start.startswith(b"PK"):
        raise zipfile.BadZipFile
    if directory_size(handle) > max(DIRECTORY_BYTES, limits.entries * 100):
        raise _too_many_entries(limits)


def _too_many_entries(limits: WorkbookLimits) -> _Refused:
    return _Refused(
        "E-WORKBOOK-TOO-LARGE", f"工作簿内的文件超过 {limits.entries} 个，不是正常的 .xlsx 工作簿"
    )


def directory_size(handle: BinaryIO) -> int:
    """The size of the zip's central directory, from its end record (zip64 too)."""
    size = handle.seek(0, 2)
    handle.seek(max(0, size - 22 - 65_535))
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise zipfile.BadZipFile
    entries, directory = struct.unpack("<HL", tail[at + 10 : at + 16])
    if entries != 0xFFFF and directory != 0xFFFFFFFF:
        return int(directory)
    locator = tail[at - 20 : at] if at >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        raise zipfile.BadZipFile
    (record,) = struct.unpack("<Q", locator[8:16])
    handle.seek(record)
    zip64 = handle.read(56)
    if len(zip64) < 56 or not zip64.startswith(b"PK\x06\x06"):
        raise zipfile.BadZipFile
    (directory64,) = struct.unpack("<Q", zip64[40:48])
    return int(directory64)


def _check_archive(archive: zipfile.ZipFile, limits: WorkbookLimits) -> None:
    entries = archive.infolist()
    if len(entries) > limits.entries:
        raise _too_many_entries(limits)
    too_large = _Refused("E-WORKBOOK-TOO-LARGE", f"工作簿解压后超过 {limits.unpacked_label()}")
    if sum(entry.file_size for entry in entries) > limits.unpacked_bytes:
        raise too_large
    sheets = _sheet_names(archive)
    budget = _Budget(limits.unpacked_bytes, too_large)
    for entry in entries:
        _scan(archive, entry, sheets.get(entry.filename), limits, budget)


@dataclass
class _Budget:
    """The bytes still allowed out of the decompressor, over all parts."""

    left: int
    refusal: _Refused

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise self.refusal


class _Extent:
    """The last row and column holding a value in one sheet, checked against the limits."""

    def __init__(self, sheet: str | None, part: str, limits: WorkbookLimits) -> None:
        self.sheet = sheet or part  # a part that is no listed sheet is named by its path
        self.named = sheet is not None
        self.limits = limits

    def row(self, number: int) -> None:
        if number > self.limits.rows:
            raise _Refused("E-SHEET-TOO-LARGE", f"“{self.sheet}”表超过 {self.limits.rows} 行")

    def column(self, number: int) -> None:
        if number > self.limits.columns:
            last = get_column_letter(self.limits.columns)
            raise _Refused(
                "E-SHEET-TOO-LARGE",
                f"“{self.sheet}”表超过 {self.limits.columns} 列（最后一列为 {last} 列）",
            )

    def cells(self, count: int) -> None:
        """More value cells than rows × columns can only be cells written twice over."""
        most = self.limits.rows * self.limits.columns
        if count > most:
            raise _Refused("E-SHEET-TOO-LARGE", f"“{self.sheet}”表的单元格超过 {most} 个")

    def long_text(self) -> _Refused:
        where = f"“{self.sheet}”表中有单元格" if self.named else "工作簿中有文字"
        return _Refused(
            "E-CELL-TOO-LONG", f"{where}超过 {self.limits.cell_chars} 个字符（Excel 单元格的上限）"
        )


def _pieces(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: _Budget, extent: _Extent
) -> Iterator[bytes]:
    """The part's bytes in pieces that each end just before a ``<``, so that no reference
    (``<c r="A1"``) is ever cut in two; the budget counts what really comes out. A run of
    megabytes without a ``<`` is a giant text (or tag) and is refused as it grows."""
    with archive.open(_undeclared(entry)) as stream:
        tail = b""
        while chunk := stream.read(CHUNK):
            budget.spend(len(chunk))
            text = tail + chunk
            cut = text.rfind(b"<")
            if cut < 0:
                text, cut = b"", 0  # plain text: nothing in it to scan or keep
            tail = text[cut:]
            if len(tail) > LONG_RUN:
                raise extent.long_text()
            if cut:
                yield text[:cut]
        yield tail


def _undeclared(entry: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """``entry`` without its declared size, which a crafted file may understate: ``zipfile``
    would stop there (and report a bad checksum) while calamine reads on to the real end."""
    unbounded = copy.copy(entry)
    unbounded.file_size = 1 << 62
    return unbounded


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _scan(
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    sheet: str | None,
    limits: WorkbookLimits,
    budget: _Budget,
) -> None:
    """Check one part: the fast way when it is written as Excel, WPS, LibreOffice and openpyxl
    write sheets, else (after giving back what the fast try spent) tag by tag."""
    extent = _Extent(sheet, entry.filename, limits)
    left = budget.left
    if not _scan_fast(_pieces(archive, entry, budget, extent), extent):
        budget.left = left
        _scan_slow(_pieces(archive, entry, budget, extent), extent)


def _scan_fast(pieces: Iterator[bytes], extent: _Extent) -> bool:
    """Every cell tag is ``<c r="A1" s="…" t="…">`` — its reference first and only once, plain
    attribute values, no namespace prefix — as Excel, WPS, LibreOffice and openpyxl write it:
    then only references with many digits or letters need a look, found by searches at memory
    speed. False as soon as a piece is written otherwise."""
    limits = extent.limits
    rows = re.compile(rb'<c r="[A-Za-z]*(\d{%d,})"' % len(str(limits.rows)) + _PLAIN_REST)
    width = len(get_column_letter(limits.columns))
    columns = re.compile(rb'<c r="([A-Za-z]{%d,})\d+"' % width + _PLAIN_REST)
    for text in pieces:
        if OTHER_CELL.search(text) or PREFIXED.search(text):
            return False
        for match in rows.finditer(text):
            if not match.group(2):
                extent.row(int(match.group(1)))
        for match in columns.finditer(text):
            if not match.group(2):
                extent.column(_column_number(match.group(1)))
    return True


def _scan_slow(pieces: Iterator[bytes], extent: _Extent) -> None:
    """Follow every row and cell tag as calamine does: a cell at its reference (the last one if
    it has several), else the next cell of the row; a row at its reference, else the next row."""
    row = column = cells = 0
    carried = b""
    for piece in pieces:
        text = carried + piece
        carried = b""
        for match in TAG.finditer(text):
            name, attributes, closing = match.groups()
            if closing is None:  # the tag goes on in the next piece
                carried = text[match.start() :]
                break
            references = [a or b for a, b in REFERENCE.findall(attributes)]
            if name == b"row":
                row = int(references[-1]) if references and references[-1].isdigit() else row + 1
                column = 0
                continue
            column += 1
            for reference in references:
                parts = CELL_REFERENCE.match(reference)
                if parts is None:
                    raise zipfile.BadZipFile  # calamine refuses such a reference too
                column = _column_number(parts.group(1)) if parts.group(1) else column
                row = int(parts.group(2))
            if not attributes.endswith(b"/"):  # a self-closing cell holds no value
                extent.row(row)
                extent.column(column)
                cells += 1
                extent.cells(cells)
        if len(carried) > LONG_RUN:
            raise extent.long_text()


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet names by the path of their part, from xl/workbook.xml and its relationships; empty
    when these are missing or odd (parts are then named by their path)."""
    try:
        book = _small_xml(archive, "xl/workbook.xml")
        relations = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, ElementTree.ParseError, _Refused, zipfile.BadZipFile, zlib.error):
        return {}
    targets = {
        item.get("Id"): item.get("Target", "")
        for item in relations
        if item.get("Type", "") == WORKSHEET
    }
    names: dict[str, str] = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") and sheet.get(f"{{{RELATIONSHIPS}}}id") in targets:
            target = targets[sheet.get(f"{{{RELATIONSHIPS}}}id")]
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            names[posixpath.normpath(part)] = (sheet.get("name") or "").strip()
    return names


def _small_xml(archive: zipfile.ZipFile, part: str) -> ElementTree.Element:
    with archive.open(_undeclared(archive.getinfo(part))) as stream:
        data = stream.read(DIRECTORY_BYTES + 1)
    if len(data) > DIRECTORY_BYTES:
        raise _Refused("E-WORKBOOK", part)
    return ElementTree.fromstring(data)
