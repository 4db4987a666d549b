"""The unit of work: one transaction, its repositories, and the events it commits.

Ports only; adapters.orm.unit_of_work implements them on Django, tests/fakes.py in memory.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

from scheduler.domain.access import Scope
from scheduler.domain.appointment import OCCUPYING, Appointment, Status
from scheduler.domain.dependants import Dependant, Person
from scheduler.domain.documents import Document
from scheduler.domain.errors import NotFound
from scheduler.domain.events import Event
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Doctor, Patient, Role
from scheduler.domain.no_show_policy import NoShowPolicy
from scheduler.domain.reviews import Rating, Review
from scheduler.domain.schedule import Schedule
from scheduler.domain.visit_notes import VisitNote
from scheduler.services.busy_times import BusyBlockRepository
from scheduler.services.calendar_values import CalendarInfo, Detail
from scheduler.services.waitlist_store import WaitlistRepository


@dataclass(frozen=True)
class IdempotencyRecord:
    appointment_id: uuid.UUID
    fingerprint: str


@dataclass(frozen=True)
class VisitRow:
    id: uuid.UUID
    doctor_id: int
    patient_id: int
    slot: Interval


@dataclass(frozen=True)
class Meeting:
    """What a booking of a window meets, read at once. ``holds``: every unreleased hold it may
    meet (the doctor's and the patient's over it, and the patient's others: their review holds
    go), as aggregates. ``doctor_visits``, ``patient_visits``: the slots of their active visits
    over it."""

    holds: list[Appointment]
    doctor_visits: list[Interval]
    patient_visits: list[Interval]

    def busy(
        self, slot: Interval, *, doctor_id: int, patient_id: int, moving: uuid.UUID | None
    ) -> tuple[list[Interval], list[Interval]]:
        """The doctor's busy slots and the patient's over ``slot`` as this unit of work now
        sees them: their visits, and the holds not let go of meanwhile (an expired one in the
        way is, by services.holds.release_expired_around), but for the one ``moving`` there."""
        kept = [
            hold
            for hold in self.holds
            if hold.status is Status.PROPOSED and hold.id != moving and hold.slot.overlaps(slot)
        ]
        return (
            self.doctor_visits + [hold.slot for hold in kept if hold.doctor_id == doctor_id],
            self.patient_visits + [hold.slot for hold in kept if hold.patient_id == patient_id],
        )


class AppointmentRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: dict[uuid.UUID, Appointment] = {}

    def add(self, appointment: Appointment) -> None:
        self._add(appointment)
        self.seen[appointment.id] = appointment

    def get(self, appointment_id: uuid.UUID) -> Appointment:
        """The appointment, or NotFound. One aggregate per id in a unit of work: a second read
        returns the first, changes and all, not a fresh copy that would hide them."""
        if appointment_id in self.seen:
            return self.seen[appointment_id]
        appointment = self._get(appointment_id)
        self.seen[appointment.id] = appointment
        return appointment

    @abc.abstractmethod
    def _add(self, appointment: Appointment) -> None: ...

    @abc.abstractmethod
    def _get(self, appointment_id: uuid.UUID) -> Appointment: ...

    def active_of_doctor(
        self, doctor_id: int, window: Interval, *, clinic_id: int | None = None
    ) -> list[Appointment]:
        """The doctor's active appointments overlapping ``window`` (at one clinic, if given),
        loaded as aggregates: changed, they are saved with the unit of work."""
        return [
            self.get(appointment_id)
            for appointment_id in self._active_ids(doctor_id, window, clinic_id)
        ]

    @abc.abstractmethod
    def _active_ids(
        self, doctor_id: int, window: Interval, clinic_id: int | None
    ) -> list[uuid.UUID]: ...

    def upcoming_of_patient(self, patient_id: int, after: datetime) -> list[Appointment]:
        """The patient's pending and booked appointments that start after ``after``, as
        aggregates."""
        return [
            self.get(appointment_id) for appointment_id in self._upcoming_ids(patient_id, after)
        ]

    @abc.abstractmethod
    def _upcoming_ids(self, patient_id: int, after: datetime) -> list[uuid.UUID]: ...

    def holds(
        self,
        *,
        doctor_id: int | None = None,
        patient_id: int | None = None,
        window: Interval | None = None,
        expired_at: datetime | None = None,
        limit: int | None = None,
    ) -> list[Appointment]:
        """Unreleased holds (domain.holds) of the doctor or the patient, overlapping
        ``window``, or expired at ``expired_at``, as aggregates, oldest expiry first."""
        ids = self._hold_ids(doctor_id, patient_id, window, expired_at, limit)
        return [self.get(hold_id) for hold_id in ids]

    def meeting(
        self,
        *,
        doctor_id: int,
        patient_id: int,
        window: Interval,
        excluding: uuid.UUID | None = None,
    ) -> Meeting:
        """In one read, what a booking of ``window`` meets (see Meeting); ``excluding``: the
        visit being moved there."""
        hold_ids, visits = self._meeting_rows(doctor_id, patient_id, window)
        free = {*self.let_go(), excluding}
        kept = [visit for visit in visits if visit.id not in free]
        return Meeting(
            holds=[self.get(hold_id) for hold_id in hold_ids],
            doctor_visits=[visit.slot for visit in kept if visit.doctor_id == doctor_id],
            patient_visits=[visit.slot for visit in kept if visit.patient_id == patient_id],
        )

    def let_go(self) -> list[uuid.UUID]:
        """The appointments this unit of work has made free (a hold released, a visit
        cancelled) that the store, not yet written, still shows busy."""
        return [a.id for a in self.seen.values() if a.status not in OCCUPYING]

    @abc.abstractmethod
    def _meeting_rows(
        self, doctor_id: int, patient_id: int, window: Interval
    ) -> tuple[list[uuid.UUID], list[VisitRow]]:
        """The ids of the holds Meeting names, and the doctor's and the patient's active
        visits overlapping ``window``."""

    @abc.abstractmethod
    def _hold_ids(
        self,
        doctor_id: int | None,
        patient_id: int | None,
        window: Interval | None,
        expired_at: datetime | None,
        limit: int | None,
    ) -> list[uuid.UUID]: ...

    @abc.abstractmethod
    def taken_on(self, patient_id: int, doctor_id: int) -> bool:
        """Whether the doctor has taken the patient on (domain.appointment.TAKEN_ON)."""

    @abc.abstractmethod
    def doctor_busy(
        self, doctor_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        """Slots of the doctor's active appointments and live holds (at any clinic) overlapping
        ``window``."""

    @abc.abstractmethod
    def patient_busy(
        self, patient_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]: ...

    @abc.abstractmethod
    def remember_key(self, user_id: int, key: str, record: IdempotencyRecord) -> None: ...

    @abc.abstractmethod
    def recall_key(self, user_id: int, key: str) -> IdempotencyRecord | None: ...


class ScheduleRepository(abc.ABC):
    """The doctor's schedules and time off: together, when the doctor can be booked.
    ``events`` holds what changed in it (AvailabilityChanged), committed with the change."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def get(self, doctor_id: int, clinic_id: int) -> Schedule:
        """The doctor's schedule at the clinic (with current time off), or NotFound."""
        schedule = self.find(doctor_id, clinic_id)
        if schedule is None:
            raise NotFound(gettext_noop("Schedule not found."))
        return schedule

    @abc.abstractmethod
    def find(self, doctor_id: int, clinic_id: int) -> Schedule | None: ...

    @abc.abstractmethod
    def clinic_timezone(self, clinic_id: int) -> str:
        """The clinic's zone, or NotFound: a schedule's hours are on its clock."""

    @abc.abstractmethod
    def cancel_cutoff_minutes(self, clinic_id: int) -> int:
        """How long before a visit the clinic's patients stop cancelling or moving it
        themselves (0: never), or NotFound."""

    @abc.abstractmethod
    def works_at(self, doctor_id: int, clinic_id: int) -> bool:
        """Whether the doctor sees patients at the clinic (a schedule there may be made)."""

    @abc.abstractmethod
    def save(self, schedule: Schedule) -> None:
        """Store the schedule's hours, breaks, overrides and policy (not its time off)."""

    @abc.abstractmethod
    def add_time_off(self, doctor_id: int, period: Interval, reason: str) -> int:
        """Store the period; its id."""

    @abc.abstractmethod
    def remove_time_off(self, doctor_id: int, time_off_id: int) -> Interval:
        """Delete the doctor's period; what it was. NotFound if the doctor has none such."""


class DoctorRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, doctor_id: int) -> Doctor: ...


class PatientRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, patient_id: int) -> Patient: ...

    @abc.abstractmethod
    def known_in(self, scope: Scope, patient_id: int) -> bool:
        """Whether the patient is known in ``scope``: one of its bookings (past or to come,
        kept or not) is theirs, or the desk of one of its clinics added them."""


@dataclass(frozen=True, kw_only=True)
class NewUser:
    role: Role
    username: str
    password: str | None  # None: no password until they claim the account
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    language: str = ""


class AccountRepository(abc.ABC):
    """Users and the profiles of their roles. ``events`` holds what happened to them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @abc.abstractmethod
    def username_taken(self, username: str) -> bool:
        """Whether the name is in use, in any letter case."""

    @abc.abstractmethod
    def licence_taken(self, licence_number: str) -> bool: ...

    @abc.abstractmethod
    def email_taken(self, email: str, *, other_than: int | None = None) -> bool:
        """Whether an account one signs in to (but user ``other_than``) has this address, in any
        letter case (one signs in with it, so it names one account)."""

    @abc.abstractmethod
    def phone_taken(self, phone: str, *, other_than: int | None = None) -> bool:
        """The same for a phone number (E.164)."""

    @abc.abstractmethod
    def specialty_exists(self, slug: str) -> bool: ...

    @abc.abstractmethod
    def clinic_exists(self, clinic_id: int) -> bool: ...

    @abc.abstractmethod
    def add_user(self, user: NewUser) -> int:
        """Store the user (the password hashed); their id. InvalidInput(field="username") if
        someone took the name meanwhile."""

    @abc.abstractmethod
    def add_patient(self, user_id: int, *, added_at: int | None = None) -> int:
        """Their id. ``added_at``: the clinic whose desk added them."""

    @abc.abstractmethod
    def add_doctor(
        self, user_id: int, *, specialty: str, licence_number: str, clinic_id: int
    ) -> int:
        """An unverified doctor at the clinic; their id."""

    @abc.abstractmethod
    def patient_with_phone(self, phone: str) -> Patient | None: ...

    @abc.abstractmethod
    def contact_of(self, user_id: int) -> dict[str, object]:
        """The user's fields named in ``services.accounts.PROFILE_FIELDS`` (a date of birth
        None when unknown, the others "" when empty); NotFound if no such user."""

    @abc.abstractmethod
    def update_contact(self, user_id: int, changes: dict[str, object]) -> None: ...

    @abc.abstractmethod
    def channels_of(self, user_id: int) -> dict[str, bool]:
        """Whether messages may come by email ("email_messages") and SMS ("sms_messages")."""

    @abc.abstractmethod
    def set_channels(self, user_id: int, changes: dict[str, bool]) -> None: ...

    @abc.abstractmethod
    def doctor_profile_of(self, doctor_id: int) -> dict[str, object]:
        """The doctor's fields named in ``services.profiles.DOCTOR_FIELDS`` (a number None
        when not given)."""

    @abc.abstractmethod
    def update_doctor_profile(self, doctor_id: int, changes: dict[str, object]) -> None: ...

    @abc.abstractmethod
    def replace_doctor_photo(self, doctor_id: int, content: bytes | None) -> bool:
        """Store the photo (None: remove it); whether the doctor had one before. The content
        is checked and re-encoded here: InvalidInput(field="photo") if it is not a photo of
        domain.profiles.PHOTO_FORMATS within its bounds."""

    @abc.abstractmethod
    def set_verified(self, doctor_id: int, verified: bool) -> bool:
        """Whether it changed; NotFound if no such doctor."""

    # -- passwords, email addresses, erasure ------------------------------------------------

    @abc.abstractmethod
    def active_users_for_login(self, login: str) -> list[int]:
        """The active users whose username (any letter case) or email address is ``login``."""

    @abc.abstractmethod
    def reset_token_valid(self, user_id: int, token: str) -> bool:
        """Whether ``token`` is a live password reset token of the active user: not expired,
        not used (a new password spends it), not forged."""

    @abc.abstractmethod
    def password_matches(self, user_id: int, password: str) -> bool: ...

    @abc.abstractmethod
    def set_password(self, user_id: int, password: str | None) -> None:
        """Store the new password, hashed (None: no password can sign in)."""

    @abc.abstractmethod
    def revoke_sessions(self, user_id: int) -> None:
        """Every refresh token of the user is spent; access tokens of the old password too."""

    @abc.abstractmethod
    def email_token_holder(self, token: str) -> int | None:
        """The user a live email verification token speaks for, if the address it was sent to
        is still theirs; None for an expired, forged or outdated one."""

    @abc.abstractmethod
    def email_is_verified(self, user_id: int) -> bool: ...

    @abc.abstractmethod
    def set_email_verified(self, user_id: int, verified: bool) -> bool:
        """Whether it changed."""

    @abc.abstractmethod
    def deactivate(self, user_id: int) -> bool:
        """Whether it changed; NotFound if no such user."""

    @abc.abstractmethod
    def forget(self, user_id: int) -> None:
        """Anonymise the user: no name, contact details, usable password or sign-in; what
        was sent to them keeps no address and no words of theirs."""


class DependantRepository(abc.ABC):
    """The family members on patients' accounts. ``events`` holds what changed in them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def get(self, dependant_id: int) -> Dependant:
        dependant = self.find(dependant_id)
        if dependant is None:
            raise NotFound(gettext_noop("Family member not found."))
        return dependant

    @abc.abstractmethod
    def find(self, dependant_id: int) -> Dependant | None: ...

    @abc.abstractmethod
    def active_count(self, patient_id: int) -> int:
        """The account's family members; until the unit of work ends, no other one counts
        them (and adds one) for the same account, so the cap holds under concurrency."""

    @abc.abstractmethod
    def add(self, patient_id: int, person: Person) -> int:
        """Store the family member on the account; their id."""

    @abc.abstractmethod
    def save(self, dependant: Dependant) -> None:
        """Store the dependant's names, birth date, relation and whether they are active."""


