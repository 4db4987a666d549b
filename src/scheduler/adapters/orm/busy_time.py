"""A grid's busy time in one hand-written statement: its hottest read.

Every slot grid, live grid snapshot and refused booking's alternatives read it. Built by the
ORM, the same UNION ALL cost Django more to build and compile (about 1.5 ms) than PostgreSQL
took to run it; here its text is made once per process for each backend and shape, and on
PostgreSQL it is a statement prepared once per connection (``prepared``). What is
busy is what ``DjangoAppointmentRepository._occupying`` says (active visits and live holds),
plus the calendars' busy blocks: tests/integration/test_grid_reads.py holds the two reads to
the same answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from scheduler.adapters.gcal.models import BusyBlock
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import prepared
from scheduler.adapters.orm.spans import intervals, overlap, written
from scheduler.domain.appointment import Status
from scheduler.domain.intervals import Interval


def read_busy_time(
    doctor_id: int,
    window: Interval,
    *,
    patient_id: int | None,
    now: datetime,
    let_go: Sequence[uuid.UUID],
) -> list[Interval]:
    """The doctor's visits and live holds, their calendars' busy blocks and, with
    ``patient_id``, the patient's visits and holds, over ``window``; ``let_go``: appointments
    no longer busy though not yet written so."""
    instant = connection.ops.adapt_datetimefield_value
    identity = rows.Appointment._meta.pk
    excluded = [identity.get_db_prep_value(pk, connection) for pk in let_go]
    start, end, hold_live_after = instant(window.start), instant(window.end), instant(now)

    def occupied_by(party: int) -> list[Any]:
        return [party, hold_live_after, start, end, *excluded]

    params = [*occupied_by(doctor_id), doctor_id, start, end]
    if patient_id is not None:
        params += occupied_by(patient_id)
    sql = _statement(connection.vendor, patient_id is not None, len(excluded))
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return intervals(cursor.fetchall())


@cache
def _statement(vendor: str, with_patient: bool, excluded: int) -> str:
    quote = connection.ops.quote_name
    visit = {
        field.name: quote(field.column) for field in rows.Appointment._meta.fields if field.column
    }
    block = {field.name: quote(field.column) for field in BusyBlock._meta.fields if field.column}
    visits, blocks = quote(rows.Appointment._meta.db_table), quote(BusyBlock._meta.db_table)
    # Written in, not passed, and as one list: so a generic plan knows they are the statuses of
    # the no-overlap constraints' partial indexes, and reads the rows over the window off them
    # (spans.overlap). A hold is busy while it lives.
    statuses = ", ".join(f"'{status}'" for status in rows.OCCUPYING_STATUSES)
    leave_out = f"AND {visit['id']} NOT IN ({', '.join(['%s'] * excluded)})" if excluded else ""

    def occupied_by(party: str) -> str:
        return (
            f"SELECT {written(visit['start'], vendor)}, {written(visit['end'], vendor)} "
            f"FROM {visits} WHERE {visit[party]} = %s "
            f"AND {visit['status']} IN ({statuses}) "
            f"AND ({visit['status']} <> '{Status.PROPOSED.value}' "
            f"OR {visit['hold_expires_at']} > %s) "
            f"AND {overlap(visit['start'], visit['end'], vendor)} {leave_out}"
        )

    parts = [
        occupied_by("doctor"),
        f"SELECT {written(block['start'], vendor)}, {written(block['end'], vendor)} "
        f"FROM {blocks} WHERE {block['doctor']} = %s "
        f"AND {block['end']} > %s AND {block['start']} < %s",
    ]
    if with_patient:
        parts.append(occupied_by("patient"))
    return " UNION ALL ".join(parts)
