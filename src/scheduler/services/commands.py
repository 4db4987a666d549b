"""Commands: what an actor asks the system to do. Plain data; handlers give them meaning."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from scheduler.domain.model import Actor, Role
from scheduler.services.calendar_values import CalendarInfo


@dataclass(frozen=True, kw_only=True)
class Command:
    """Anything the bus routes to a handler."""


@dataclass(frozen=True, kw_only=True)
class ActorCommand(Command):
    """Asked by someone signed in: the handler checks what ``actor`` may do."""

    actor: Actor


@dataclass(frozen=True, kw_only=True)
class BookAppointment(ActorCommand):
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
class RescheduleAppointment(ActorCommand):
    appointment_id: uuid.UUID
    start: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentAction(ActorCommand):
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
class StartConsultation(AppointmentAction):
    """The doctor calls the checked-in patient in."""


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
class ScheduleChange(ActorCommand):
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
class RemoveTimeOff(ActorCommand):
    doctor_id: int
    time_off_id: int


# -- people -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterUser(Command):
    """Sign-up, by nobody yet: a patient, or a doctor (who starts unverified, at one clinic)."""

    role: Role
    username: str
    password: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    specialty: str | None = None
    licence_number: str | None = None
    clinic_id: int | None = None
    language: str = ""  # their messages' language; empty: their clinic's


@dataclass(frozen=True, kw_only=True)
class AddPatient(ActorCommand):
    """A patient the desk adds for a phone call or a walk-in: no password until they sign up.
    ``same_phone_ok``: a family's phone, the desk saw who has it and adds anyway."""

    first_name: str
    last_name: str
    phone: str = ""
    email: str = ""
    same_phone_ok: bool = False


@dataclass(frozen=True, kw_only=True)
class UpdateProfile(ActorCommand):
    """The signed-in user's own name, contact details and language; None leaves a field as it
    is. ``language`` "" means no choice: messages then come in the clinic's language."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None


@dataclass(frozen=True, kw_only=True)
class RequestPasswordReset(Command):
    """Anyone asks for a reset link for a username or email; nothing says whether it exists."""

    login: str


@dataclass(frozen=True, kw_only=True)
class ResetPassword(Command):
    """A new password with the link's token (the user's id decoded from the link)."""

    user_id: int
    token: str
    new_password: str


@dataclass(frozen=True, kw_only=True)
class ChangePassword(ActorCommand):
    current_password: str
    new_password: str


@dataclass(frozen=True, kw_only=True)
class SetPassword(ActorCommand):
    """An admin gives someone a new password (None: none, no signing in by password)."""

    user_id: int
    new_password: str | None


@dataclass(frozen=True, kw_only=True)
class VerifyEmail(Command):
    """The token of an email verification link; whoever holds it proves the address."""

    token: str


@dataclass(frozen=True, kw_only=True)
class ResendVerification(ActorCommand):
    """Another link to the signed-in user's email address."""


@dataclass(frozen=True, kw_only=True)
class DeactivateUser(ActorCommand):
    """An admin closes an account."""

    user_id: int


@dataclass(frozen=True, kw_only=True)
class ForgetPatient(ActorCommand):
    """The signed-in patient's own erasure, confirmed with their password."""

    password: str


@dataclass(frozen=True, kw_only=True)
class VerifyDoctor(ActorCommand):
    """An admin vouches for a doctor's licence (or withdraws it): only then are they booked."""

    doctor_id: int
    verified: bool = True


@dataclass(frozen=True, kw_only=True)
class ChooseCalendars(ActorCommand):
    """Which of the doctor's calendars receives the appointments ("" none), which count as
    busy, and what the events show. ``listed`` is the doctor's calendars as the provider lists
    them now: a choice outside it is refused."""

    doctor_id: int
    target_calendar: str
    busy_calendars: tuple[str, ...]
    detail: str
    listed: tuple[CalendarInfo, ...]
