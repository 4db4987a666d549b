"""In-memory adapters for the service layer's ports: fast, DB-free, faithful to transactions.

Each repository keeps a *committed* store. Whatever a transaction reads is a deep copy, so a
change that is not committed vanishes on rollback, exactly as with the database. On commit the
unit of work copies every appointment it handed out back into the store and appends the events
they recorded to ``outbox``.

Deliberately missing: the database's overlap constraint. The fakes store whatever the services
hand them, so the unit tests prove that the *services* keep appointments apart, not the fakes.
Idempotency keys are unique per user, as in the database: a second commit of one key raises
DuplicateIdempotencyKey.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Self

from scheduler.domain.access import Scope
from scheduler.domain.appointment import (
    ACTIVE,
    HOLD_STATES,
    OCCUPYING,
    TAKEN_ON,
    Appointment,
    Status,
)
from scheduler.domain.dependants import Dependant, Person
from scheduler.domain.documents import Document, Kind
from scheduler.domain.errors import ConcurrentUpdate, DuplicateIdempotencyKey, NotFound
from scheduler.domain.events import Event
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Doctor, Patient
from scheduler.domain.no_show_policy import NoShowPolicy
from scheduler.domain.reviews import AlreadyReviewed, Rating, Review, rating
from scheduler.domain.schedule import Schedule
from scheduler.domain.visit_notes import VisitNote
from scheduler.domain.waitlist import (
    IN_LINE,
    EntryStatus,
    Offer,
    OfferStatus,
    WaitlistEntry,
    Wish,
    is_overdue,
)
from scheduler.services.busy_times import BusyBlockRepository, SyncState
from scheduler.services.calendar_values import CalendarInfo, Detail
from scheduler.services.documents import STORING_FILES
from scheduler.services.handlers import COMMAND_HANDLERS, Clock
from scheduler.services.messagebus import MessageBus
from scheduler.services.unit_of_work import (
    AccountRepository,
    AppointmentRepository,
    CalendarChoiceRepository,
    CalendarFeedRepository,
    DependantRepository,
    DoctorRepository,
    DocumentRepository,
    IdempotencyRecord,
    NewUser,
    PatientRepository,
    PolicyRepository,
    ReviewRepository,
    ScheduleRepository,
    UnitOfWork,
    VisitNoteRepository,
    VisitRow,
)
from scheduler.services.waitlist_store import WaitlistRepository


def _snapshot(appointment: Appointment) -> Appointment:
    """A detached copy without pending events: what a row holds."""
    clone = copy.deepcopy(appointment)
    clone.events.clear()
    return clone


class FakeAppointmentRepository(AppointmentRepository):
    def __init__(self, appointments: Iterable[Appointment] = ()) -> None:
        super().__init__()
        self._rows: dict[uuid.UUID, Appointment] = {a.id: _snapshot(a) for a in appointments}
        self._keys: dict[tuple[int, str], IdempotencyRecord] = {}
        self._new_keys: dict[tuple[int, str], IdempotencyRecord] = {}

    # -- the port ---------------------------------------------------------------------------

    def _add(self, appointment: Appointment) -> None:
        pass  # stored on commit, like the ORM adapter's flush()

    def _get(self, appointment_id: uuid.UUID) -> Appointment:
        if appointment_id in self.seen:
            return self.seen[appointment_id]  # one object per id within a transaction
        try:
            return _snapshot(self._rows[appointment_id])
        except KeyError:
            raise NotFound("Appointment not found.") from None

    def doctor_busy(
        self, doctor_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        return self._busy(window, excluding, doctor_id=doctor_id)

    def patient_busy(
        self, patient_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        return self._busy(window, excluding, patient_id=patient_id)

    def remember_key(self, user_id: int, key: str, record: IdempotencyRecord) -> None:
        self._new_keys[(user_id, key)] = record

    def recall_key(self, user_id: int, key: str) -> IdempotencyRecord | None:
        return self._keys.get((user_id, key))

    # -- transaction support, called by FakeUnitOfWork -------------------------------------

    def persist(self) -> None:
        clashes = self._keys.keys() & self._new_keys.keys()
        if clashes:
            raise DuplicateIdempotencyKey("A request with this Idempotency-Key is in flight.")
        for appointment in self.seen.values():
            self._rows[appointment.id] = _snapshot(appointment)
        self._keys.update(self._new_keys)
        self._new_keys.clear()

    def discard(self) -> None:
        self.seen.clear()
        self._new_keys.clear()

    # -- for assertions ----------------------------------------------------------------------

    def stored(self, appointment_id: uuid.UUID) -> Appointment:
        """The committed state of one appointment (a copy)."""
        return _snapshot(self._rows[appointment_id])

    def all_stored(self) -> list[Appointment]:
        return [_snapshot(a) for a in self._rows.values()]

    def _active_ids(
        self, doctor_id: int, window: Interval, clinic_id: int | None
    ) -> list[uuid.UUID]:
        return [
            a.id
            for a in sorted(self._rows.values(), key=lambda a: a.slot.start)
            if a.is_active
            and a.doctor_id == doctor_id
            and (clinic_id is None or a.clinic_id == clinic_id)
            and a.slot.overlaps(window)
        ]

    def _upcoming_ids(self, patient_id: int, after: datetime) -> list[uuid.UUID]:
        return [
            a.id
            for a in sorted(self._rows.values(), key=lambda a: a.slot.start)
            if a.patient_id == patient_id
            and a.status in (Status.PENDING, Status.BOOKED)
            and a.slot.start > after
        ]

    def taken_on(self, patient_id: int, doctor_id: int) -> bool:
        return any(
            a.patient_id == patient_id and a.doctor_id == doctor_id and a.status in TAKEN_ON
            for a in self._rows.values()
        )

    def _meeting_rows(
        self, doctor_id: int, patient_id: int, window: Interval
    ) -> tuple[list[uuid.UUID], list[VisitRow]]:
        over = self._hold_ids(doctor_id, None, window, None, None)
        holds = over + [
            i for i in self._hold_ids(None, patient_id, None, None, None) if i not in over
        ]
        visits = [
            VisitRow(a.id, a.doctor_id, a.patient_id, a.slot)
            for a in self._rows.values()
            if a.status in ACTIVE
            and (a.doctor_id == doctor_id or a.patient_id == patient_id)
            and a.slot.overlaps(window)
        ]
        return holds, visits

    def _hold_ids(
        self,
        doctor_id: int | None,
        patient_id: int | None,
        window: Interval | None,
        expired_at: datetime | None,
        limit: int | None,
    ) -> list[uuid.UUID]:
        held = [a for a in self._rows.values() if a.hold_expires_at is not None]
        found = [
            a.id
            for a in sorted(held, key=lambda a: (a.hold_expires_at, str(a.id)))
            if a.status is Status.PROPOSED
            and (doctor_id is None or a.doctor_id == doctor_id)
            and (patient_id is None or a.patient_id == patient_id)
            and (window is None or a.slot.overlaps(window))
            and (expired_at is None or (a.hold_expires_at or expired_at) <= expired_at)
        ]
        return found[:limit] if limit is not None else found

    def _busy(
        self,
        window: Interval,
        excluding: uuid.UUID | None,
        *,
        doctor_id: int | None = None,
        patient_id: int | None = None,
    ) -> list[Interval]:
        # Without a clock, a hold counts until released: handlers release expired ones first.
        return sorted(
            a.slot
            for a in self._rows.values()
            if self.seen.get(a.id, a).status in OCCUPYING
            and a.id != excluding
            and (doctor_id is None or a.doctor_id == doctor_id)
            and (patient_id is None or a.patient_id == patient_id)
            and a.slot.overlaps(window)
        )


class FakeScheduleRepository(ScheduleRepository):
    """Schedules and time off; writes are staged until the unit of work commits."""

    def __init__(self, schedules: Iterable[Schedule] = ()) -> None:
        super().__init__()
        self._schedules = {(s.doctor_id, s.clinic_id): s for s in schedules}
        self._zones = {s.clinic_id: s.timezone for s in schedules}
        self._cutoffs: dict[int, int] = {}  # clinic -> minutes; none said: no cut-off
        self._time_off: dict[int, tuple[int, int, Interval]] = {}  # id -> (doctor, id, period)
        self._staged: dict[tuple[int, int], Schedule] = {}
        self._staged_time_off: dict[int, tuple[int, int, Interval] | None] = {}
        self._serial = itertools.count(1)

    def add(self, schedule: Schedule) -> None:
        self._schedules[(schedule.doctor_id, schedule.clinic_id)] = schedule
        self._zones.setdefault(schedule.clinic_id, schedule.timezone)

    def add_clinic(self, clinic_id: int, timezone: str, *, cancel_cutoff_minutes: int = 0) -> None:
        self._zones[clinic_id] = timezone
        self._cutoffs[clinic_id] = cancel_cutoff_minutes

    def find(self, doctor_id: int, clinic_id: int) -> Schedule | None:
        found = self._staged.get((doctor_id, clinic_id)) or self._schedules.get(
            (doctor_id, clinic_id)
        )
        if found is None:
            return None
        away = tuple(period for doctor, _, period in self._periods() if doctor == doctor_id)
        return replace(found, time_off=(*found.time_off, *away)) if away else found

    def clinic_timezone(self, clinic_id: int) -> str:
        try:
            return self._zones[clinic_id]
        except KeyError:
            raise NotFound("Clinic not found.") from None

    def cancel_cutoff_minutes(self, clinic_id: int) -> int:
        self.clinic_timezone(clinic_id)  # NotFound for a clinic it does not know
        return self._cutoffs.get(clinic_id, 0)

    def works_at(self, doctor_id: int, clinic_id: int) -> bool:
        return (doctor_id, clinic_id) in self._schedules

    def save(self, schedule: Schedule) -> None:
        self._staged[(schedule.doctor_id, schedule.clinic_id)] = replace(schedule, time_off=())

    def add_time_off(self, doctor_id: int, period: Interval, reason: str) -> int:
        time_off_id = next(self._serial)
        self._staged_time_off[time_off_id] = (doctor_id, time_off_id, period)
        return time_off_id

    def remove_time_off(self, doctor_id: int, time_off_id: int) -> Interval:
        found = self._staged_time_off.get(time_off_id, self._time_off.get(time_off_id))
        if found is None or found[0] != doctor_id:
            raise NotFound("Time off not found.")
        self._staged_time_off[time_off_id] = None
        return found[2]

    def persist(self) -> None:
        self._schedules.update(self._staged)
        for time_off_id, entry in self._staged_time_off.items():
            if entry is None:
                self._time_off.pop(time_off_id, None)
            else:
                self._time_off[time_off_id] = entry
        self.discard()

    def discard(self) -> None:
        self._staged.clear()
        self._staged_time_off.clear()
        self.events.clear()

    def _periods(self) -> list[tuple[int, int, Interval]]:
        merged = {**self._time_off, **self._staged_time_off}
        return [entry for entry in merged.values() if entry is not None]


class FakeDoctorRepository(DoctorRepository):
    def __init__(self, doctors: Iterable[Doctor] = ()) -> None:
        self._doctors = {d.id: d for d in doctors}

    def add(self, doctor: Doctor) -> None:
        self._doctors[doctor.id] = doctor

    def get(self, doctor_id: int) -> Doctor:
        try:
            return self._doctors[doctor_id]
        except KeyError:
            raise NotFound("Doctor not found.") from None


class FakePatientRepository(PatientRepository):
    def __init__(
        self,
        patients: Iterable[Patient] = (),
        *,
        appointments: FakeAppointmentRepository,
        schedules: FakeScheduleRepository,
    ) -> None:
        self._patients = {p.id: p for p in patients}
        self._appointments = appointments
        self._schedules = schedules  # which clinics a doctor works at
        self._accounts: FakeAccountRepository | None = None  # whom a desk added, once wired

    def add(self, patient: Patient) -> None:
        self._patients[patient.id] = patient

    def get(self, patient_id: int) -> Patient:
        try:
            return self._patients[patient_id]
        except KeyError:
            raise NotFound("Patient not found.") from None

    def known_in(self, scope: Scope, patient_id: int) -> bool:
        if scope.everything:
            return True
        clinics = {
            a.clinic_id
            for a in self._appointments.all_stored()
            if a.patient_id == patient_id and a.status not in HOLD_STATES
        }
        if self._accounts is not None and patient_id in self._accounts.committed.added_at:
            clinics.add(self._accounts.committed.added_at[patient_id])
        match scope.field:
            case "clinic_id":
                return scope.value in clinics
            case "clinic__doctors":
                return any(self._schedules.works_at(int(scope.value or 0), c) for c in clinics)
        return False


class FakeBusyBlockRepository(BusyBlockRepository):
    """Busy blocks per (doctor, calendar); writes are staged until the unit of work commits."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[tuple[int, str], dict[str, Interval]] = {}
        self._sync: dict[tuple[int, str], SyncState] = {}
        self._staged: dict[tuple[int, str], tuple[dict[str, Interval], SyncState]] = {}

    def for_doctor(self, doctor_id: int, window: Interval) -> list[Interval]:
        return sorted(
            block
            for (doctor, _), blocks in self._rows.items()
            if doctor == doctor_id
            for block in blocks.values()
            if block.overlaps(window)
        )

    def of_calendar(self, doctor_id: int, calendar_id: str) -> dict[str, Interval]:
        staged = self._staged.get((doctor_id, calendar_id))
        return dict(staged[0] if staged else self._rows.get((doctor_id, calendar_id), {}))

    def calendars(self, doctor_id: int) -> set[str]:
        return {calendar for doctor, calendar in self._rows if doctor == doctor_id}

    def sync_state(self, doctor_id: int, calendar_id: str) -> SyncState:
        return self._sync.get((doctor_id, calendar_id), SyncState())

    def _write(
        self,
        doctor_id: int,
        calendar_id: str,
        *,
        put: Mapping[str, Interval],
        drop: Collection[str],
        sync: SyncState,
    ) -> None:
        blocks = self.of_calendar(doctor_id, calendar_id)
        blocks.update(put)
        for key in drop:
            blocks.pop(key, None)
        self._staged[(doctor_id, calendar_id)] = (blocks, sync)

    def persist(self) -> None:
        for key, (blocks, sync) in self._staged.items():
            if blocks:
                self._rows[key] = blocks
            else:
                self._rows.pop(key, None)
            self._sync[key] = sync
        self._staged.clear()

    def discard(self) -> None:
        self._staged.clear()
        self.events.clear()

    def add(self, doctor_id: int, calendar_id: str, blocks: Mapping[str, Interval]) -> None:
        """Committed blocks, as if pulled earlier."""
        self._rows.setdefault((doctor_id, calendar_id), {}).update(blocks)


