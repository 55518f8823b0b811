"""The core's result records as JSON and back, exactly — how the web application stores an
evaluation once per change and reads it on every page without computing it again.

The records are described by their type hints, so one pair of functions serves every record the
core returns (an ``Evaluation``, a month's ``MonthlyMonitoring``, a ``Problem``), and a field a
later version adds needs nothing here. What a hint may be, and how it is written:

=====================================  ===========================================================
frozen dataclass                       an object of its fields
``Decimal``                            its string, so ``Decimal("0.10")`` comes back as ``0.10``
``str``, ``int``, ``bool``, ``None``   themselves
``date``                               ISO 8601, ``"2023-12-31"``
an ``Enum``                            the member's name (``"ERROR"``), whatever its value
``tuple[X, ...]``, ``tuple[X, Y]``     a list
``frozenset[X]``                       a sorted list
``dict[K, V]``, ``Mapping[K, V]``      a list of ``[key, value]`` pairs, so keys keep their type
``X | Y | None``                       ``null``, or ``{"type": "Decimal", "value": "1300"}``
                                       when more than one kind of value is possible
=====================================  ===========================================================

Anything else (``Any``, a list, a callable) is refused when it is met, naming the field. A
stored result that no longer matches its records (an older version wrote it) fails to decode
with :class:`StoredShapeChanged`; the caller computes the result again.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar, cast

JSON = None | bool | int | str | list["JSON"] | dict[str, "JSON"]
T = TypeVar("T")


class StoredShapeChanged(ValueError):
    """A stored document does not fit the record type it should be read as."""


Encoder = Callable[[Any], JSON]
Decoder = Callable[[JSON], Any]


def encode(value: object, hint: object) -> JSON:
    """``value``, a value of type ``hint``, as JSON data."""
    return _encoder(hint)(value)


def decode(hint: type[T], data: JSON) -> T:
    """The value of type ``hint`` that :func:`encode` wrote as ``data``."""
    try:
        return cast(T, _decoder(cast(Any, hint))(data))
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise StoredShapeChanged(f"{getattr(hint, '__name__', hint)}: {error}") from error


# Each type's encoder and decoder are made once from its hints and kept: a result of a few
# thousand records is written and read without looking at a type hint again.


@cache
def _encoder(hint: object) -> Encoder:
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _union_encoder(arguments)
    if hint is type(None):
        return _none
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record_encoder(hint)
    if origin is tuple:
        return _tuple_encoder(arguments)
    if origin is frozenset:
        item = _encoder(arguments[0])
        return lambda value: sorted((item(i) for i in value), key=repr)
    if origin in (dict, Mapping):
        key, item = _encoder(arguments[0]), _encoder(arguments[1])
        return lambda value: [[key(k), item(v)] for k, v in value.items()]
    return _scalar_encoder(hint)


@cache
def _decoder(hint: object) -> Decoder:
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _union_decoder(arguments)
    if hint is type(None):
        return _null
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record_decoder(hint)
    if origin is tuple:
        return _tuple_decoder(arguments)
    if origin is frozenset:
        item = _decoder(arguments[0])
        return lambda data: frozenset(item(i) for i in cast(list[JSON], data))
    if origin in (dict, Mapping):
        key, item = _decoder(arguments[0]), _decoder(arguments[1])
        return lambda data: {key(k): item(v) for k, v in cast(list[list[JSON]], data)}
    return _scalar_decoder(hint)


def _none(_value: object) -> JSON:
    return None


def _null(data: JSON) -> None:
    if data is not None:
        raise TypeError(f"expected null, found {data!r}")


def _record_encoder(record: type) -> Encoder:
    fields: list[tuple[str, Encoder]] = []  # filled at the first use: records may nest

    def encode_record(value: Any) -> JSON:
        if not fields:  # built whole, then put in one step: threads may race here harmlessly
            fields[:] = [(name, _encoder(h)) for name, h in _field_hints(record).items()]
        return {name: encode_field(getattr(value, name)) for name, encode_field in fields}

    return encode_record


def _record_decoder(record: type) -> Decoder:
    fields: list[tuple[str, Decoder]] = []

    def decode_record(data: JSON) -> Any:
        if not fields:  # built whole, then put in one step: threads may race here harmlessly
            fields[:] = [(name, _decoder(h)) for name, h in _field_hints(record).items()]
        given = cast(dict[str, JSON], data)
        if len(given) != len(fields):
            names = [name for name, _decode in fields]
            raise KeyError(f"fields {sorted(given)} are not {sorted(names)}")
        return record(**{name: decode_field(given[name]) for name, decode_field in fields})

    return decode_record


def _tuple_encoder(arguments: tuple[object, ...]) -> Encoder:
    if len(arguments) == 2 and arguments[1] is Ellipsis:
        item = _encoder(arguments[0])
        return lambda value: [item(i) for i in value]
    items = [_encoder(a) for a in arguments]

    def encode_fixed(value: Any) -> JSON:
        if len(value) != len(items):
            raise TypeError(f"{value!r} does not have {len(items)} items")
        return [e(i) for e, i in zip(items, value, strict=True)]

    return encode_fixed


def _tuple_decoder(arguments: tuple[object, ...]) -> Decoder:
    if len(arguments) == 2 and arguments[1] is Ellipsis:
        item = _decoder(arguments[0])
        return lambda data: tuple(item(i) for i in cast(list[JSON], data))
    items = [_decoder(a) for a in arguments]

    def decode_fixed(data: JSON) -> Any:
        given = cast(list[JSON], data)
        if len(given) != len(items):
            raise TypeError(f"expected {len(items)} items, found {len(given)}")
        return tuple(d(i) for d, i in zip(items, given, strict=True))

    return decode_fixed


def _union_encoder(members: tuple[object, ...]) -> Encoder:
    kinds = [member for member in members if member is not type(None)]
    if len(kinds) == 1:
        only = _encoder(kinds[0])
        return lambda value: None if value is None else only(value)
    tagged = [(member, _name(member), _encoder(member)) for member in kinds]

    def encode_tagged(value: Any) -> JSON:
        if value is None:
            return None
        for member, name, encode_member in tagged:
            if _is_instance(value, member):
                return {"type": name, "value": encode_member(value)}
        raise TypeError(f"{value!r} is none of {kinds!r}")

    return encode_tagged


def _union_decoder(members: tuple[object, ...]) -> Decoder:
    optional = type(None) in members
    kinds = [member for member in members if member is not type(None)]
    by_name = {_name(member): _decoder(member) for member in kinds}
    only = _decoder(kinds[0]) if len(kinds) == 1 else None

    def decode_union(data: JSON) -> Any:
        if data is None:
            if not optional:
                raise TypeError("null where a value is required")
            return None
        if only is not None:
            return only(data)
        tagged = cast(dict[str, JSON], data)
        decode_member = by_name.get(cast(str, tagged["type"]))
        if decode_member is None:
            raise TypeError(f"no member {tagged['type']!r} among {kinds!r}")
        return decode_member(tagged["value"])

    return decode_union


def _scalar_encoder(hint: object) -> Encoder:
    def refuse(value: object) -> JSON:
        raise TypeError(f"cannot store {value!r} as {hint!r}")

    if hint is Decimal:
        return lambda value: str(value) if isinstance(value, Decimal) else refuse(value)
    if hint is date:
        return lambda value: value.isoformat() if isinstance(value, date) else refuse(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        enum_type = hint
        return lambda value: value.name if isinstance(value, enum_type) else refuse(value)
    if hint is str:  # a str-valued enum member is stored as its text
        return lambda value: str.__str__(value) if isinstance(value, str) else refuse(value)
    if hint in (int, bool):
        return lambda value: value if type(value) is hint else refuse(value)
    return refuse


def _scalar_decoder(hint: object) -> Decoder:
    def refuse(data: JSON) -> Any:
        raise TypeError(f"{data!r} is not a stored {hint!r}")

    if hint is Decimal:
        return lambda data: Decimal(data) if isinstance(data, str) else refuse(data)
    if hint is date:
        return lambda data: date.fromisoformat(data) if isinstance(data, str) else refuse(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = hint.__members__
        return lambda data: members[data] if isinstance(data, str) else refuse(data)
    if hint in (str, int, bool):
        return lambda data: data if type(data) is hint else refuse(data)
    return refuse


def _is_instance(value: object, hint: object) -> bool:
    checked = typing.get_origin(hint) or hint
    if checked is Mapping:
        checked = dict
    if checked is int:
        return type(value) is int
    return isinstance(checked, type) and isinstance(value, checked)


def _name(hint: object) -> str:
    return getattr(hint, "__name__", None) or repr(hint)


def shape_digest(*records: type) -> str:
    """The SHA-256 of the shape of ``records`` and every record they hold: their fields' names
    and types. A stored document written for another shape is computed again, not misread."""
    seen: dict[str, str] = {}

    def describe(hint: object) -> str:
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            name = f"{hint.__module__}.{hint.__qualname__}"
            if name not in seen:
                seen[name] = ""
                fields = _field_hints(hint)
                seen[name] = ",".join(f"{key}:{describe(value)}" for key, value in fields.items())
            return name
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return f"{hint.__qualname__}[{','.join(hint.__members__)}]"
        arguments = typing.get_args(hint)
        if arguments:
            inner = ",".join(describe(a) for a in arguments)
            return f"{_name(typing.get_origin(hint))}[{inner}]"
        return _name(hint)

    roots = [describe(record) for record in records]
    text = repr((roots, sorted(seen.items())))
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _field_hints(record: type) -> dict[str, object]:
    """The fields a record is built from, with their resolved types."""
    resolved = typing.get_type_hints(record)
    return {f.name: resolved[f.name] for f in dataclasses.fields(record) if f.init}
