"""Spans (start, end) read in bulk: busy time for grids and bookings.

They are read as text and parsed by ``datetime.fromisoformat`` (C): Django reads every
timestamptz through a Python loader of psycopg's, several times slower, and a month's grid
reads 360 of them. The text is UTC without an offset on both runtimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, TextField, Value
from django.db.models.sql.compiler import SQLCompiler

from scheduler.domain.intervals import Interval

# An instant as ISO 8601 text: SQLite's as stored, PostgreSQL's in UTC, in a format of its own
# (a cast to text would follow the session's DateStyle).
_AS_TEXT = "CAST(%(expressions)s AS text)"
_AS_TEXT_ON = {
    "postgresql": "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
}


def written(column: str, vendor: str) -> str:
    """The SQL of ``column`` (quoted) as the text ``intervals`` reads, on ``vendor``."""
    return _AS_TEXT_ON.get(vendor, _AS_TEXT) % {"expressions": column}


class _Written(Func):
    template = _AS_TEXT
    output_field = TextField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        template = _AS_TEXT_ON["postgresql"]
        return self.as_sql(compiler, connection, template=template, **extra)


# Whether the span (start, end) meets the window (low, high). On PostgreSQL as the no-overlap
# constraints' own expression, so their GiST indexes find the rows over the window: compared
# column by column, an index on (party, start) walks every earlier row of the party: a doctor's
# whole history on each booking.
_OVERLAPS = "({end} > {low} AND {start} < {high})"
_OVERLAPS_ON = {"postgresql": "tstzrange({start}, {end}, '[)') && tstzrange({low}, {high}, '[)')"}


def overlap(start: str, end: str, vendor: str, low: str = "%s", high: str = "%s") -> str:
    """The SQL of "the span of columns ``start`` and ``end`` (quoted) meets the window from
    ``low`` to ``high``", by default two parameters, low first."""
    return _OVERLAPS_ON.get(vendor, _OVERLAPS).format(start=start, end=end, low=low, high=high)


class Overlapping(Func):
    """The row's ``start``-``end`` span meets [``window_start``, ``window_end``), as ``overlap``
    writes it, for the ORM's filters."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, window_start: datetime, window_end: datetime) -> None:
        super().__init__(F("start"), F("end"), Value(window_start), Value(window_end))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        (start, _), (end, _), (low, low_params), (high, high_params) = (
            compiler.compile(part) for part in self.get_source_expressions()
        )
        return overlap(start, end, connection.vendor, low, high), (*low_params, *high_params)


def span_columns() -> tuple[Func, Func]:
    """The ``start`` and ``end`` columns, for ``values_list``; ``intervals`` reads them."""
    return _Written("start"), _Written("end")


def intervals(spans: Iterable[tuple[str, str]]) -> list[Interval]:
    return [Interval(instant(start), instant(end)) for start, end in spans]


def instant(written: str) -> datetime:
    """An instant as ``written`` reads it: aware, in UTC."""
    at = datetime.fromisoformat(written)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