class CalendarChoiceRepository(abc.ABC):
    """A doctor's choice of calendars, kept with their calendar connection."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @abc.abstractmethod
    def connected(self, doctor_id: int) -> bool: ...

    @abc.abstractmethod
    def choose(
        self, doctor_id: int, *, target_calendar: str, busy: list[CalendarInfo], detail: Detail
    ) -> list[tuple[str, str]]:
        """Store the choice; the push channels of calendars no longer read, to close."""


class CalendarFeedRepository(abc.ABC):
    """Each user's private calendar feed, known by the digest of its secret (never the secret
    itself: a copy of the database names no feed). ``events`` holds what happened to them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @abc.abstractmethod
    def replace(self, user_id: int, digest: str) -> None:
        """The user's feed is now the one with this digest (any other is gone)."""

    @abc.abstractmethod
    def remove(self, user_id: int) -> bool:
        """Whether the user had a feed (they have none now)."""


class PolicyRepository(abc.ABC):
    """A clinic's booking policies: no-shows (domain.no_show_policy) and video visits."""

    @abc.abstractmethod
    def no_show_policy(self, clinic_id: int) -> NoShowPolicy: ...

    @abc.abstractmethod
    def missed_visits(self, patient_id: int, clinic_id: int, since: datetime) -> list[datetime]:
        """The starts of the patient's no-shows at the clinic since then, forgiven ones left
        out."""

    @abc.abstractmethod
    def video_url_template(self, clinic_id: int) -> str: ...


