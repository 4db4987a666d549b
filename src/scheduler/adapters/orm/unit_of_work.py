"""The Django unit of work: one ``transaction.atomic`` holding the changes and their events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from django.db import IntegrityError, transaction

from scheduler.adapters import event_codec
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.repositories import (
    DjangoAppointmentRepository,
    DjangoDoctorRepository,
    DjangoPatientRepository,
    DjangoScheduleRepository,
)
from scheduler.domain.errors import DuplicateIdempotencyKey, SlotTaken
from scheduler.domain.events import AppointmentEvent, Event
from scheduler.services.unit_of_work import UnitOfWork

# Names shared with migration 0002, which creates them (exclusion constraints on PostgreSQL,
# triggers on SQLite).
DOCTOR_OVERLAP = "appointment_doctor_no_overlap"
PATIENT_OVERLAP = "appointment_patient_no_overlap"
IDEMPOTENCY_KEY = "one_use_per_idempotency_key"


class DjangoUnitOfWork(UnitOfWork):
    appointments: DjangoAppointmentRepository

    def __init__(self, *, after_commit: Callable[[], None] = lambda: None) -> None:
        self._after_commit = after_commit
        self._atomic: transaction.Atomic | None = None

    def __enter__(self) -> Self:
        self.appointments = DjangoAppointmentRepository()
        self.schedules = DjangoScheduleRepository()
        self.doctors = DjangoDoctorRepository()
        self.patients = DjangoPatientRepository()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return self

    def _commit(self, events: list[Event]) -> None:
        assert self._atomic is not None, "commit() outside 'with uow:'"
        try:
            self.appointments.flush()
            rows.StoredEvent.objects.bulk_create(_stored(event) for event in events)
        except IntegrityError as error:
            raise _translate(error) from error
        if events:
            transaction.on_commit(self._after_commit)
        atomic, self._atomic = self._atomic, None
        atomic.__exit__(None, None, None)

    def rollback(self) -> None:
        if self._atomic is not None:
            atomic, self._atomic = self._atomic, None
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _stored(event: Event) -> rows.StoredEvent:
    assert isinstance(event, AppointmentEvent)
    return rows.StoredEvent(
        id=event.event_id,
        type=type(event).__name__,
        aggregate_id=event.appointment_id,
        version=event.version,
        occurred_at=event.occurred_at,
        payload=event_codec.encode(event),
    )


def _translate(error: IntegrityError) -> Exception:
    text = str(error)
    if DOCTOR_OVERLAP in text:
        return SlotTaken("That slot was just taken.", holder="doctor")
    if PATIENT_OVERLAP in text:
        return SlotTaken("The patient already has an appointment at that time.", holder="patient")
    if IDEMPOTENCY_KEY in text or "idempotencykey" in text.lower():
        return DuplicateIdempotencyKey("A request with this Idempotency-Key is in flight.")
    return error
