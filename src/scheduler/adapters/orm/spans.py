"""Spans (start, end) read in bulk: busy time for grids and bookings.

They are read as text and parsed by ``datetime.fromisoformat`` (C): Django reads every
timestamptz through a Python loader of psycopg's, several times slower, and a month's grid
reads 360 of them. SQLite's text is naive UTC, PostgreSQL's carries its offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db.models import TextField
from django.db.models.functions import Cast

from scheduler.domain.intervals import Interval


def span_columns() -> tuple[Cast, Cast]:
    """The ``start`` and ``end`` columns, for ``values_list``; ``intervals`` reads them."""
    return Cast("start", TextField()), Cast("end", TextField())


def intervals(spans: Iterable[tuple[str, str]]) -> list[Interval]:
    return [Interval(_instant(start), _instant(end)) for start, end in spans]


def _instant(written: str) -> datetime:
    at = datetime.fromisoformat(written)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
