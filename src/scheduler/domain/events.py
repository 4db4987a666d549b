"""Domain events: facts that happened, recorded by aggregates and stored in the outbox.

Every event about an appointment carries a full snapshot of where it stands now, so a consumer
(a slot grid, a reminder, a calendar) never has to guess from a partial delta. ``version`` is
the appointment's version after the change: consumers drop duplicates and detect gaps with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, kw_only=True)
class Event:
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentEvent(Event):
    appointment_id: uuid.UUID
    version: int
    doctor_id: int
    patient_id: int
    clinic_id: int
    start: datetime
    end: datetime
    status: str
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class AppointmentRequested(AppointmentEvent):
    """A patient asked for a slot the doctor must confirm; the slot is held meanwhile."""


@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AppointmentConfirmed(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AppointmentRejected(AppointmentEvent):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(AppointmentEvent):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AppointmentRescheduled(AppointmentEvent):
    previous_start: datetime
    previous_end: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentCheckedIn(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AppointmentCompleted(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AppointmentMarkedNoShow(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AppointmentReverted(AppointmentEvent):
    """A check-in or no-show taken back (``undone`` says which): the visit is booked again."""

    undone: str


@dataclass(frozen=True, kw_only=True)
class AppointmentDisplaced(AppointmentEvent):
    """The doctor's hours or time off changed under a visit (the doctor insisted): the visit
    stands as it was, and its patient is asked to choose another time."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class AvailabilityChanged(Event):
    """The doctor's free time changed in ``start..end`` for a reason other than an appointment
    (hours, time off, busy times from the doctor's own calendar); open slot grids of those
    dates repaint."""

    doctor_id: int
    start: datetime
    end: datetime


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        AppointmentRequested,
        AppointmentBooked,
        AppointmentConfirmed,
        AppointmentRejected,
        AppointmentCancelled,
        AppointmentRescheduled,
        AppointmentCheckedIn,
        AppointmentCompleted,
        AppointmentMarkedNoShow,
        AppointmentReverted,
        AppointmentDisplaced,
        AvailabilityChanged,
    )
}
