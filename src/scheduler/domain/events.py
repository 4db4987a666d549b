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
class AppointmentStarted(AppointmentEvent):
    """The doctor called the patient in."""


@dataclass(frozen=True, kw_only=True)
class AppointmentCompleted(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AppointmentMarkedNoShow(AppointmentEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class NoShowForgiven(AppointmentEvent):
    """Staff forgave the no-show: it no longer counts toward the clinic's policy."""

    reason: str


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
class SlotHeld(AppointmentEvent):
    """The slot is held for the patient until ``expires_at`` (domain.holds): not a visit, so
    no message, calendar or count follows it; open grids show the slot held."""

    expires_at: datetime
    purpose: str


@dataclass(frozen=True, kw_only=True)
class HoldReleased(AppointmentEvent):
    """A hold gave its slot back; ``reason`` is domain.holds.Release (expired, released,
    booked: its patient booked another slot). A hold booked in place raises
    AppointmentBooked or AppointmentRequested instead, under the same id."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class AvailabilityChanged(Event):
    """The doctor's free time changed in ``start..end`` for a reason other than an appointment
    (hours, time off, busy times from the doctor's own calendar); open slot grids of those
    dates repaint."""

    doctor_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True)
class AccountEvent(Event):
    """Something happened to a user's account. Ids only: names and numbers stay in the rows
    (the outbox is kept, and a person may ask to be forgotten)."""

    user_id: int
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class UserRegistered(AccountEvent):
    role: str


@dataclass(frozen=True, kw_only=True)
class PatientAdded(AccountEvent):
    """The desk recorded a patient who called or walked in."""

    patient_id: int


@dataclass(frozen=True, kw_only=True)
class ProfileUpdated(AccountEvent):
    fields: tuple[str, ...]  # which ones changed, not their values


@dataclass(frozen=True, kw_only=True)
class PasswordResetRequested(AccountEvent):
    """Someone asked for a link to set the user's password anew (not necessarily the user)."""


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(AccountEvent):
    """A new password, by a reset link (``how`` "reset"), signed in ("change") or set by an
    admin ("admin"); every refresh token of the user was revoked with it."""

    how: str


@dataclass(frozen=True, kw_only=True)
class EmailVerificationRequested(AccountEvent):
    """The user asked for another link to prove their email address."""


@dataclass(frozen=True, kw_only=True)
class EmailVerified(AccountEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class UserDeactivated(AccountEvent):
    """An admin closed the account: it signs in no more, and its refresh tokens were revoked."""


@dataclass(frozen=True, kw_only=True)
class PatientForgotten(AccountEvent):
    """The patient asked to be forgotten: their future visits were cancelled, their person
    anonymised; the visits stay, nameless, for the clinics' statistics."""

    patient_id: int


@dataclass(frozen=True, kw_only=True)
class DependantAdded(AccountEvent):
    """A family member on the patient's account (``user_id``), to book for."""

    dependant_id: int


@dataclass(frozen=True, kw_only=True)
class DependantUpdated(AccountEvent):
    dependant_id: int


@dataclass(frozen=True, kw_only=True)
class DependantRemoved(AccountEvent):
    """Off the account's list; kept for the visits already booked for them."""

    dependant_id: int


@dataclass(frozen=True, kw_only=True)
class CalendarFeedCreated(AccountEvent):
    """The user has a new private calendar feed; the one before it (if any) works no more."""


@dataclass(frozen=True, kw_only=True)
class CalendarFeedRevoked(AccountEvent):
    """The user's private calendar feed works no more."""


@dataclass(frozen=True, kw_only=True)
class DoctorVerified(Event):
    """An admin vouched for the doctor's licence (``verified``) or withdrew it: patients may
    book them from now on, or not."""

    doctor_id: int
    verified: bool
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class CalendarsChosen(Event):
    """The doctor chose where their appointments go and which calendars are busy time: events
    elsewhere are moved, busy times read again, and ``dropped_channels`` (push channels of
    calendars no longer read, as [channel id, resource id]) closed."""

    doctor_id: int
    target_calendar: str
    dropped_channels: tuple[tuple[str, str], ...] = ()
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class WaitlistEvent(Event):
    """Something happened to a place on a doctor's waitlist (domain.waitlist). Ids and times
    only: what the patient waits for stays in the rows."""

    entry_id: int
    patient_id: int
    doctor_id: int
    clinic_id: int
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class JoinedWaitlist(WaitlistEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class LeftWaitlist(WaitlistEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class WaitlistEntryMoved(WaitlistEvent):
    """Staff moved the entry one place ``direction`` ("up" or "down"), for ``reason``."""

    direction: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class OfferEvent(WaitlistEvent):
    offer_id: uuid.UUID
    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True)
class SlotOffered(OfferEvent):
    """A freed slot is held for the entry's patient until ``expires_at``: they are told, and
    at that moment the offer ends if they have not answered."""

    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class OfferAccepted(OfferEvent):
    appointment_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class OfferDeclined(OfferEvent):
    """Turned down (or left to lapse, ``expired``): the slot goes to the next in line."""

    expired: bool = False


@dataclass(frozen=True, kw_only=True)
class ReviewEvent(Event):
    """Something happened to a patient's review of a visit (domain.reviews); ``version`` is the
    review's after it."""

    review_id: uuid.UUID
    version: int
    appointment_id: uuid.UUID
    doctor_id: int
    patient_id: int
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class ReviewWritten(ReviewEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ReviewEdited(ReviewEvent):
    """Its author changed the stars or the text, within the week they may."""


@dataclass(frozen=True, kw_only=True)
class ReviewReplied(ReviewEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ReviewHidden(ReviewEvent):
    """An admin hid it (the reason is kept with the review, not in the event: it may name
    someone): it counts for no rating and shows on no page."""


@dataclass(frozen=True, kw_only=True)
class ReviewShown(ReviewEvent):
    """An admin showed it again after hiding it."""


@dataclass(frozen=True, kw_only=True)
class VisitNoteEvent(Event):
    """The doctor wrote (or amended) the note of a completed visit. Ids only: the note's words
    are medical and stay in its row. ``note_version`` is the note's, after the writing."""

    appointment_id: uuid.UUID
    doctor_id: int
    patient_id: int
    clinic_id: int
    start: datetime  # the visit's, which the patient's message names
    note_version: int
    actor_user_id: int | None


@dataclass(frozen=True, kw_only=True)
class VisitNoteWritten(VisitNoteEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class VisitNoteAmended(VisitNoteEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class DocumentEvent(AccountEvent):
    """A patient's file on an appointment (``user_id``: who attached it). Ids, the kind and
    size only: the file's name is the patient's words, kept in its row alone."""

    appointment_id: uuid.UUID
    document_id: int


@dataclass(frozen=True, kw_only=True)
class DocumentAttached(DocumentEvent):
    kind: str
    size: int


@dataclass(frozen=True, kw_only=True)
class DocumentRemoved(DocumentEvent):
    """The row is gone; ``stored_name`` says which file the private storage drops after it."""

    stored_name: str


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
        AppointmentStarted,
        AppointmentCompleted,
        AppointmentMarkedNoShow,
        AppointmentReverted,
        AppointmentDisplaced,
        AvailabilityChanged,
        UserRegistered,
        PatientAdded,
        ProfileUpdated,
        PasswordResetRequested,
        PasswordChanged,
        EmailVerificationRequested,
        EmailVerified,
        UserDeactivated,
        PatientForgotten,
        DependantAdded,
        DependantUpdated,
        DependantRemoved,
        DoctorVerified,
        CalendarsChosen,
        CalendarFeedCreated,
        CalendarFeedRevoked,
        ReviewWritten,
        ReviewEdited,
        ReviewReplied,
        ReviewHidden,
        ReviewShown,
        JoinedWaitlist,
        LeftWaitlist,
        WaitlistEntryMoved,
        SlotOffered,
        OfferAccepted,
        OfferDeclined,
        SlotHeld,
        HoldReleased,
        NoShowForgiven,
        VisitNoteWritten,
        VisitNoteAmended,
        DocumentAttached,
        DocumentRemoved,
    )
}
