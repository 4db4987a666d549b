"""Rows inserted with a statement whose text is made once per process.

Every booking writes four rows (the appointment, its history, its events, their audit
entries). ``create`` and ``bulk_create`` build and compile an INSERT each time; here the text
is kept by model and row count, and each value goes through its field's own ``pre_save`` and
``get_db_prep_save``, as Django's insert compiler does. Nothing comes back: callers that need
a database-made id use the ORM.

On PostgreSQL the values go apart from the statement (server-side binding), as psycopg writes
them in C: Django's cursors write each into the SQL text in Python, an eighth of a booking's
Python for its four rows.

Inside ``sent_together()`` the inserts wait, and go to the database at its end in one round trip;
a unit of work's commit sends its four so. On PostgreSQL inserts into as many tables go as one
statement (each a data-modifying WITH of the last): one statement to parse, bind and plan, and
one execution in psycopg, where four were a quarter of a booking's Python. Others (two into one
table, whose order a WITH would not keep) go in PostgreSQL's pipeline mode. The rows are the
same, in the same order among themselves, and a refusal (a slot's exclusion constraint) raises
from the block's end.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any, NamedTuple

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField, Field, Model
from psycopg._preparing import Prepare

# The most values one statement may bind on PostgreSQL (libpq counts them in 16 bits); SQLite's
# own limit is its backend's max_query_params.
_MOST_VALUES = 65_535


def insert(objects: Sequence[Model]) -> None:
    """Insert ``objects``, all of one model, in as few statements as the database takes (one,
    unless there are thousands: a doctor's leave over a full book displaces every visit)."""
    if not objects:
        return
    model = type(objects[0])
    fields = _fields(model)
    # The thread's connection itself: through django.db.connection, each of the fields' many
    # looks at it is a look-up of the thread's connection (4% of a booking's Python).
    db = connections[DEFAULT_DB_ALIAS]
    values = [
        field.get_db_prep_save(field.pre_save(row, True), db) for row in objects for field in fields
    ]
    per_statement = (db.features.max_query_params or _MOST_VALUES) // len(fields)
    for first in range(0, len(objects), per_statement):
        count = min(per_statement, len(objects) - first)
        some = values[first * len(fields) : (first + count) * len(fields)]
        _send(db, model, _statement(db.vendor, model, count), some)


def _send(db: BaseDatabaseWrapper, model: type[Model], statement: str, values: list[Any]) -> None:
    waiting = _waiting.get()
    if waiting is not None:
        waiting.append(Statement(model, statement, values))
        return
    with _cursor(db) as cursor:
        cursor.execute(statement, values)


class Statement(NamedTuple):
    model: type[Model]
    text: str
    values: list[Any]


_waiting: ContextVar[list[Statement] | None] = ContextVar("inserts_waiting", default=None)


@contextmanager
def sent_together() -> Iterator[None]:
    """The inserts made inside, sent at the end in one round trip; none if the block raises."""
    waiting: list[Statement] = []
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
    if not waiting:
        return
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql" and len(waiting) > 1 and _joinable(waiting):
        last_first = waiting[::-1]  # see _joined
        with _cursor(db, prepared=settings.DATABASE_PREPARED_STATEMENTS) as cursor:
            cursor.execute(
                _joined(tuple(s.text for s in last_first)),
                [value for statement in last_first for value in statement.values],
            )
        return
    # The cursor outlives the pipeline: closed inside it, it would meet a refusal there first.
    with _cursor(db) as cursor, _one_round_trip():
        for statement in waiting:
            cursor.execute(statement.text, statement.values)


def _joinable(statements: list[Statement]) -> bool:
    """Whether they may go as one statement: PostgreSQL runs a WITH's inserts in no set order,
    which is no matter for rows of different tables; and libpq binds 65,535 values at most."""
    tables = {statement.model for statement in statements}
    values = sum(len(statement.values) for statement in statements)
    return len(tables) == len(statements) and values <= _MOST_VALUES


@lru_cache(maxsize=64)
def _joined(texts: tuple[str, ...]) -> str:
    """The inserts, given last first, as one statement: each but the last a data-modifying WITH.
    PostgreSQL runs the statement's own insert first, then its WITHs from the last up: so the
    first asked (a booking's appointment, whose exclusion constraint refuses a race lost) goes
    first, and a refusal spends nothing on the rest (found in review: audit and history ids used
    up by every race lost)."""
    *first, last = texts
    return f"WITH {', '.join(f'i{n} AS ({text})' for n, text in enumerate(first))} {last}"


def _cursor(db: BaseDatabaseWrapper, *, prepared: bool = False) -> Any:
    """A cursor that binds its values on the server, made and wrapped as Django makes its own
    (health check, query logs, execute wrappers, errors). ``prepared``: its statements are
    prepared on the server (_PreparingCursor)."""
    if db.vendor != "postgresql":
        return db.cursor()
    django: Any = db  # what its own cursor() does, with a cursor of another class
    django.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        kind = _PreparingCursor if prepared else psycopg.Cursor
        return django._prepare_cursor(kind(db.connection))


# The statements a connection has prepared by _PreparingCursor: (text, parameter types) -> name.
_prepared: weakref.WeakKeyDictionary[Any, dict[tuple[bytes, Any], bytes]] = (
    weakref.WeakKeyDictionary()
)
_names = itertools.count(1)


class _PreparingCursor(psycopg.Cursor[Any]):
    """Each statement prepared on the server on its first run on the connection, and only bound
    and run after: a booking's one insert statement took the database more to parse and plan
    than to run (0.12-0.18 ms to parse, 0.08-0.13 ms to bind, 0.34-0.48 ms to run, on the
    machine of 2026-12-06). psycopg's own statement cache forgets every statement at each
    ROLLBACK (see prepared.py) and is off (Django's prepare_threshold=None); this one keeps
    them for the session, as PostgreSQL does. Its two hooks are psycopg's (3.3), not public:
    a test holds them to preparing (test_prepared_reads)."""

    def _get_prepared(self, pgq: Any, prepare: bool | None = None) -> tuple[Prepare, bytes]:
        name = _prepared.get(self._conn, {}).get((pgq.query, pgq.types))
        if name is not None:
            return Prepare.YES, name
        return Prepare.SHOULD, f"nobat_insert_{next(_names)}".encode()

    def _send_query_prepared(self, name: bytes, pgq: Any, *, binary: bool | None = None) -> None:
        # Reached once the server has answered the statement's PREPARE without an error (or
        # when it was prepared before): it is the session's whatever becomes of this run. One
        # whose PREPARE failed is never known, and the next run prepares it under a new name.
        _prepared.setdefault(self._conn, {}).setdefault((pgq.query, pgq.types), name)
        self._query = pgq  # where Django's query log reads it, as psycopg sets it unprepared
        super()._send_query_prepared(name, pgq, binary=binary)

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        try:
            return super().execute(query, params, **options)
        except psycopg.errors.InvalidSqlStatementName:
            # Dropped under the session (DEALLOCATE ALL, DISCARD ALL): prepared anew next time.
            _prepared.pop(self._conn, None)
            raise


@contextmanager
def _one_round_trip() -> Iterator[None]:
    """PostgreSQL's pipeline mode: statements executed inside are sent without waiting for
    each answer, and answered together at the end, where a refusal among them raises (as
    Django's error). SQLite has no round trips to save."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    refused: DatabaseError | None = None
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            try:
                yield
            except DatabaseError as error:
                # Answered while the rest were still being queued: leaving the pipeline meets
                # it again, and psycopg would log that one as a warning; this one is told.
                refused = error
    except DatabaseError:
        if refused is None:
            raise
    if refused is not None:
        raise refused


@cache
def _fields(model: type[Model]) -> tuple[Field[object, object], ...]:
    """The columns an insert writes: all but an id the database counts."""
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not isinstance(field, AutoField) and field.column
    )


@cache
def _statement(vendor: str, model: type[Model], count: int) -> str:
    quote = connection.ops.quote_name
    columns = [str(field.column) for field in _fields(model)]
    row = f"({', '.join(['%s'] * len(columns))})"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES {', '.join([row] * count)}"
    )
