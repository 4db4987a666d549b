"""Commands: what an actor asks the system to do. Plain data; handlers give them meaning."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

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
