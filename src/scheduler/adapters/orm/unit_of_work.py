"""The Django unit of work: one ``transaction.atomic`` holding the changes and their events."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Self

from django.db import DatabaseError, IntegrityError, OperationalError, transaction

from scheduler.adapters import event_codec
from scheduler.adapters.audit.log import record_changes
from scheduler.adapters.gcal.busy_blocks import DjangoBusyBlockRepository
from scheduler.adapters.gcal.choices import DjangoCalendarChoices
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.accounts import DjangoAccountRepository
from scheduler.adapters.orm.busy_time import read_busy_time
from scheduler.adapters.orm.calendar_feeds import DjangoCalendarFeeds
from scheduler.adapters.orm.documents import DjangoDocumentRepository
from scheduler.adapters.orm.inserts import insert, sent_together
from scheduler.adapters.orm.policies import DjangoPolicies
from scheduler.adapters.orm.repositories import (
    DjangoAppointmentRepository,
    DjangoDependantRepository,
    DjangoDoctorRepository,
    DjangoPatientRepository,
    DjangoScheduleRepository,
    DjangoVisitNoteRepository,
    booking_parties,
)
from scheduler.adapters.orm.reviews import DjangoReviewRepository
from scheduler.adapters.orm.waitlist import DjangoWaitlistRepository
from scheduler.domain.errors import DuplicateIdempotencyKey, SlotTakenMeanwhile
from scheduler.domain.events import (
    AccountEvent,
    AppointmentEvent,
    AvailabilityChanged,
    CalendarsChosen,
    DoctorVerified,
    Event,
    ReviewEvent,
    VisitNoteEvent,
    WaitlistEvent,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Doctor, Patient
from scheduler.domain.schedule import Schedule
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork

# Names shared with migration 0002, which creates them (exclusion constraints on PostgreSQL,
# triggers on SQLite).
DOCTOR_OVERLAP = "appointment_doctor_no_overlap"
PATIENT_OVERLAP = "appointment_patient_no_overlap"
IDEMPOTENCY_KEY = "one_use_per_idempotency_key"
# Two PostgreSQL transactions inserting overlapping rows can each wait on the other while
# checking the exclusion constraints; the one aborted lost the race for the slot.
DEADLOCK_DETECTED = "40P01"


class DjangoUnitOfWork(UnitOfWork):
    appointments: DjangoAppointmentRepository
    busy_blocks: DjangoBusyBlockRepository
    policies: DjangoPolicies

    def __init__(
        self,
        *,
        clock: Clock,
        after_commit: Callable[[], None] = lambda: None,
        read_only: bool = False,
    ) -> None:
        self._clock = clock
        self._after_commit = after_commit
        # Reads alone need no transaction of their own: each statement sees what was committed
        # when it began, as it would inside one (PostgreSQL's READ COMMITTED), and the BEGIN and
        # ROLLBACK round trips are saved. Nothing may be written through such a unit of work.
        self._read_only = read_only
        self._atomic: transaction.Atomic | None = None

    def __enter__(self) -> Self:
        self.appointments = DjangoAppointmentRepository(self._clock)
        self.schedules = DjangoScheduleRepository(self._clock)
        self.doctors = DjangoDoctorRepository()
        self.patients = DjangoPatientRepository()
        self.busy_blocks = DjangoBusyBlockRepository()
        self.accounts = DjangoAccountRepository()
        self.dependants = DjangoDependantRepository()
        self.calendars = DjangoCalendarChoices()
        self.feeds = DjangoCalendarFeeds(self._clock)
        self.waitlist = DjangoWaitlistRepository()
        self.policies = DjangoPolicies()
        self.reviews = DjangoReviewRepository()
        self.visit_notes = DjangoVisitNoteRepository()
        self.documents = DjangoDocumentRepository()
        if not self._read_only:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
        return self

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """As a read-only unit of work (see ``__init__``): no BEGIN and ROLLBACK round trips."""
        was, self._read_only = self._read_only, True
        try:
            with self:
                yield self
        finally:
            self._read_only = was

    def busy_time(
        self, doctor_id: int, window: Interval, *, patient_id: int | None = None
    ) -> list[Interval]:
        return read_busy_time(
            doctor_id,
            window,
            patient_id=patient_id,
            now=self._clock(),
            let_go=self.appointments.let_go(),
        )

    def booking_parties(
        self, doctor_id: int, patient_id: int, clinic_id: int, *, starting: datetime
    ) -> tuple[Doctor, Patient, Schedule] | None:
        read = booking_parties(
            doctor_id, patient_id, clinic_id, starting=starting, time_off_after=self._clock()
        )
        if read is None:
            return None
        # What the booking asks next, read with the parties: the clinic's no-show policy, and
        # whether the doctor's calendars are in the way at all.
        self.policies.read_with(clinic_id, read.no_show_policy)
        if not read.calendar_busy:
            self.busy_blocks.clear_from(doctor_id, starting)
        return read.doctor, read.patient, read.schedule

    def _commit(self, events: list[Event]) -> None:
        if self._read_only:
            raise TypeError("a read-only unit of work commits nothing")
        assert self._atomic is not None, "commit() outside 'with uow:'"
        try:
            # The appointments' rows and history, the events and their audit entries: one round
            # trip. A version check's update goes at once (its count decides what follows).
            with sent_together():
                made_before = self.appointments.flush()
                # A release another writer made first is theirs to tell: told twice, the second
                # HoldReleased would show the slot free after whatever took it since.
                events = [
                    event
                    for event in events
                    if not (
                        isinstance(event, AppointmentEvent) and event.appointment_id in made_before
                    )
                ]
                insert([_stored(event) for event in events])
                # In the change's transaction: no change without its entry, no entry without it.
                record_changes(events)
        except (IntegrityError, OperationalError) as error:
            raise translate(error) from error
        if events:
            transaction.on_commit(self._after_commit)
        atomic, self._atomic = self._atomic, None
        atomic.__exit__(None, None, None)

    def rollback(self) -> None:
        if self._atomic is not None:
            atomic, self._atomic = self._atomic, None
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# Doctors and users have integer ids: their events file under ids derived from them.
DOCTOR_AGGREGATES = uuid.uuid5(uuid.NAMESPACE_URL, "urn:nobat:doctor")


USER_AGGREGATES = uuid.uuid5(uuid.NAMESPACE_URL, "urn:nobat:user")


WAITLIST_AGGREGATES = uuid.uuid5(uuid.NAMESPACE_URL, "urn:nobat:waitlist-entry")


def waitlist_aggregate_id(entry_id: int) -> uuid.UUID:
    return uuid.uuid5(WAITLIST_AGGREGATES, str(entry_id))


def doctor_aggregate_id(doctor_id: int) -> uuid.UUID:
    return uuid.uuid5(DOCTOR_AGGREGATES, str(doctor_id))


def user_aggregate_id(user_id: int) -> uuid.UUID:
    return uuid.uuid5(USER_AGGREGATES, str(user_id))


def _aggregate(event: Event) -> tuple[uuid.UUID, int]:
    """The stream an event is stored under, and its version there (0: not versioned)."""
    match event:
        case AppointmentEvent():
            return event.appointment_id, event.version
        case VisitNoteEvent():  # the visit's stream; the note's own version is in the payload
            return event.appointment_id, 0
        case AvailabilityChanged() | DoctorVerified() | CalendarsChosen():
            return doctor_aggregate_id(event.doctor_id), 0
        case AccountEvent():
            return user_aggregate_id(event.user_id), 0
        case WaitlistEvent():
            return waitlist_aggregate_id(event.entry_id), 0
        case ReviewEvent():
            return event.review_id, event.version
    raise TypeError(f"no aggregate for {type(event).__name__}")


def _stored(event: Event) -> rows.StoredEvent:
    aggregate_id, version = _aggregate(event)
    return rows.StoredEvent(
        id=event.event_id,
        type=type(event).__name__,
        aggregate_id=aggregate_id,
        version=version,
        occurred_at=event.occurred_at,
        payload=event_codec.encode(event),
    )


def translate(error: DatabaseError) -> Exception:
    """A database refusal as the domain error it stands for, or the error itself."""
    if getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
        return SlotTakenMeanwhile("That slot was just taken.")
    text = str(error)
    if DOCTOR_OVERLAP in text:
        return SlotTakenMeanwhile("That slot was just taken.", holder="doctor")
    if PATIENT_OVERLAP in text:
        return SlotTakenMeanwhile(
            "The patient already has an appointment at that time.", holder="patient"
        )
    if IDEMPOTENCY_KEY in text or "idempotencykey" in text.lower():
        return DuplicateIdempotencyKey("A request with this Idempotency-Key is in flight.")
    return error
