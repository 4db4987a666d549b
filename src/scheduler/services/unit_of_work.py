"""The unit of work: one transaction, its repositories, and the events it commits.

Ports only; adapters.orm.unit_of_work implements them on Django, tests/fakes.py in memory.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import NotFound
from scheduler.domain.events import Event
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Doctor, Patient
from scheduler.domain.schedule import Schedule
from scheduler.services.busy_times import BusyBlockRepository


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
        """The appointment, or NotFound."""
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
            raise NotFound("Schedule not found.")
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


class UnitOfWork(abc.ABC):
    appointments: AppointmentRepository
    schedules: ScheduleRepository
    doctors: DoctorRepository
    patients: PatientRepository
    busy_blocks: BusyBlockRepository

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

    @abc.abstractmethod
    def _commit(self, events: list[Event]) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
