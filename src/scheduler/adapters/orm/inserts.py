"""Rows inserted with a statement whose text is made once per process.

Every booking writes four rows (the appointment, its history, its events, their audit
entries). ``create`` and ``bulk_create`` build and compile an INSERT each time; here the text
is kept by model and row count, and each value goes through its field's own ``pre_save`` and
``get_db_prep_save``, as Django's insert compiler does. Nothing comes back: callers that need
a database-made id use the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import AutoField, Field, Model


def insert(objects: Sequence[Model]) -> None:
    """Insert ``objects``, all of one model, in one statement."""
    if not objects:
        return
    model = type(objects[0])
    fields = _fields(model)
    values = [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for row in objects
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, model, len(objects)), values)


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
