"""A value that is a number or a qualitative text, stored as a decimal column and a text column.

An indicator's target and actual value, a forecast's values and a published figure are numbers
for a quantitative indicator (``2004.7``) and texts for a qualitative one (``达到预期``, ``优``).
Each is stored as a pair of columns, ``<name>_number`` (:class:`ExactDecimalField`) and
``<name>_text``: a text that writes a number in its plain form goes to the number, anything else
to the text, and a blank value leaves both empty — never both set. The model's ``<name>``
(:class:`NumberOrText`) reads and writes the pair as the one text people see and type, so that a
value reads back exactly as it was written, ``1300.0`` as ``1300.0``:

>>> split("2004.7"), split("达到预期"), split(""), split("1e3")
((Decimal('2004.7'), ''), (None, '达到预期'), (None, ''), (None, '1e3'))
>>> joined(Decimal("1300.0"), ""), joined(None, "达到预期")
('1300.0', '达到预期')

The number column keeps every digit and the exponent in both databases: PostgreSQL's ``numeric``
without a scale keeps the scale it is given, and SQLite — whose ``decimal`` columns keep only 15
significant digits, as floats — holds the number's plain text. Sum it with
:mod:`jixiao.web.records.sums`, never with SQL's ``SUM`` on SQLite (see decision 0020).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, overload

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from jixiao.core.money import LARGEST, SMALLEST_EXPONENT, within_range

# Every number the schema's value columns allow (|x| < 10^15, at most 10 decimals).
MAX_DIGITS = LARGEST.adjusted() - SMALLEST_EXPONENT  # 25
DECIMAL_PLACES = -SMALLEST_EXPONENT  # 10


def number_of(text: str) -> Decimal | None:
    """The number ``text`` writes in its plain form (as ``f"{number:f}"`` writes it back), or
    None: ``"-3.50"`` is a number; ``" 3"``, ``"+3"``, ``"1e3"``, ``"-0"``, ``"３"`` and numbers
    outside the core's range stay texts, so that the text reads back exactly as it was.

    >>> number_of("-3.50"), number_of("+3"), number_of("0.1234567891"), number_of("0.12345678912")
    (Decimal('-3.50'), None, Decimal('0.1234567891'), None)
    """
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or not isinstance(exponent, int)
        or exponent < SMALLEST_EXPONENT
        or not within_range(value)
        or (value.is_zero() and value.is_signed())  # PostgreSQL has no -0
        or f"{value:f}" != text
    ):
        return None
    return value


def split(value: Decimal | str | None) -> tuple[Decimal | None, str]:
    """A value as its (number, text) columns: a number written plainly goes to the number."""
    if value is None:
        return None, ""
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    number = number_of(text)
    return (number, "") if number is not None else (None, text)


def joined(number: Decimal | None, text: str) -> str:
    """The (number, text) columns as the one text they store (blank: ``""``)."""
    return f"{number:f}" if number is not None else text


class NumberOrText(property):
    """The value ``<name>`` of a model with the fields ``<name>_number`` and ``<name>_text``,
    read and written as its text. A property, so that the model takes it as a keyword
    (``Indicator(actual="19")``) and forms, mappings and audits name it as one field."""

    def __init__(self, name: str) -> None:
        number, text = f"{name}_number", f"{name}_text"

        def read(row: models.Model) -> str:
            return joined(getattr(row, number), getattr(row, text))

        def write(row: models.Model, value: Decimal | str | None) -> None:
            parts = split(value)
            setattr(row, number, parts[0])
            setattr(row, text, parts[1])

        super().__init__(read, write, doc=f"{name} as a text: {number} or {text}")
        self.name = name
        self.number_field = number
        self.text_field = text

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> NumberOrText: ...
    @overload
    def __get__(self, instance: models.Model, owner: type | None = None) -> str: ...
    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        return super().__get__(instance, owner)


class ExactDecimalField(models.DecimalField):  # type: ignore[type-arg]
    """A decimal stored exactly, with its exponent (``1300.0`` stays ``1300.0``).

    ``max_digits`` and ``decimal_places`` check forms and ``full_clean``; the column takes any
    decimal: ``numeric`` on PostgreSQL (exact, keeping the scale given), the plain text of the
    number on SQLite, which would otherwise keep 15 significant digits as a float. On SQLite a
    comparison or ``SUM`` in SQL is therefore not numeric: sum with ``records.sums``."""

    def get_internal_type(self) -> str:
        return "ExactDecimalField"  # not DecimalField: SQLite's converter reads floats

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            return "numeric"
        if connection.vendor == "sqlite":
            return "text"
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "sqlite" and isinstance(value, Decimal):
            return f"{value:f}"
        return value

    def from_db_value(
        self, value: Any, _expression: Any, _connection: BaseDatabaseWrapper
    ) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, float):  # an aggregate SQLite computed in floats
            return self.context.create_decimal_from_float(value)
        return Decimal(value)