@dataclass
class FakeUser:
    user: NewUser
    contact: dict[str, object]
    channels: dict[str, bool] = field(
        default_factory=lambda: {"email_messages": True, "sms_messages": True}
    )
    password: str | None = None
    active: bool = True
    email_verified: bool = False
    forgotten: bool = False
    sessions_revoked: int = 0


@dataclass
class FakeDoctor:
    user_id: int
    licence_number: str
    clinic_id: int
    verified: bool = False
    profile: dict[str, object] = field(
        default_factory=lambda: {
            "bio": "",
            "years_of_experience": None,
            "languages": "",
            "consultation_fee": None,
            "accepts_new_patients": True,
        }
    )
    photo: bytes | None = None


@dataclass
class AccountRows:
    users: dict[int, FakeUser] = field(default_factory=dict)
    patients: dict[int, int] = field(default_factory=dict)  # patient id -> user id
    added_at: dict[int, int] = field(default_factory=dict)  # patient id -> clinic id
    doctors: dict[int, FakeDoctor] = field(default_factory=dict)


class FakeAccountRepository(AccountRepository):
    """Users, patients and doctors in memory; a transaction works on a copy."""

    def __init__(self, *, specialties: Iterable[str] = (), clinics: Iterable[int] = ()) -> None:
        super().__init__()
        self.specialties, self.clinics = set(specialties), set(clinics)
        self._ids = itertools.count(1)
        self.committed = AccountRows()
        self.rows = AccountRows()

    def username_taken(self, username: str) -> bool:
        return any(u.user.username.lower() == username.lower() for u in self.rows.users.values())

    def licence_taken(self, licence_number: str) -> bool:
        return any(d.licence_number == licence_number for d in self.rows.doctors.values())

    def email_taken(self, email: str, *, other_than: int | None = None) -> bool:
        return any(
            user_id != other_than
            and u.password is not None
            and u.contact["email"].lower() == email.lower()
            for user_id, u in self.rows.users.items()
        )

    def phone_taken(self, phone: str, *, other_than: int | None = None) -> bool:
        return any(
            user_id != other_than and u.password is not None and u.contact["phone"] == phone
            for user_id, u in self.rows.users.items()
        )

    def specialty_exists(self, slug: str) -> bool:
        return slug in self.specialties

    def clinic_exists(self, clinic_id: int) -> bool:
        return clinic_id in self.clinics

    def add_user(self, user: NewUser) -> int:
        user_id = next(self._ids)
        names = ("first_name", "last_name", "email", "phone", "language")
        contact: dict[str, object] = {name: getattr(user, name) for name in names}
        record = ("sex", "address", "emergency_contact_name", "emergency_contact_phone")
        contact |= dict.fromkeys(record, "") | {"blood_group": "", "date_of_birth": None}
        self.rows.users[user_id] = FakeUser(user, contact, password=user.password)
        return user_id

    def add_patient(self, user_id: int, *, added_at: int | None = None) -> int:
        patient_id = next(self._ids)
        self.rows.patients[patient_id] = user_id
        if added_at is not None:
            self.rows.added_at[patient_id] = added_at
        return patient_id

    def add_doctor(
        self, user_id: int, *, specialty: str, licence_number: str, clinic_id: int
    ) -> int:
        doctor_id = next(self._ids)
        self.rows.doctors[doctor_id] = FakeDoctor(user_id, licence_number, clinic_id)
        return doctor_id

    def patient_with_phone(self, phone: str) -> Patient | None:
        for patient_id, user_id in self.rows.patients.items():
            contact = self.rows.users[user_id].contact
            if contact["phone"] == phone:
                name = f"{contact['first_name']} {contact['last_name']}"
                return Patient(id=patient_id, name=name, phone=phone)
        return None

    def contact_of(self, user_id: int) -> dict[str, object]:
        if user_id not in self.rows.users:
            raise NotFound("User not found.")
        return dict(self.rows.users[user_id].contact)

    def update_contact(self, user_id: int, changes: dict[str, object]) -> None:
        self.rows.users[user_id].contact.update(changes)

    def channels_of(self, user_id: int) -> dict[str, bool]:
        return dict(self.rows.users[user_id].channels)

    def set_channels(self, user_id: int, changes: dict[str, bool]) -> None:
        self.rows.users[user_id].channels.update(changes)

    def doctor_profile_of(self, doctor_id: int) -> dict[str, object]:
        return dict(self.rows.doctors[doctor_id].profile)

    def update_doctor_profile(self, doctor_id: int, changes: dict[str, object]) -> None:
        self.rows.doctors[doctor_id].profile.update(changes)

    def replace_doctor_photo(self, doctor_id: int, content: bytes | None) -> bool:
        """Any bytes are a photo here: what Pillow makes of them is the adapter's test."""
        doctor = self.rows.doctors[doctor_id]
        had, doctor.photo = doctor.photo is not None, content
        return had

    def set_verified(self, doctor_id: int, verified: bool) -> bool:
        doctor = self.rows.doctors.get(doctor_id)
        if doctor is None:
            raise NotFound("Doctor not found.")
        changed, doctor.verified = doctor.verified != verified, verified
        return changed

    # Tokens in memory: "reset:<user id>:<password>" works until the password changes;
    # "verify:<user id>:<email>" while the address is the user's.
    def active_users_for_login(self, login: str) -> list[int]:
        wanted = login.lower()
        return [
            user_id
            for user_id, u in self.rows.users.items()
            if u.active and wanted in (u.user.username.lower(), str(u.contact["email"]).lower())
        ]

    def reset_token_valid(self, user_id: int, token: str) -> bool:
        found = self.rows.users.get(user_id)
        return found is not None and found.active and token == f"reset:{user_id}:{found.password}"

    def password_matches(self, user_id: int, password: str) -> bool:
        found = self.rows.users.get(user_id)
        return found is not None and found.password is not None and found.password == password

    def set_password(self, user_id: int, password: str | None) -> None:
        self.rows.users[user_id].password = password

    def revoke_sessions(self, user_id: int) -> None:
        self.rows.users[user_id].sessions_revoked += 1

    def email_token_holder(self, token: str) -> int | None:
        kind, _, rest = token.partition(":")
        user_id, _, email = rest.partition(":")
        found = self.rows.users.get(int(user_id)) if user_id.isdigit() else None
        if kind != "verify" or found is None or not email or found.contact["email"] != email:
            return None
        return int(user_id)

    def email_is_verified(self, user_id: int) -> bool:
        return self.rows.users[user_id].email_verified

    def set_email_verified(self, user_id: int, verified: bool) -> bool:
        found = self.rows.users[user_id]
        changed, found.email_verified = found.email_verified != verified, verified
        return changed

    def deactivate(self, user_id: int) -> bool:
        found = self.rows.users.get(user_id)
        if found is None:
            raise NotFound("User not found.")
        changed, found.active = found.active, False
        return changed

    def forget(self, user_id: int) -> None:
        found = self.rows.users[user_id]
        found.contact = dict.fromkeys(found.contact, "")
        found.password, found.active, found.forgotten = None, False, True

    def persist(self) -> None:
        self.committed = copy.deepcopy(self.rows)

    def discard(self) -> None:
        self.rows = copy.deepcopy(self.committed)


