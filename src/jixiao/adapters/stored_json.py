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
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar, cast

JSON = None | bool | int | str | list["JSON"] | dict[str, "JSON"]
T = TypeVar("T")


class StoredShapeChanged(ValueError):
    """A stored document does not fit the record type it should be read as."""


def encode(value: object, hint: object) -> JSON:
    """``value``, a value of type ``hint``, as JSON data."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _encode_union(value, typing.get_args(hint))
    if hint is type(None):
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _field_hints(hint)
        return {name: encode(getattr(value, name), field) for name, field in hints.items()}
    if origin is tuple:
        return [encode(item, item_hint) for item, item_hint in _tuple_items(value, hint)]
    if origin is frozenset:
        (item_hint,) = typing.get_args(hint)
        return sorted((encode(item, item_hint) for item in cast(frozenset[Any], value)), key=repr)
    if origin in (dict, Mapping):
        key_hint, value_hint = typing.get_args(hint)
        return [
            [encode(key, key_hint), encode(item, value_hint)]
            for key, item in cast(Mapping[Any, Any], value).items()
        ]
    return _encode_scalar(value, hint)


def decode(hint: type[T], data: JSON) -> T:
    """The value of type ``hint`` that :func:`encode` wrote as ``data``."""
    try:
        return cast(T, _decode(hint, data))
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise StoredShapeChanged(f"{getattr(hint, '__name__', hint)}: {error}") from error


def _decode(hint: object, data: JSON) -> object:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(typing.get_args(hint), data)
    if hint is type(None):
        if data is not None:
            raise TypeError(f"expected null, found {data!r}")
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = cast(dict[str, JSON], data)
        hints = _field_hints(hint)
        if set(fields) != set(hints):
            raise KeyError(f"fields {sorted(fields)} are not {sorted(hints)}")
        return hint(**{name: _decode(field, fields[name]) for name, field in hints.items()})
    if origin is tuple:
        items = cast(list[JSON], data)
        arguments = typing.get_args(hint)
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return tuple(_decode(arguments[0], item) for item in items)
        if len(arguments) != len(items):
            raise TypeError(f"expected {len(arguments)} items, found {len(items)}")
        return tuple(_decode(a, item) for a, item in zip(arguments, items, strict=True))
    if origin is frozenset:
        (item_hint,) = typing.get_args(hint)
        return frozenset(_decode(item_hint, item) for item in cast(list[JSON], data))
    if origin in (dict, Mapping):
        key_hint, value_hint = typing.get_args(hint)
        pairs = cast(list[list[JSON]], data)
        return {_decode(key_hint, key): _decode(value_hint, item) for key, item in pairs}
    return _decode_scalar(hint, data)


def _encode_scalar(value: object, hint: object) -> JSON:
    if hint is Decimal and isinstance(value, Decimal):
        return str(value)
    if hint is date and isinstance(value, date):
        return value.isoformat()
    if isinstance(hint, type) and issubclass(hint, enum.Enum) and isinstance(value, hint):
        return value.name
    if hint is str and isinstance(value, str):  # a str-valued enum member is stored as its text
        return str.__str__(value)
    if hint in (int, bool) and type(value) is hint:
        return cast(JSON, value)
    raise TypeError(f"cannot store {value!r} as {hint!r}")


def _decode_scalar(hint: object, data: JSON) -> object:
    if hint is Decimal and isinstance(data, str):
        return Decimal(data)
    if hint is date and isinstance(data, str):
        return date.fromisoformat(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum) and isinstance(data, str):
        return hint[data]
    if hint in (str, int, bool) and type(data) is hint:
        return data
    raise TypeError(f"{data!r} is not a stored {hint!r}")


def _encode_union(value: object, members: tuple[object, ...]) -> JSON:
    if value is None:
        return None
    kinds = [member for member in members if member is not type(None)]
    if len(kinds) == 1:
        return encode(value, kinds[0])
    for member in kinds:
        if _is_instance(value, member):
            return {"type": _name(member), "value": encode(value, member)}
    raise TypeError(f"{value!r} is none of {kinds!r}")


def _decode_union(members: tuple[object, ...], data: JSON) -> object:
    if data is None:
        if type(None) not in members:
            raise TypeError("null where a value is required")
        return None
    kinds = [member for member in members if member is not type(None)]
    if len(kinds) == 1:
        return _decode(kinds[0], data)
    tagged = cast(dict[str, JSON], data)
    for member in kinds:
        if _name(member) == tagged["type"]:
            return _decode(member, tagged["value"])
    raise TypeError(f"no member {tagged['type']!r} among {kinds!r}")


def _is_instance(value: object, hint: object) -> bool:
    checked = typing.get_origin(hint) or hint
    if checked is Mapping:
        checked = dict
    if checked is int:
        return type(value) is int
    return isinstance(checked, type) and isinstance(value, checked)


def _name(hint: object) -> str:
    return getattr(hint, "__name__", None) or repr(hint)


def _tuple_items(value: object, hint: object) -> list[tuple[object, object]]:
    items = list(cast(tuple[Any, ...], value))
    arguments = typing.get_args(hint)
    if len(arguments) == 2 and arguments[1] is Ellipsis:
        return [(item, arguments[0]) for item in items]
    if len(arguments) != len(items):
        raise TypeError(f"{value!r} does not have {len(arguments)} items")
    return list(zip(items, arguments, strict=True))


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
