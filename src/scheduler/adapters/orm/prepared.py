"""Reads the ORM writes once per process, then runs again with other arguments.

Django builds and compiles a query's SQL on every run. For a hot read of a fixed shape that
costs more than the database takes to answer it: a booking's one read of its doctor, patient
and schedule spent about half the booking's Python there. A ``PreparedRead`` builds its query
once, with markers where its arguments go, keeps the SQL, the markers' places among the
parameters and the columns' converters, and from then on only runs it: the same statement the
ORM would send, read as the ORM would read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

# Marker arguments: integers no row id is (ids count up from 1).
_MARKER_BASE = -7_340_000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each parameter: (the argument's name, None) or (None, a constant of the query's own).
    params: tuple[tuple[str | None, Any], ...]
    names: tuple[str, ...]
    converters: Mapping[int, tuple[list[Any], Any]]


class PreparedRead:
    """``build(**ids)`` makes a ``values()`` query of integer arguments; ``first(**ids)`` runs
    it and returns its first row as a dict, or None."""

    def __init__(self, build: Callable[..., QuerySet[Any, dict[str, Any]]], *args: str) -> None:
        self._build = build
        self._args = args
        self._compiled: dict[str, _Compiled] = {}  # by database vendor

    def first(self, **ids: int) -> dict[str, Any] | None:
        compiled = self._compiled.get(connection.vendor) or self._compile()
        params = [ids[name] if name is not None else value for name, value in compiled.params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        values = list(found)
        for index, (converters, expression) in compiled.converters.items():
            for convert in converters:
                values[index] = convert(values[index], expression, connection)
        return dict(zip(compiled.names, values, strict=True))

    def _compile(self) -> _Compiled:
        markers = {name: _MARKER_BASE - n for n, name in enumerate(self._args)}
        by_marker = {marker: name for name, marker in markers.items()}
        query = self._build(**markers)[:1].query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        found = [by_marker.get(value) if isinstance(value, int) else None for value in params]
        if {name for name in found if name} != set(self._args):
            raise ValueError(f"each argument must be among the parameters: {self._args}")
        compiled = _Compiled(
            sql=sql,
            params=tuple(
                (name, None) if name else (None, value)
                for name, value in zip(found, params, strict=True)
            ),
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
            converters=compiler.get_converters([column for column, _, _ in compiler.select]),
        )
        self._compiled[connection.vendor] = compiled
        return compiled