class FakeDependantRepository(DependantRepository):
    """Family members in memory; writes are staged until the unit of work commits."""

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.committed: dict[int, Dependant] = {}
        self.rows: dict[int, Dependant] = {}

    def find(self, dependant_id: int) -> Dependant | None:
        return self.rows.get(dependant_id)

    def active_count(self, patient_id: int) -> int:
        return sum(d.active and d.patient_id == patient_id for d in self.rows.values())

    def add(self, patient_id: int, person: Person) -> int:
        dependant_id = next(self._ids)
        self.rows[dependant_id] = Dependant(
            id=dependant_id,
            patient_id=patient_id,
            first_name=person.first_name,
            last_name=person.last_name,
            birth_date=person.birth_date,
            relation=person.relation,
        )
        return dependant_id

    def save(self, dependant: Dependant) -> None:
        self.rows[dependant.id] = dependant

    def persist(self) -> None:
        self.committed = dict(self.rows)

    def discard(self) -> None:
        self.rows = dict(self.committed)


class FakeCalendarChoices(CalendarChoiceRepository):
    def __init__(self) -> None:
        super().__init__()
        self.choices: dict[int, tuple[str, list[str], Detail]] = {}

    def connected(self, doctor_id: int) -> bool:
        return doctor_id in self.choices

    def choose(
        self, doctor_id: int, *, target_calendar: str, busy: list[CalendarInfo], detail: Detail
    ) -> list[tuple[str, str]]:
        self.choices[doctor_id] = (target_calendar, [c.id for c in busy], detail)
        return []


