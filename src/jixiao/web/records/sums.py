"""Exact sums of amounts and numbers over many self-evaluations, in both databases.

The finance bureau's overview adds up hundreds of departments. PostgreSQL sums ``numeric``
exactly, so there the database adds. SQLite would add in floats — a thousand rows of 0.10 元
after three of 123,456,789,012.34 元 come to 370,370,367,136.9956 rather than
370,370,367,137.02 — so there the rows' exact ``Decimal``s are added in Python (an amount reads
back exactly: it has at most 14 digits, within the 15 SQLite keeps; a value's number is stored
as its text, see ``records.numbers``). Any other database adds in Python too.

For example ``exact_sum(Project.objects.filter(evaluation__fiscal_year=2023), "spent")`` is the
year's spending of every department, and ``exact_sums_by(Indicator.objects.filter(code="I102"),
"actual", "evaluation__department__code")`` an indicator's actual value by department.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Any

from django.db import connections, models

from jixiao.web.records.numbers import NumberOrText

ZERO = Decimal(0)
# Wide enough for any sum of the schema's numbers (25 digits) over millions of rows; a sum that
# would still be rounded raises rather than comes out wrong.
EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, Overflow])


def number_field(rows: models.QuerySet[Any], name: str) -> str:
    """The decimal field to sum: a value that is a number or a text (``actual``) is summed over
    its number (``actual_number``); its texts are not numbers and count for nothing."""
    value = getattr(rows.model, name, None)
    return value.number_field if isinstance(value, NumberOrText) else name


def _in_database(rows: models.QuerySet[Any]) -> bool:
    return connections[rows.db].vendor == "postgresql"


def _add(values: Iterable[Decimal | None]) -> Decimal:
    total = ZERO
    for value in values:
        if value is not None:
            total = EXACT.add(total, value)
    return total


def exact_sum(rows: models.QuerySet[Any], field: str) -> Decimal:
    """The exact sum of ``field`` over ``rows`` (0 for none); blanks count for nothing."""
    name = number_field(rows, field)
    if _in_database(rows):
        total = rows.aggregate(total=models.Sum(name))["total"]
        return Decimal(total) if total is not None else ZERO
    return _add(rows.values_list(name, flat=True).iterator(chunk_size=2000))


def exact_sums_by(rows: models.QuerySet[Any], field: str, by: str) -> dict[Hashable, Decimal]:
    """The exact sum of ``field`` for each value of ``by`` (a department's code, a year), in
    no particular order; a group whose rows are all blank sums to 0."""
    name = number_field(rows, field)
    if _in_database(rows):
        grouped = rows.order_by().values(by).annotate(total=models.Sum(name)).order_by(by)
        return {
            group[by]: Decimal(group["total"]) if group["total"] is not None else ZERO
            for group in grouped
        }
    totals: dict[Hashable, Decimal] = {}
    for key, value in rows.order_by(by).values_list(by, name).iterator(chunk_size=2000):
        totals[key] = _add((totals.get(key, ZERO), value))
    return totals
