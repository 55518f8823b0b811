"""Several aggregates over several tables in one statement: what a page keeps its fragments
under is read in one round trip to the database, not one per table (the bureau's overview at
2,000 departments on PostgreSQL: ``bureau.overview.Versions``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

Part = tuple[QuerySet[Any], tuple[str, ...]]


def aggregated_together(parts: Sequence[Part]) -> list[tuple[Any, ...]]:
    """Each part's aggregates over its rows, in one statement; one tuple per part.

    A part is ``(rows, aggregates)``: ``rows`` a ``values()`` queryset naming its columns
    (``Transition.objects.filter(…).values(stamp=F("at"))``), ``aggregates`` SQL over those
    names (``("COUNT(*)", "MAX(stamp)")``; a ``%`` is the operator). The statement is a
    cross join of one-row derived tables — ``SELECT * FROM (SELECT COUNT(*), MAX(stamp) FROM
    (…) s) p0, (…) p1`` —, valid on SQLite and PostgreSQL. Values come back as the database
    driver gives them (a date and time is text on SQLite): keys, not figures."""
    tables: list[str] = []
    params: list[Any] = []
    for number, (rows, aggregates) in enumerate(parts):
        sql, more = rows.order_by().query.sql_with_params()
        written = ", ".join(aggregates).replace("%", "%%")  # beside the rows' parameters
        tables.append(f"(SELECT {written} FROM ({sql}) s) p{number}")
        params.extend(more)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {', '.join(tables)}", params)
        row = cursor.fetchone()
    found, start = [], 0
    for _rows, aggregates in parts:
        found.append(tuple(row[start : start + len(aggregates)]))
        start += len(aggregates)
    return found
