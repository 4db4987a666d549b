"""A delivery's two statements on its log row, hand-written: every message runs both.

Built by the ORM, the lock's read and the row's update cost a worker more Python than the rest
of a message (rendering and SMTP included): about a third of its CPU in the reminders benchmark.
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

# What a delivery reads again under the lock, as ``locked`` returns it.
Fresh = tuple[str, int, datetime | None, str, datetime, datetime, str]


def locked(notification_id: int) -> Fresh | None:
    """Lock the log row (FOR UPDATE where the database has it; SQLite serializes writers) and
    read what may have changed since the batch read it: its status, attempts and hand-over
    time, and its appointment's status, start, end and visit mode. None: no such row."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, _lock_statement(connection.vendor), [notification_id])
        found = cursor.fetchone()
    if found is None:
        return None
    status, attempts, enqueued_at, visit_status, start, end, visit_mode = found
    return (
        status,
        attempts,
        instant(enqueued_at) if enqueued_at is not None else None,
        visit_status,
        instant(start),
        instant(end),
        visit_mode,
    )


def update(row: Notification, **changes: object) -> None:
    """Write ``changes`` to the row (and to ``row``), with its last-changed time."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    names = (*changes, "updated_at")
    fields = [Notification._meta.get_field(name) for name in names]
    values: list[Any] = [
        field.get_db_prep_save(getattr(row, field.attname), connection)  # type: ignore[union-attr]
        for field in fields
    ]
    with connection.cursor() as cursor:
        prepared.execute(cursor, _update_statement(connection.vendor, names), [*values, row.pk])


@cache
def _lock_statement(vendor: str) -> str:
    quote = connection.ops.quote_name
    logs, visits = quote(Notification._meta.db_table), quote(rows.Appointment._meta.db_table)
    log = {name: f"{logs}.{column}" for name, column in _columns(Notification).items()}
    visit = {name: f"{visits}.{column}" for name, column in _columns(rows.Appointment).items()}
    selected = [
        log["status"],
        log["attempts"],
        written(log["enqueued_at"], vendor),
        visit["status"],
        written(visit["start"], vendor),
        written(visit["end"], vendor),
        visit["visit_mode"],
    ]
    for_update = f" FOR UPDATE OF {logs}" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {', '.join(selected)} FROM {logs} "
        f"JOIN {visits} ON {visit['id']} = {log['appointment']} "
        f"WHERE {log['id']} = %s{for_update}"
    )


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
