"""Many people and appointments at once, by bulk inserts: for fault tests and benchmarks.

Each appointment has a doctor and a patient of its own, so any number of them can start at
the same moment (one reminder time for all) without breaking the no-overlap rules.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import unit_of_work
from scheduler.domain.appointment import Appointment
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Role
from tests import factories

_batch = itertools.count(1)
VISIT = timedelta(minutes=30)


def pairs(count: int) -> list[tuple[rows.Doctor, rows.Patient]]:
    """``count`` verified doctors and as many patients (with email addresses)."""
    tag = f"{next(_batch)}-{uuid.uuid4().hex[:6]}"
    password = make_password(None)
    users = rows.User.objects.bulk_create(
        rows.User(
            username=f"crowd-{role.value}-{tag}-{n}",
            email=f"{role.value}-{tag}-{n}@example.test",
            first_name=role.value.title(),
            last_name=f"{tag}-{n}",
            role=role.value,
            password=password,
        )
        for role in (Role.DOCTOR, Role.PATIENT)
        for n in range(count)
    )
    specialty = factories.specialty()
    doctors = rows.Doctor.objects.bulk_create(
        rows.Doctor(user=user, specialty=specialty, licence_number=f"CR-{user.pk}", verified=True)
        for user in users[:count]
    )
    patients = rows.Patient.objects.bulk_create(rows.Patient(user=user) for user in users[count:])
    return list(zip(doctors, patients, strict=True))


def booked_with_events(
    people: list[tuple[rows.Doctor, rows.Patient]], clinic: rows.Clinic, start: datetime
) -> list[uuid.UUID]:
    """Book each pair at ``start`` through the domain; the unit of work stores rows, history
    and the AppointmentBooked events in the outbox, as a real booking would."""
    now = timezone.now()
    uow = unit_of_work()
    booked = []
    with uow:
        for doctor, patient in people:
            appointment = Appointment.create(
                doctor_id=doctor.pk,
                patient_id=patient.pk,
                clinic_id=clinic.pk,
                slot=Interval(start, start + VISIT),
                reason="",
                needs_confirmation=False,
                actor_user_id=None,
                now=now,
            )
            uow.appointments.add(appointment)
            booked.append(appointment.id)
        uow.commit()
    return booked


def booked_rows(
    people: list[tuple[rows.Doctor, rows.Patient]], clinic: rows.Clinic, start: datetime
) -> list[rows.Appointment]:
    """Booked appointment rows only (no history, no events): the fastest way to many."""
    return rows.Appointment.objects.bulk_create(
        rows.Appointment(
            doctor=doctor,
            patient=patient,
            clinic=clinic,
            start=start,
            end=start + VISIT,
            status="booked",
        )
        for doctor, patient in people
    )
