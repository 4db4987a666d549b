"""A doctor's waiting room on one day: who waits, in which order, and when each is likely to be
called in, from the doctor's pace today.

Patients are called in the order of their appointments (an early arrival waits for their turn
or for a free doctor, whichever is later); the pace is the doctor's average consultation today,
the visit length until one has been timed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from scheduler.domain.appointment import Status

# A visit's link (sent by text message, opened without signing in) shows the visit's state until
# this long after its end; then it is a dead link, not a lasting window on someone's visit.
LINK_OUTLIVES_VISIT = timedelta(hours=12)


def link_open(visit_end: datetime, now: datetime) -> bool:
    return now <= visit_end + LINK_OUTLIVES_VISIT


# Fewer timed consultations than this, and the pace is the visit length (one quick visit says
# little about the day).
TIMED_FOR_PACE = 2


class Place(StrEnum):
    EXPECTED = "expected"  # booked, not here yet
    WAITING = "waiting"
    IN_CONSULTATION = "in_consultation"
    DONE = "done"
    NO_SHOW = "no_show"


PLACES = {
    Status.PENDING: Place.EXPECTED,
    Status.BOOKED: Place.EXPECTED,
    Status.ARRIVED: Place.WAITING,
    Status.IN_CONSULTATION: Place.IN_CONSULTATION,
    Status.FULFILLED: Place.DONE,
    Status.NOSHOW: Place.NO_SHOW,
}


@dataclass(frozen=True)
class Visit:
    """One appointment of the day, with the moments the desk and the doctor marked."""

    appointment_id: uuid.UUID
    start: datetime
    status: Status
    arrived_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class Line:
    """A visit's place in the day. For a waiting patient: ``position`` (1 = next), since when
    they wait, and when they are likely to be called in."""

    appointment_id: uuid.UUID
    place: Place
    position: int | None = None
    waiting_since: datetime | None = None
    expected_call: datetime | None = None


def pace(visits: list[Visit], visit_length: timedelta) -> timedelta:
    """The doctor's average consultation today, or ``visit_length`` until enough are timed."""
    timed = [
        v.finished_at - v.started_at
        for v in visits
        if v.started_at is not None and v.finished_at is not None and v.finished_at > v.started_at
    ]
    if len(timed) < TIMED_FOR_PACE:
        return visit_length
    return sum(timed, timedelta()) / len(timed)


def lines(visits: list[Visit], *, now: datetime, visit_length: timedelta) -> list[Line]:
    """Every visit of the day with its place; cancelled and rejected ones are not in it."""
    per_visit = pace(visits, visit_length)
    in_room = [v for v in visits if v.status is Status.IN_CONSULTATION]
    free_at = max(
        [now, *((v.started_at or now) + per_visit for v in in_room)],
    )
    waiting = sorted(
        (v for v in visits if v.status is Status.ARRIVED),
        key=lambda v: (v.start, v.arrived_at or v.start),
    )
    called: dict[uuid.UUID, Line] = {}
    for position, visit in enumerate(waiting, 1):
        call = max(free_at, visit.start)
        called[visit.appointment_id] = Line(
            visit.appointment_id, Place.WAITING, position, visit.arrived_at, call
        )
        free_at = call + per_visit
    return [
        called.get(visit.appointment_id) or Line(visit.appointment_id, PLACES[visit.status])
        for visit in sorted(visits, key=lambda v: v.start)
        if visit.status in PLACES
    ]
