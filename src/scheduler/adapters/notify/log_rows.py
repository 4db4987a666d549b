"""A delivery's statements on its log row, hand-written: every message claims its row, and a
text message, a fault or a skip updates it once more.

Built by the ORM, the lock's read and the row's update cost a worker more Python than the rest
of a message (rendering and SMTP included): about a third of its CPU in the reminders benchmark.
Claiming the row in one statement (an UPDATE that locks it, writes what sending it makes of it
and returns what may have changed) spares a message a round trip and a statement.
Their text is made once per process for each backend (and each set of changed columns), and
on PostgreSQL each is a statement prepared once per connection (a worker thread keeps its own);
the values go through the fields' own conversions, as the ORM's would.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import prepared
from scheduler.adapters.orm.spans import instant, written

# What a delivery reads again as it claims the row: the row's attempts (this one counted) and
# hand-over time, its appointment's status, start, end and visit mode.
Fresh = tuple[int, datetime | None, str, datetime, datetime, str]


def claimed(row: Notification, **sending: object) -> Fresh | None:
    """Lock the log row if it is still queued and write ``sending`` to it (and to ``row``),
    with one more attempt and its last-changed time: one statement, and a row lock, as FOR
    UPDATE takes (SQLite serializes writers). What ``Fresh`` says, or None: no such row, or
    not queued (a second delivery waits for the first's commit, then finds it done)."""
    updated_at = timezone.now()
    names = (*sending, "updated_at")
    values = _written([*sending.values(), updated_at], names)
    with connection.cursor() as cursor:
        prepared.execute(
            cursor,
            _claim_statement(connection.vendor, names),
            [*values, row.pk, Notification.Status.QUEUED],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    for name, value in sending.items():
        setattr(row, name, value)
    row.updated_at = updated_at
    attempts, enqueued_at, visit_status, start, end, visit_mode = found
    return (
        attempts,
        instant(enqueued_at) if enqueued_at is not None else None,
        visit_status,
        instant(start),
        instant(end),
        visit_mode,
    )


def status(notification_id: int) -> str | None:
    """The row's status; None: no such row."""
    found = Notification.objects.filter(pk=notification_id).values_list("status", flat=True)
    return next(iter(found), None)


def update(row: Notification, **changes: object) -> None:
    """Write ``changes`` to the row (and to ``row``), with its last-changed time."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    names = (*changes, "updated_at")
    values = _written([*changes.values(), row.updated_at], names)
    with connection.cursor() as cursor:
        prepared.execute(cursor, _update_statement(connection.vendor, names), [*values, row.pk])


def _written(values: list[Any], names: tuple[str, ...]) -> list[Any]:
    """The values as the fields of these names write them, as the ORM's save would."""
    fields = [Notification._meta.get_field(name) for name in names]
    return [
        field.get_db_prep_save(value, connection)  # type: ignore[union-attr]
        for field, value in zip(fields, values, strict=True)
    ]


@cache
def _claim_statement(vendor: str, names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    logs, visits = quote(Notification._meta.db_table), quote(rows.Appointment._meta.db_table)
    column = _columns(Notification)
    log = {name: f"{logs}.{quoted}" for name, quoted in column.items()}
    visit = {name: f"{visits}.{quoted}" for name, quoted in _columns(rows.Appointment).items()}
    of_the_visit = [
        visit["status"],
        written(visit["start"], vendor),
        written(visit["end"], vendor),
        visit["visit_mode"],
    ]
    where = f"{log['id']} = %s AND {log['status']} = %s"
    if vendor == "postgresql":
        joined = f" FROM {visits} WHERE {visit['id']} = {log['appointment']} AND {where}"
    else:  # SQLite's RETURNING reads only the updated table: the visit's columns one by one
        joined = f" WHERE {where}"
        of_the_visit = [
            f"(SELECT {value} FROM {visits} WHERE {visit['id']} = {log['appointment']})"
            for value in of_the_visit
        ]
    assignments = [f"{column[name]} = %s" for name in names]
    assignments.append(f"{column['attempts']} = {log['attempts']} + 1")
    returned = [log["attempts"], written(log["enqueued_at"], vendor), *of_the_visit]
    return f"UPDATE {logs} SET {', '.join(assignments)}{joined} RETURNING {', '.join(returned)}"


@cache
def _update_statement(vendor: str, names: tuple[str, ...]) -> str:
    column = _columns(Notification)
    assignments = ", ".join(f"{column[name]} = %s" for name in names)
    table = connection.ops.quote_name(Notification._meta.db_table)
    return f"UPDATE {table} SET {assignments} WHERE {column['id']} = %s"


def _columns(model: type[Model]) -> dict[str, str]:
    """The model's fields' columns by field name, quoted."""
    quote = connection.ops.quote_name
    return {
        field.name: quote(field.column) for field in model._meta.concrete_fields if field.column
    }