class ReviewRepository(abc.ABC):
    """Patients' reviews of their visits, and the doctors' ratings they make."""

    def __init__(self) -> None:
        self.seen: dict[uuid.UUID, Review] = {}

    def get(self, review_id: uuid.UUID) -> Review:
        review = self._find(review_id)
        if review is None:
            raise NotFound(gettext_noop("Review not found."))
        self.seen[review.id] = review
        return review

    def of_appointment(self, appointment_id: uuid.UUID) -> Review | None:
        review = self._of_appointment(appointment_id)
        if review is not None:
            self.seen[review.id] = review
        return review

    def of_patient(self, patient_id: int) -> list[Review]:
        """Every review the patient wrote, shown or hidden."""
        found = self._of_patient(patient_id)
        self.seen.update((review.id, review) for review in found)
        return found

    def save(self, review: Review) -> None:
        """Store the review as it is now (new or changed); its events go with the commit. A
        second review of one appointment is refused by the store too (AlreadyReviewed)."""
        self._save(review)
        self.seen[review.id] = review

    @abc.abstractmethod
    def _find(self, review_id: uuid.UUID) -> Review | None: ...

    @abc.abstractmethod
    def _of_appointment(self, appointment_id: uuid.UUID) -> Review | None: ...

    @abc.abstractmethod
    def _of_patient(self, patient_id: int) -> list[Review]: ...

    @abc.abstractmethod
    def _save(self, review: Review) -> None: ...

    @abc.abstractmethod
    def refresh_rating(self, doctor_id: int) -> Rating:
        """Recount the doctor's rating from their shown reviews (as stored in this unit of
        work), keep it where the search reads it, and return it. Recounted, not adjusted:
        running it twice changes nothing; the doctor is locked until the unit of work ends,
        so two reviews of one doctor at once each count the other."""


