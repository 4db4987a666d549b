"""The unit of work: one transaction, its repositories, and the events it commits.

Ports only; adapters.orm.unit_of_work implements them on Django, tests/fakes.py in memory.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import NotFound
from scheduler.domain.events import Event
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Doctor, Patient, Role
from scheduler.domain.schedule import Schedule
from scheduler.services.busy_times import BusyBlockRepository
from scheduler.services.calendar_values import CalendarInfo, Detail


@dataclass(frozen=True)
class IdempotencyRecord:
    appointment_id: uuid.UUID
    fingerprint: str


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

    @abc.abstractmethod
    def doctor_busy(
        self, doctor_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        """Slots of the doctor's active appointments (at any clinic) overlapping ``window``."""

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
    def specialty_exists(self, slug: str) -> bool: ...

    @abc.abstractmethod
    def clinic_exists(self, clinic_id: int) -> bool: ...

    @abc.abstractmethod
    def add_user(self, user: NewUser) -> int:
        """Store the user (the password hashed); their id. InvalidInput(field="username") if
        someone took the name meanwhile."""

    @abc.abstractmethod
    def add_patient(self, user_id: int) -> int: ...

    @abc.abstractmethod
    def add_doctor(
        self, user_id: int, *, specialty: str, licence_number: str, clinic_id: int
    ) -> int:
        """An unverified doctor at the clinic; their id."""

    @abc.abstractmethod
    def patient_with_phone(self, phone: str) -> Patient | None: ...

    @abc.abstractmethod
    def contact_of(self, user_id: int) -> dict[str, str]:
        """The user's first_name, last_name, email and phone; NotFound if no such user."""

    @abc.abstractmethod
    def update_contact(self, user_id: int, changes: dict[str, str]) -> None: ...

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


class UnitOfWork(abc.ABC):
    appointments: AppointmentRepository
    schedules: ScheduleRepository
    doctors: DoctorRepository
    patients: PatientRepository
    busy_blocks: BusyBlockRepository
    accounts: AccountRepository
    calendars: CalendarChoiceRepository

    def __enter__(self) -> Self:
        return self

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
        while self.calendars.events:
            yield self.calendars.events.pop(0)

    @abc.abstractmethod
    def _commit(self, events: list[Event]) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
