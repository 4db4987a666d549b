"""Who is told what, and when: messages planned from appointment events, and whether one that
falls due is still worth sending.

Pure rules; adapters.notify stores the plan (the notification log), picks channels, renders and
sends. A message is planned for a moment (``scheduled_for``): the event's time for the replies
to a change, the visit's start less an offset for a reminder. It is about the visit at
``about_start``; when it falls due the sender asks ``skip_reason`` whether the appointment still
stands as the message says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from scheduler.domain import events
from scheduler.domain.appointment import ACTIVE, Status


class Audience(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"


class Kind(StrEnum):
    REQUESTED = "requested"  # the patient's request was received, awaits the doctor
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    DISPLACED = "displaced"  # the doctor's hours changed under the visit: please move it
    REMINDER = "reminder"
    DOCTOR_REQUEST = "doctor_request"  # a new request waits for the doctor's answer
    DOCTOR_CANCELLED = "doctor_cancelled"
    VISIT_NOTE = "visit_note"  # the doctor wrote the visit's note: there is one to read
    VISIT_NOTE_AMENDED = "visit_note_amended"

    @property
    def audience(self) -> Audience:
        return Audience.DOCTOR if self.value.startswith("doctor_") else Audience.PATIENT


DEFAULT_REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=2))

# What each event tells, at once; reminders come on top for a visit that is (still) booked.
ON_EVENT: dict[type[events.AppointmentEvent], tuple[Kind, ...]] = {
    events.AppointmentRequested: (Kind.REQUESTED, Kind.DOCTOR_REQUEST),
    events.AppointmentBooked: (Kind.BOOKED,),
    events.AppointmentConfirmed: (Kind.CONFIRMED,),
    events.AppointmentRejected: (Kind.REJECTED,),
    events.AppointmentCancelled: (Kind.CANCELLED, Kind.DOCTOR_CANCELLED),
    events.AppointmentRescheduled: (Kind.RESCHEDULED,),
    events.AppointmentDisplaced: (Kind.DISPLACED,),
}
SETS_REMINDERS = (
    events.AppointmentBooked,
    events.AppointmentConfirmed,
    events.AppointmentRescheduled,
)

# Sent whatever happened since: the news of an end stays true.
_ALWAYS_SENT = frozenset(
    {Kind.REJECTED, Kind.CANCELLED, Kind.DOCTOR_CANCELLED, Kind.VISIT_NOTE, Kind.VISIT_NOTE_AMENDED}
)
_WHILE_PENDING = frozenset({Kind.REQUESTED, Kind.DOCTOR_REQUEST})


@dataclass(frozen=True, kw_only=True)
class PlannedMessage:
    kind: Kind
    scheduled_for: datetime
    about_start: datetime
    previous_start: datetime | None = None  # a reschedule: where the visit was
    reason: str = ""  # a cancellation or rejection: why, as given


def sets_reminders(event: events.Event) -> bool:
    return isinstance(event, SETS_REMINDERS) and getattr(event, "status", "") == Status.BOOKED


def plan(
    event: events.AppointmentEvent, reminder_offsets: Sequence[timedelta]
) -> list[PlannedMessage]:
    """The messages ``event`` calls for. A reminder whose moment had passed when the visit got
    its current time and status (booked 3 hours ahead: no 24-hour reminder) is not planned."""
    previous = event.previous_start if isinstance(event, events.AppointmentRescheduled) else None
    reason = getattr(event, "reason", "")
    messages = [
        PlannedMessage(
            kind=kind,
            scheduled_for=event.occurred_at,
            about_start=event.start,
            previous_start=previous,
            reason=reason,
        )
        for kind in ON_EVENT.get(type(event), ())
    ]
    if sets_reminders(event):
        messages += [
            PlannedMessage(kind=Kind.REMINDER, scheduled_for=due, about_start=event.start)
            for due in sorted({event.start - offset for offset in reminder_offsets})
            if due > event.occurred_at
        ]
    return messages


def skip_reason(
    kind: Kind, *, about_start: datetime, status: str, start: datetime, now: datetime
) -> str | None:
    """Why a message that fell due should not go out, given the appointment as it is now;
    None when it should."""
    if kind in _ALWAYS_SENT:
        return None
    if start != about_start:
        return "the appointment was moved"
    current = Status(status)
    if kind in _WHILE_PENDING:
        return None if current is Status.PENDING else f"the request was answered ({current})"
    if kind is Kind.REMINDER:
        if current is not Status.BOOKED:
            return f"the appointment is {current}"
        if now >= start:
            return "the visit has begun"
        return None
    return None if current in ACTIVE else f"the appointment is {current}"


# A note's message says only that there is one to read, and where: never its words (a text
# message or an email is read over a shoulder, forwarded, kept by the provider).
ON_NOTE: dict[type[events.VisitNoteEvent], Kind] = {
    events.VisitNoteWritten: Kind.VISIT_NOTE,
    events.VisitNoteAmended: Kind.VISIT_NOTE_AMENDED,
}


def plan_note(event: events.VisitNoteEvent) -> list[PlannedMessage]:
    """The patient's message about the visit's note, at once."""
    return [
        PlannedMessage(
            kind=ON_NOTE[type(event)], scheduled_for=event.occurred_at, about_start=event.start
        )
    ]
