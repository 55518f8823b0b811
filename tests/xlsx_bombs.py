"""Workbooks that attack a reader — too large unpacked, too many rows, a huge cell — written
streaming, so that building one costs little more than its compressed size."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook

SHEET_HEAD = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"
MB = 1024 * 1024


def _skeleton(sheet: str) -> zipfile.ZipFile:
    book = Workbook()
    assert book.active is not None
    book.active.title = sheet
    buffer = io.BytesIO()
    book.save(buffer)
    return zipfile.ZipFile(buffer)


def one_sheet(
    path: Path, sheet: str, rows: Iterable[bytes], *, extra_entries: int = 0, level: int = 1
) -> None:
    """A workbook whose one sheet, ``sheet``, holds ``rows`` (``<row>`` elements) as its data."""
    skeleton = _skeleton(sheet)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name in skeleton.namelist():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, skeleton.read(name))
                continue
            with archive.open(name, "w") as stream:
                stream.write(SHEET_HEAD)
                for row in rows:
                    stream.write(row)
                stream.write(SHEET_TAIL)
        for number in range(extra_entries):
            archive.writestr(f"customXml/item{number}.xml", b"")


def numbered_rows(count: int, start: int = 1) -> Iterator[bytes]:
    """``count`` rows with one number each, in batches."""
    for first in range(start, start + count, 10_000):
        last = min(first + 10_000, start + count)
        yield b"".join(
            b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(first, last)
        )


def text_cell(reference: str, megabytes: int = 0, characters: int = 0) -> Iterator[bytes]:
    """One row holding, at ``reference``, a text of ``megabytes`` MB or ``characters`` 字."""
    row = int("".join(c for c in reference if c.isdigit()))
    yield b'<row r="%d"><c r="%s" t="inlineStr"><is><t>' % (row, reference.encode())
    for _ in range(megabytes):
        yield b"x" * MB
    yield "字".encode() * characters
    yield b"</t></is></c></row>"


def declare_size(path: Path, part: str, size: int) -> None:
    """Make the zip's headers declare ``size`` bytes for ``part`` — a lie, as in a crafted file."""
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo(part)
        offset = entry.header_offset
    data = bytearray(path.read_bytes())
    struct.pack_into("<L", data, offset + 22, size)  # the local header
    directory = data.rfind(b"PK\x05\x06")
    (start,) = struct.unpack_from("<L", data, directory + 16)
    while data[start : start + 4] == b"PK\x01\x02":
        name_length, extra, comment = struct.unpack_from("<3H", data, start + 28)
        if data[start + 46 : start + 46 + name_length] == part.encode():
            struct.pack_into("<L", data, start + 24, size)
        start += 46 + name_length + extra + comment
    path.write_bytes(bytes(data))


def set_inline_text(path: Path, part: str, reference: str, text: str) -> None:
    """Rewrite a small workbook so that the inline text at ``reference`` in ``part`` is
    ``text`` — which may be longer than openpyxl, like Excel, would ever write."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    cell = re.compile(rb'(<c r="%s" t="inlineStr"><is><t>)[^<]*' % reference.encode())
    contents[part], found = cell.subn(lambda m: m.group(1) + text.encode(), contents[part])
    assert found == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def wide_rows(count: int, characters: int) -> Iterator[bytes]:
    """``count`` rows each holding a text of ``characters`` letters: within every limit on rows
    and cells, but ``count × characters`` bytes in all."""
    text = b"x" * characters
    for number in range(1, count + 1):
        yield b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (
            number,
            number,
            text,
        )