class FakeCalendarFeeds(CalendarFeedRepository):
    def __init__(self) -> None:
        super().__init__()
        self.digests: dict[int, str] = {}
        self.committed: dict[int, str] = {}

    def replace(self, user_id: int, digest: str) -> None:
        self.digests[user_id] = digest

    def remove(self, user_id: int) -> bool:
        return self.digests.pop(user_id, None) is not None

    def persist(self) -> None:
        self.committed = dict(self.digests)

    def discard(self) -> None:
        self.digests = dict(self.committed)


class FakeWaitlistRepository(WaitlistRepository):
    """Waitlist entries and offers in memory; writes are staged until the unit of work commits,
    and the database's unique keys are checked as it would."""

    def __init__(self, offer_minutes: int = 15) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.minutes = offer_minutes
        self.entries: dict[int, WaitlistEntry] = {}
        self.offers: dict[uuid.UUID, tuple[Offer, int]] = {}  # with the doctor's id
        self.moves: list[tuple[int, int, str, str]] = []
        self._committed: tuple[
            dict[int, WaitlistEntry], dict[uuid.UUID, tuple[Offer, int]], int
        ] = ({}, {}, 0)

    def find(self, entry_id: int) -> WaitlistEntry | None:
        return self.entries.get(entry_id)

    def of_patient(self, patient_id: int, doctor_id: int) -> list[WaitlistEntry]:
        return [
            e
            for e in self.entries.values()
            if e.patient_id == patient_id and e.doctor_id == doctor_id and e.status in IN_LINE
        ]

    def add(
        self,
        *,
        patient_id: int,
        doctor_id: int,
        clinic_id: int,
        wish: Wish,
        joined_at: datetime,
        rank: int,
    ) -> int:
        entry_id = next(self._ids)
        self.entries[entry_id] = WaitlistEntry(
            id=entry_id,
            patient_id=patient_id,
            doctor_id=doctor_id,
            clinic_id=clinic_id,
            first_day=wish.first_day,
            last_day=wish.last_day,
            parts=wish.parts,
            joined_at=joined_at,
            rank=rank,
            status=EntryStatus.WAITING,
        )
        return entry_id

    def line(self, doctor_id: int, clinic_id: int) -> list[WaitlistEntry]:
        return [
            e
            for e in self.entries.values()
            if e.doctor_id == doctor_id and e.clinic_id == clinic_id and e.status in IN_LINE
        ]

    def clinics_waited_at(self, doctor_id: int) -> list[int]:
        return sorted({e.clinic_id for e in self.entries.values() if e.doctor_id == doctor_id})

    def save(self, entry: WaitlistEntry) -> None:
        self.entries[entry.id] = entry

    def record_move(
        self, entry_id: int, *, actor_user_id: int, direction: str, reason: str, at: datetime
    ) -> None:
        self.moves.append((entry_id, actor_user_id, direction, reason))

    def offer_minutes(self, clinic_id: int) -> int:
        return self.minutes

    def find_offer(self, offer_id: uuid.UUID) -> Offer | None:
        found = self.offers.get(offer_id)
        return None if found is None else found[0]

    def open_offers_of(self, entry_id: int) -> list[uuid.UUID]:
        return [
            o.id
            for o, _ in self.offers.values()
            if o.entry_id == entry_id and o.status is OfferStatus.OPEN
        ]

    def slot_on_offer(self, doctor_id: int, start: datetime) -> bool:
        return any(
            d == doctor_id and o.start == start and o.status is OfferStatus.OPEN
            for o, d in self.offers.values()
        )

    def offered_before(self, doctor_id: int, start: datetime) -> set[int]:
        return {o.entry_id for o, d in self.offers.values() if d == doctor_id and o.start == start}

    def add_offer(self, offer: Offer, *, doctor_id: int, now: datetime) -> bool:
        taken = self.slot_on_offer(doctor_id, offer.start) or any(
            o.entry_id == offer.entry_id and o.start == offer.start for o, _ in self.offers.values()
        )
        if not taken:
            self.offers[offer.id] = (offer, doctor_id)
        return not taken

    def save_offer(self, offer: Offer, *, appointment_id: uuid.UUID | None = None) -> None:
        self.offers[offer.id] = (offer, self.offers[offer.id][1])

    def overdue_offers(self, now: datetime, limit: int) -> list[uuid.UUID]:
        due = sorted(
            (o for o, _ in self.offers.values() if is_overdue(o, now)),
            key=lambda o: o.expires_at,
        )
        return [o.id for o in due[:limit]]

    def persist(self) -> None:
        self._committed = (dict(self.entries), dict(self.offers), len(self.moves))

    def discard(self) -> None:
        self.entries, self.offers = dict(self._committed[0]), dict(self._committed[1])
        del self.moves[self._committed[2] :]


