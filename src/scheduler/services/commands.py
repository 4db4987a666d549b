"""Commands: what an actor asks the system to do. Plain data; handlers give them meaning."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from scheduler.domain.model import Actor


@dataclass(frozen=True, kw_only=True)
class Command:
    actor: Actor


@dataclass(frozen=True, kw_only=True)
class BookAppointment(Command):
    """A patient books for themselves; a doctor or receptionist books for a patient.

    ``patient_id`` is required for staff and must be the actor's own for a patient.
    """

    doctor_id: int
    clinic_id: int
    start: datetime
    patient_id: int | None = None
    reason: str = ""
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class RescheduleAppointment(Command):
    appointment_id: uuid.UUID
    start: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentAction(Command):
    appointment_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ConfirmAppointment(AppointmentAction):
    pass


@dataclass(frozen=True, kw_only=True)
class RejectAppointment(AppointmentAction):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelAppointment(AppointmentAction):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckInAppointment(AppointmentAction):
    pass


@dataclass(frozen=True, kw_only=True)
class CompleteAppointment(AppointmentAction):
    pass


@dataclass(frozen=True, kw_only=True)
class MarkNoShow(AppointmentAction):
    pass


@dataclass(frozen=True, kw_only=True)
class UndoAppointmentChange(AppointmentAction):
    """Take back a check-in or a no-show marked a moment ago."""


# -- a doctor's hours and time off --------------------------------------------------------------


@dataclass(frozen=True)
class WeeklySpan:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class OverrideSpan:
    """Hours on one date; no start and end means closed that day."""

    day: date
    start: time | None = None
    end: time | None = None


def every_week(
    weekdays: Iterable[int], *, hours: tuple[time, time], breaks: Iterable[tuple[time, time]] = ()
) -> tuple[tuple[WeeklySpan, ...], tuple[WeeklySpan, ...]]:
    """The same hours and breaks on each of ``weekdays``: ReplaceSchedule's hours and breaks."""
    days = tuple(weekdays)
    return (
        tuple(WeeklySpan(day, *hours) for day in days),
        tuple(WeeklySpan(day, *span) for day in days for span in breaks),
    )


@dataclass(frozen=True, kw_only=True)
class ScheduleChange(Command):
    """A change of the doctor's hours or time off. Refused with ScheduleConflict when it would
    leave booked visits outside the hours, unless ``force`` (any visits) or ``accept`` (these
    visits, as shown to the doctor: one more booked meanwhile refuses again): then made, and
    those patients are asked to move."""

    doctor_id: int
    force: bool = False
    accept: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True, kw_only=True)
class ReplaceSchedule(ScheduleChange):
    """The whole schedule at one clinic, replacing what was there."""

    clinic_id: int
    hours: tuple[WeeklySpan, ...]
    breaks: tuple[WeeklySpan, ...] = ()
    overrides: tuple[OverrideSpan, ...] = ()
    slot_minutes: int = 30
    horizon_days: int = 60
    min_notice_minutes: int = 60
    requires_approval: bool = False


@dataclass(frozen=True, kw_only=True)
class AddTimeOff(ScheduleChange):
    """Time away from every clinic (holiday, conference)."""

    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RemoveTimeOff(Command):
    doctor_id: int
    time_off_id: int
