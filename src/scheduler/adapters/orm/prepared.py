"""Reads the ORM writes once per process, then runs again with other arguments.

Django builds and compiles a query's SQL on every run. For a hot read of a fixed shape that
costs more than the database takes to answer it: a booking's one read of its doctor, patient
and schedule spent about half the booking's Python there. A ``PreparedRead`` builds its query
once, with markers where its arguments go, keeps the SQL, the markers' places among the
parameters and the columns' converters, and from then on only runs it: the same statement the
ORM would send, read as the ORM would read it.

On PostgreSQL the statement is also prepared on the server, once per connection (``PREPARE``,
then ``EXECUTE`` with the arguments): planning a booking's reads anew cost the database about
six times what answering them did (0.28 ms against 0.045 ms for the first read). After five
runs PostgreSQL keeps a generic plan when it is no dearer than the custom ones. psycopg's own
statement cache is not used: it forgets every statement at each ROLLBACK, which every refused
booking ends in, and PostgreSQL's does not. Behind PgBouncer in transaction mode, where a
session's statements are not the next transaction's, ``DATABASE_PREPARED_STATEMENTS=false``
sends the plain SQL instead. ``execute`` does the same for a hand-written statement.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet

# Marker arguments: values no row holds (ids count up from 1; no one books in 1901).
_FIRST_ID_MARKER = -7_340_000
_FIRST_INSTANT_MARKER = datetime(1901, 1, 1, tzinfo=UTC)


def _same(value: Any) -> Any:
    return value


def _instant(value: datetime) -> Any:
    # The running thread's connection, not the one that compiled the read.
    return connection.ops.adapt_datetimefield_value(value)


_numbers = itertools.count(1)
# Each statement's name, by its SQL, and what each name stands for (for logs and tests).
_names: dict[str, str] = {}
_statements: dict[str, str] = {}
# Whether each statement is prepared on a connection of this process, by name (None: its first
# run failed, so the server knows).
_prepared: weakref.WeakKeyDictionary[Any, dict[str, bool | None]] = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%([%s])")
# What an EXECUTE of ours fails with when its statement no longer holds: a migration changed
# the type of a column it returns ("cached plan must not change result type", 0A000), or
# something ended the session's statements (DEALLOCATE ALL, DISCARD ALL: 26000). That
# transaction fails; the statements are prepared anew on the connection's next runs.
_STALE = {"0A000", "26000"}


def statement(name: str) -> str | None:
    """The SQL that the prepared statement ``name`` runs (None: not one of ours)."""
    return _statements.get(name)


def execute(cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` (with Django's placeholders) on ``cursor``: on PostgreSQL as a statement
    prepared once per connection, elsewhere (and with DATABASE_PREPARED_STATEMENTS false) as
    it is. For statements of a fixed text run again and again on connections that live."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    name = _names.get(sql) or _names.setdefault(sql, f"nobat_{next(_numbers)}")
    _execute_prepared(cursor, name, sql, list(params))


def _execute_prepared(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """EXECUTE the statement, PREPAREd in the same round trip on its first run on this
    connection. A name stays with the session whatever becomes of the transaction (a PREPARE
    rolled back is still there): one whose first run failed is looked up, and prepared anew
    if the server has it (see _STALE)."""
    execute = f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
    known = _prepared.setdefault(connection.connection, {})
    state = known.get(name, False)
    if state:
        written = _written(params)
        try:
            if written is None:
                cursor.execute(execute, params)
            else:
                cursor.execute(f"EXECUTE {name}({written})")
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", None) in _STALE:
                # A migration changes more than one: each is prepared anew on its next run.
                known.update(dict.fromkeys(known))
            raise
        return
    again = ""
    if state is None:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_prepared_statements WHERE name = %s)", [name])
        again = f"DEALLOCATE {name}; " if cursor.fetchone()[0] else ""
    known[name] = None  # unsure until the server answers
    numbers = itertools.count(1)
    numbered = _PLACEHOLDER.sub(lambda m: "%%" if m[1] == "%" else f"${next(numbers)}", sql)
    _statements[name] = sql
    cursor.execute(f"{again}PREPARE {name} AS {numbered}; {execute}", params)
    known[name] = True
    for _ in range(again.count(";") + 1):
        cursor.nextset()  # past DEALLOCATE's and PREPARE's answers to EXECUTE's rows


def _written(params: list[Any]) -> str | None:
    """The arguments as EXECUTE's literals, where each is an id or an aware instant (None
    otherwise: psycopg quotes them). The statement's parameters have their types, so a plain
    literal is read as one; psycopg's general quoting was a tenth of a booking's Python."""
    literals = []
    for value in params:
        if type(value) is int:
            literals.append(str(value))
        elif type(value) is datetime and value.tzinfo is not None:
            literals.append(f"'{value.isoformat()}'")
        else:
            return None
    return ", ".join(literals)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each parameter: (the argument's name, how it is written) or (None, the query's own).
    params: tuple[tuple[str | None, Any], ...]
    names: tuple[str, ...]
    converters: Mapping[int, tuple[list[Any], Any]]


def _constants_written(
    sql: str, places: list[tuple[str | None, Any]]
) -> tuple[str, list[tuple[str | None, Any]]]:
    """The query's own values (those no argument fills) written into its text. A generic plan
    then knows them: a list of statuses that implies a partial index's predicate lets the
    index be used, where as parameters it could not be."""
    arguments: list[tuple[str | None, Any]] = []
    pending = iter(places)

    def written(match: re.Match[str]) -> str:
        if match[1] == "%":
            return "%%"
        name, value = next(pending)
        if name is not None:
            arguments.append((name, value))
            return "%s"
        postgresql: Any = connection.ops  # compose_sql is its own
        return str(postgresql.compose_sql("%s", [value])).replace("%", "%%")

    return _PLACEHOLDER.sub(written, sql), arguments


class PreparedRead:
    """``build(**arguments)`` makes the query; ``arguments`` names each one's type (int or
    datetime: an id or an instant). Run it with ``rows`` or ``first``."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **arguments: type) -> None:
        self._build = build
        self._arguments = arguments
        self._compiled: dict[str, _Compiled] = {}  # by database vendor

    def rows(self, **arguments: Any) -> list[tuple[Any, ...]]:
        """Every row, as tuples of the query's columns."""
        compiled, found = self._run(arguments, many=True)
        return [self._converted(compiled, row) for row in found]

    def first(self, **arguments: Any) -> dict[str, Any] | None:
        """The first row of a ``values()`` query, or None."""
        compiled, found = self._run(arguments, many=False)
        if not found:
            return None
        return dict(zip(compiled.names, self._converted(compiled, found[0]), strict=True))

    def _run(self, arguments: dict[str, Any], *, many: bool) -> tuple[_Compiled, list[Any]]:
        compiled = self._compiled.get(connection.vendor) or self._compile()
        params = [
            write(arguments[name]) if name is not None else write for name, write in compiled.params
        ]
        with connection.cursor() as cursor:
            execute(cursor, compiled.sql if many else f"{compiled.sql} LIMIT 1", params)
            return compiled, cursor.fetchall()

    @staticmethod
    def _converted(compiled: _Compiled, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if not compiled.converters:
            return row
        values = list(row)
        for index, (converters, expression) in compiled.converters.items():
            for convert in converters:
                values[index] = convert(values[index], expression, connection)
        return tuple(values)

    def _compile(self) -> _Compiled:
        markers = self._markers()
        query = self._build(**{name: marker for name, (marker, _) in markers.items()}).query
        if query.low_mark or query.high_mark is not None:
            raise ValueError("a prepared read is not sliced: first() reads one row")
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        written = {
            (type(form), form): (name, write)
            for name, (marker, write) in markers.items()
            for form in (marker, write(marker))
        }
        places: list[tuple[str | None, Any]] = [
            written.get((type(value), value), (None, value)) for value in params
        ]
        missing = set(self._arguments) - {name for name, _ in places if name}
        if missing:
            raise ValueError(f"arguments the query does not use: {sorted(missing)}")
        if connection.vendor == "postgresql":
            sql, places = _constants_written(sql, places)
        compiled = _Compiled(
            sql=sql,
            params=tuple(places),
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
            converters=compiler.get_converters([column for column, _, _ in compiler.select]),
        )
        self._compiled[connection.vendor] = compiled
        return compiled

    def _markers(self) -> dict[str, tuple[Any, Callable[[Any], Any]]]:
        """Each argument's marker, and how the database's adapter writes a value of its type."""
        markers: dict[str, tuple[Any, Callable[[Any], Any]]] = {}
        for n, (name, kind) in enumerate(self._arguments.items()):
            if kind is datetime:
                instant = _FIRST_INSTANT_MARKER + timedelta(seconds=n)
                markers[name] = (instant, _instant)
            elif kind is int:
                markers[name] = (_FIRST_ID_MARKER - n, _same)
            else:
                raise TypeError(f"{name}: an int or a datetime, not {kind}")
        return markers