class FakePolicies(PolicyRepository):
    """Clinics' policies set by the test; missed visits read from the appointments held."""

    def __init__(self, appointments: FakeAppointmentRepository) -> None:
        self._appointments = appointments
        self.no_shows: dict[int, NoShowPolicy] = {}
        self.video_templates: dict[int, str] = {}

    def no_show_policy(self, clinic_id: int) -> NoShowPolicy:
        return self.no_shows.get(clinic_id, NoShowPolicy())

    def missed_visits(self, patient_id: int, clinic_id: int, since: datetime) -> list[datetime]:
        return [
            a.slot.start
            for a in self._appointments.all_stored()
            if a.patient_id == patient_id
            and a.clinic_id == clinic_id
            and a.status is Status.NOSHOW
            and a.slot.start >= since
            and not a.no_show_forgiven
        ]

    def video_url_template(self, clinic_id: int) -> str:
        return self.video_templates.get(clinic_id, "")


class FakeReviewRepository(ReviewRepository):
    """Reviews in memory, each stored as a copy without its events; staged until commit."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[uuid.UUID, Review] = {}
        self.committed: dict[uuid.UUID, Review] = {}
        self.ratings: dict[int, Rating] = {}
        self.committed_ratings: dict[int, Rating] = {}

    def _find(self, review_id: uuid.UUID) -> Review | None:
        row = self.rows.get(review_id)
        return replace(row, events=[]) if row else None

    def _of_appointment(self, appointment_id: uuid.UUID) -> Review | None:
        found = [r for r in self.rows.values() if r.appointment_id == appointment_id]
        return replace(found[0], events=[]) if found else None

    def _of_patient(self, patient_id: int) -> list[Review]:
        return [replace(r, events=[]) for r in self.rows.values() if r.patient_id == patient_id]

    def _save(self, review: Review) -> None:
        if any(
            r.appointment_id == review.appointment_id and r.id != review.id
            for r in self.rows.values()
        ):
            raise AlreadyReviewed("This visit has a review already.")
        self.rows[review.id] = replace(review, events=[])

    def refresh_rating(self, doctor_id: int) -> Rating:
        self.ratings[doctor_id] = rating(
            r.stars for r in self.rows.values() if r.doctor_id == doctor_id and not r.hidden
        )
        return self.ratings[doctor_id]

    def persist(self) -> None:
        self.committed, self.committed_ratings = dict(self.rows), dict(self.ratings)

    def discard(self) -> None:
        self.seen.clear()
        self.rows, self.ratings = dict(self.committed), dict(self.committed_ratings)


class FakeVisitNotes(VisitNoteRepository):
    """Visit notes in memory, each stored as a copy; writes are staged until the commit."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[uuid.UUID, VisitNote] = {}
        self.committed: dict[uuid.UUID, VisitNote] = {}

    def _find(self, appointment_id: uuid.UUID) -> VisitNote | None:
        row = self.rows.get(appointment_id)
        return None if row is None else copy.deepcopy(row)

    def _add(self, note: VisitNote) -> None:
        if note.appointment_id in self.rows:
            raise ConcurrentUpdate("The note was written meanwhile: reload it and try again.")
        self.rows[note.appointment_id] = replace(note, events=[])

    def save(self, note: VisitNote) -> None:
        if self.rows[note.appointment_id].version != note.version - 1:
            raise ConcurrentUpdate("The note was amended meanwhile: reload it and try again.")
        self.rows[note.appointment_id] = replace(note, events=[])

    def persist(self) -> None:
        self.committed = dict(self.rows)
        self.seen.clear()

    def discard(self) -> None:
        self.rows = dict(self.committed)
        self.seen.clear()


