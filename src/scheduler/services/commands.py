"""Commands: what an actor asks the system to do. Plain data; handlers give them meaning."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from scheduler.domain import holds
from scheduler.domain.appointment import VisitMode
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
    # Staff found the patient by their whole phone or email, or added them (the entrypoint
    # vouches): needed for a patient with no booking they can see (access.patient_to_know).
    patient_introduced: bool = False
    dependant_id: int | None = None  # one of the patient's family members, or themselves
    reason: str = ""
    idempotency_key: str | None = None
    # The caller's hold to book in place (services.holds); without it, their live hold of
    # that very slot is booked in place all the same.
    hold_id: uuid.UUID | None = None
    # Only in place of that hold (a waitlist offer's): once it is let go (the offer turned
    # down meanwhile) the slot is not booked anew.
    hold_required: bool = False
    visit_mode: VisitMode = VisitMode.IN_PERSON  # video only where the clinic offers it


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
    """The signed-in user's own name, contact details, language, record for the clinic, the
    channels messages come by and, for a doctor, their page in the directory; None leaves a
    field as it is, "" empties it (a date or a number too). ``language`` "" means no choice:
    messages then come in the clinic's language. One command, so one edit of the profile page
    is saved whole or not at all."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    date_of_birth: date | Literal[""] | None = None
    sex: str | None = None
    address: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    blood_group: str | None = None
    email_messages: bool | None = None
    sms_messages: bool | None = None
    # a doctor's alone
    bio: str | None = None
    years_of_experience: int | Literal[""] | None = None
    languages: tuple[str, ...] | None = None  # codes, as domain.profiles.SPOKEN_LANGUAGES
    consultation_fee: int | Literal[""] | None = None
    accepts_new_patients: bool | None = None


@dataclass(frozen=True, kw_only=True)
class SetDoctorPhoto(ActorCommand):
    """A doctor's own photo, as uploaded: any file, checked by what it holds, not its name."""

    content: bytes


@dataclass(frozen=True, kw_only=True)
class RemoveDoctorPhoto(ActorCommand):
    """The doctor's page shows their initials again."""


@dataclass(frozen=True, kw_only=True)
class AddDependant(ActorCommand):
    """A patient adds a family member to their account, to book for them."""

    first_name: str
    last_name: str
    birth_date: date
    relation: str


@dataclass(frozen=True, kw_only=True)
class UpdateDependant(AddDependant):
    dependant_id: int


@dataclass(frozen=True, kw_only=True)
class RemoveDependant(ActorCommand):
    dependant_id: int


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


@dataclass(frozen=True, kw_only=True)
class CreateCalendarFeed(ActorCommand):
    """A new secret address for the actor's own calendar feed; the old one stops working."""


@dataclass(frozen=True, kw_only=True)
class RevokeCalendarFeed(ActorCommand):
    """The actor's calendar feed stops working."""


@dataclass(frozen=True, kw_only=True)
class HoldSlot(ActorCommand):
    """Hold the slot for the patient for ``minutes`` (domain.holds): the same checks as a
    booking. ``patient_id`` as in BookAppointment; ``purpose`` is domain.holds.Purpose."""

    doctor_id: int
    clinic_id: int
    start: datetime
    patient_id: int | None = None
    patient_introduced: bool = False
    minutes: int = holds.REVIEW_MINUTES
    purpose: str = holds.Purpose.REVIEW


@dataclass(frozen=True, kw_only=True)
class ReleaseHold(ActorCommand):
    """Its holder lets the hold go (closed the dialog, left the page)."""

    hold_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ReleaseExpiredHolds(Command):
    """The sweep: every hold past its expiry gives its slot back (at most ``limit`` a run)."""

    limit: int = 200


# -- the waitlist -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class JoinWaitlist(ActorCommand):
    """A patient waits for the doctor's time at the clinic: days (clinic-local, inclusive) and
    parts of those days (domain.day_parts values)."""

    doctor_id: int
    clinic_id: int
    first_day: date
    last_day: date
    parts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class LeaveWaitlist(ActorCommand):
    entry_id: int


@dataclass(frozen=True, kw_only=True)
class MoveWaitlistEntry(ActorCommand):
    """Staff put an entry of the doctor's line one place ``direction`` ("up" or "down"),
    saying why."""

    doctor_id: int
    entry_id: int
    direction: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class OfferFreedSlots(Command):
    """The doctor's time in ``start..end`` may have freed up: offer each free slot there to the
    first in line who waits for it. Run by the outbox's reactions: safe to run twice."""

    doctor_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True)
class AcceptOffer(ActorCommand):
    """The offered patient takes the slot: booked through BookAppointment, every rule holds."""

    offer_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class DeclineOffer(ActorCommand):
    offer_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ExpireOffer(Command):
    """The offer's window is over: if still open, it ends and the slot goes to the next in
    line. Sent as a delayed message at the window's end and by the sweep: idempotent."""

    offer_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ForgiveNoShow(AppointmentAction):
    """Staff take back a no-show's strike against the patient, saying why."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class WriteVisitReview(ActorCommand):
    """The patient's stars (1-5) and words on a visit that took place (domain.reviews)."""

    appointment_id: uuid.UUID
    stars: int
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class EditVisitReview(ActorCommand):
    """The author's new stars and words, within a week of writing them."""

    appointment_id: uuid.UUID
    stars: int
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class ReplyToReview(ActorCommand):
    review_id: uuid.UUID
    text: str


@dataclass(frozen=True, kw_only=True)
class HideReview(ActorCommand):
    review_id: uuid.UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class ShowReview(ActorCommand):
    review_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class WriteVisitNote(ActorCommand):
    """The doctor of a completed visit writes its note, or amends it (the whole note anew).
    ``prescriptions`` are mappings of drug, dose, frequency and duration."""

    appointment_id: uuid.UUID
    summary: str
    instructions: str = ""
    prescriptions: tuple[Mapping[str, str], ...] = ()
    follow_up_start: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AttachDocument(ActorCommand):
    """A patient's file for their appointment, as uploaded: ``name`` as the browser sent it,
    ``content`` judged by what it holds (at most one byte past the limit is read)."""

    appointment_id: uuid.UUID
    name: str
    content: bytes


@dataclass(frozen=True, kw_only=True)
class RemoveDocument(ActorCommand):
    appointment_id: uuid.UUID
    document_id: int