class VisitNoteRepository(abc.ABC):
    """The notes of visits, one per appointment. ``seen``: the notes this unit of work handed
    out or added, whose events it commits."""

    def __init__(self) -> None:
        self.seen: list[VisitNote] = []

    def find(self, appointment_id: uuid.UUID) -> VisitNote | None:
        note = self._find(appointment_id)
        if note is not None:
            self.seen.append(note)
        return note

    def add(self, note: VisitNote) -> None:
        """Store a new note; ConcurrentUpdate if another one was written for the visit
        meanwhile (the doctor sent it twice at once)."""
        self._add(note)
        self.seen.append(note)

    @abc.abstractmethod
    def _find(self, appointment_id: uuid.UUID) -> VisitNote | None: ...

    @abc.abstractmethod
    def _add(self, note: VisitNote) -> None: ...

    @abc.abstractmethod
    def save(self, note: VisitNote) -> None:
        """Store an amended note; ConcurrentUpdate if it was amended since it was read."""


class DocumentRepository(abc.ABC):
    """The files attached to appointments (their rows; the files are the storage's).
    ``events`` holds what changed in them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    @abc.abstractmethod
    def count(self, appointment_id: uuid.UUID) -> int:
        """The appointment's documents; until the unit of work ends, no other one counts them
        (and adds one) for the same appointment, so the cap holds under concurrency."""

    @abc.abstractmethod
    def add(self, document: Document) -> int:
        """Store the document (its ``id`` ignored); its id."""

    @abc.abstractmethod
    def get(self, appointment_id: uuid.UUID, document_id: int) -> Document:
        """The appointment's document, or NotFound (another appointment's too)."""

    @abc.abstractmethod
    def remove(self, document_id: int) -> None: ...

    @abc.abstractmethod
    def attached_by(self, user_id: int) -> list[Document]:
        """Every document the user attached, to any appointment."""


class UnitOfWork(abc.ABC):
    appointments: AppointmentRepository
    schedules: ScheduleRepository
    doctors: DoctorRepository
    patients: PatientRepository
    busy_blocks: BusyBlockRepository
    accounts: AccountRepository
    dependants: DependantRepository
    calendars: CalendarChoiceRepository
    feeds: CalendarFeedRepository
    waitlist: WaitlistRepository
    policies: PolicyRepository
    reviews: ReviewRepository
    visit_notes: VisitNoteRepository
    documents: DocumentRepository

    def __enter__(self) -> Self:
        return self

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """Entered for reads alone (nothing is committed): an adapter may then spare its
        transaction. A refused booking's alternatives, and its look for its own hold after a
        race lost at commit, are such."""
        with self:
            yield self

    def booking_parties(
        self, doctor_id: int, patient_id: int, clinic_id: int, *, starting: datetime
    ) -> tuple[Doctor, Patient, Schedule] | None:
        """The doctor, the patient and the doctor's schedule at the clinic, which every booking
        reads (an adapter may read them at once, and with them what else the booking of a slot
        ``starting`` then will ask); None when one of them does not exist (the caller reads them
        apart to say which)."""
        try:
            doctor, patient = self.doctors.get(doctor_id), self.patients.get(patient_id)
        except NotFound:
            return None
        schedule = self.schedules.find(doctor_id, clinic_id)
        return None if schedule is None else (doctor, patient, schedule)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        """Persist every change and the events they raised, atomically."""
        self._commit(list(self.collect_new_events()))

    def collect_new_events(self) -> Iterator[Event]:
        for appointment in self.appointments.seen.values():
            while appointment.events:
                yield appointment.events.pop(0)
        while self.busy_blocks.events:
            yield self.busy_blocks.events.pop(0)
        while self.schedules.events:
            yield self.schedules.events.pop(0)
        while self.accounts.events:
            yield self.accounts.events.pop(0)
        while self.dependants.events:
            yield self.dependants.events.pop(0)
        while self.calendars.events:
            yield self.calendars.events.pop(0)
        while self.feeds.events:
            yield self.feeds.events.pop(0)
        while self.waitlist.events:
            yield self.waitlist.events.pop(0)
        for review in self.reviews.seen.values():
            while review.events:
                yield review.events.pop(0)
        for note in self.visit_notes.seen:
            while note.events:
                yield note.events.pop(0)
        while self.documents.events:
            yield self.documents.events.pop(0)

    def busy_time(
        self, doctor_id: int, window: Interval, *, patient_id: int | None = None
    ) -> list[Interval]:
        """What keeps the doctor's slots over ``window`` from being offered, in no order: their
        busy slots (appointments.doctor_busy), their calendars' busy blocks and, with
        ``patient_id``, the patient's busy slots. An adapter may read them all at once."""
        busy = self.appointments.doctor_busy(doctor_id, window)
        busy += self.busy_blocks.for_doctor(doctor_id, window)
        if patient_id is not None:
            busy += self.appointments.patient_busy(patient_id, window)
        return busy

    @abc.abstractmethod
    def _commit(self, events: list[Event]) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