class FakeDocumentRepository(DocumentRepository):
    """Documents' rows in memory; writes are staged until the unit of work commits."""

    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(1)
        self.committed: dict[int, Document] = {}
        self.rows: dict[int, Document] = {}

    def count(self, appointment_id: uuid.UUID) -> int:
        return sum(d.appointment_id == appointment_id for d in self.rows.values())

    def add(self, document: Document) -> int:
        document_id = next(self._ids)
        self.rows[document_id] = replace(document, id=document_id)
        return document_id

    def get(self, appointment_id: uuid.UUID, document_id: int) -> Document:
        found = self.rows.get(document_id)
        if found is None or found.appointment_id != appointment_id:
            raise NotFound("Document not found.")
        return found

    def remove(self, document_id: int) -> None:
        del self.rows[document_id]

    def attached_by(self, user_id: int) -> list[Document]:
        return [d for d in self.rows.values() if d.uploaded_by == user_id]

    def persist(self) -> None:
        self.committed = dict(self.rows)

    def discard(self) -> None:
        self.rows = dict(self.committed)


class FakeUnitOfWork(UnitOfWork):
    appointments: FakeAppointmentRepository
    schedules: FakeScheduleRepository
    doctors: FakeDoctorRepository
    patients: FakePatientRepository
    busy_blocks: FakeBusyBlockRepository
    accounts: FakeAccountRepository
    dependants: FakeDependantRepository
    calendars: FakeCalendarChoices
    feeds: FakeCalendarFeeds
    waitlist: FakeWaitlistRepository
    policies: FakePolicies
    reviews: FakeReviewRepository
    visit_notes: FakeVisitNotes
    documents: FakeDocumentRepository

    def __init__(
        self,
        *,
        schedules: Iterable[Schedule] = (),
        doctors: Iterable[Doctor] = (),
        patients: Iterable[Patient] = (),
        appointments: Iterable[Appointment] = (),
    ) -> None:
        self.appointments = FakeAppointmentRepository(appointments)
        self.schedules = FakeScheduleRepository(schedules)
        self.doctors = FakeDoctorRepository(doctors)
        self.patients = FakePatientRepository(
            patients, appointments=self.appointments, schedules=self.schedules
        )
        self.busy_blocks = FakeBusyBlockRepository()
        self.accounts = FakeAccountRepository()
        self.patients._accounts = self.accounts
        self.dependants = FakeDependantRepository()
        self.calendars = FakeCalendarChoices()
        self.feeds = FakeCalendarFeeds()
        self.waitlist = FakeWaitlistRepository()
        self.policies = FakePolicies(self.appointments)
        self.reviews = FakeReviewRepository()
        self.visit_notes = FakeVisitNotes()
        self.documents = FakeDocumentRepository()
        self.committed = False
        self.outbox: list[Event] = []

    def __enter__(self) -> Self:
        self.rollback()  # a transaction starts from the committed state
        return self

    def _commit(self, events: list[Event]) -> None:
        self.appointments.persist()
        self.busy_blocks.persist()
        self.schedules.persist()
        self.accounts.persist()
        self.dependants.persist()
        self.feeds.persist()
        self.waitlist.persist()
        self.reviews.persist()
        self.visit_notes.persist()
        self.documents.persist()
        self.outbox.extend(events)
        self.committed = True

    def rollback(self) -> None:
        self.appointments.discard()
        self.busy_blocks.discard()
        self.schedules.discard()
        self.accounts.discard()
        self.dependants.discard()
        self.feeds.discard()
        self.waitlist.discard()
        self.reviews.discard()
        self.visit_notes.discard()
        self.documents.discard()


@dataclass
class FixedClock:
    """A clock that stands still until told to move."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class FakeDocumentFiles:
    """The private storage of documents in memory: stored name -> content."""

    files: dict[str, bytes] = field(default_factory=dict)

    def keep(self, content: bytes, kind: Kind) -> str:
        name = f"{uuid.uuid4().hex}.{kind.value}"
        self.files[name] = content
        return name

    def drop(self, stored_name: str) -> None:
        self.files.pop(stored_name, None)


def make_bus(uow: UnitOfWork, clock: Clock, files: FakeDocumentFiles | None = None) -> MessageBus:
    """The bus config.bootstrap builds, wired to the given unit of work, clock and (for the
    commands that store files) document storage."""
    store = files if files is not None else FakeDocumentFiles()
    return MessageBus(
        {
            command: partial(handler, uow=uow, clock=clock)
            if command not in STORING_FILES
            else partial(handler, uow=uow, clock=clock, files=store)
            for command, handler in COMMAND_HANDLERS.items()
        }
    )
