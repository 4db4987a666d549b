"""Rows for tests: a clinic with a doctor on the demo's hours, patients, staff."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.unit_of_work import doctor_aggregate_id
from scheduler.config.bootstrap import build_bus
from scheduler.domain.model import Actor, Role
from scheduler.entrypoints.api.patient_refs import ref_for
from scheduler.services.commands import BookAppointment, JoinWaitlist, ReplaceSchedule, every_week

_serial = itertools.count(1)
PASSWORD = "correct horse battery"

TEHRAN = "Asia/Tehran"


def user(role: Role, *, first_name: str = "", last_name: str = "", **extra: object) -> rows.User:
    n = next(_serial)
    return rows.User.objects.create_user(
        username=f"{role.value}{n}",
        password=PASSWORD,
        email=f"{role.value}{n}@example.test",
        first_name=first_name or role.value.title(),
        last_name=last_name or str(n),
        role=role.value,
        **extra,
    )


def clinic(*, timezone: str = TEHRAN, city: str = "Tehran", language: str = "en") -> rows.Clinic:
    n = next(_serial)
    return rows.Clinic.objects.create(
        name=f"Clinic {n}",
        address=f"{n} Vali-Asr St",
        city=city,
        timezone=timezone,
        language=language,
    )


def specialty(slug: str = "cardiology") -> rows.Specialty:
    found, _ = rows.Specialty.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return found


def doctor(
    at: rows.Clinic | None = None,
    *,
    verified: bool = True,
    requires_approval: bool = False,
    slot_minutes: int = 30,
    min_notice_minutes: int = 60,
    horizon_days: int = 60,
    weekdays: range = range(7),
) -> rows.Doctor:
    """A doctor working 10:00-17:00 with lunch 13:00-14:00 on ``weekdays`` at ``at``."""
    at = at or clinic()
    n = next(_serial)
    row = rows.Doctor.objects.create(
        user=user(Role.DOCTOR),
        specialty=specialty(),
        licence_number=f"MC-{n:05d}",
        verified=verified,
    )
    works_at(
        row,
        at,
        requires_approval=requires_approval,
        slot_minutes=slot_minutes,
        min_notice_minutes=min_notice_minutes,
        horizon_days=horizon_days,
        weekdays=weekdays,
    )
    return row


def works_at(
    doctor: rows.Doctor,
    at: rows.Clinic,
    *,
    requires_approval: bool = False,
    slot_minutes: int = 30,
    min_notice_minutes: int = 60,
    horizon_days: int = 60,
    weekdays: range = range(7),
) -> None:
    """The doctor sees patients at ``at`` (too), 10:00-17:00 with lunch 13:00-14:00."""
    doctor.clinics.add(at)
    hours, breaks = every_week(weekdays, hours=(time(10), time(17)), breaks=[(time(13), time(14))])
    build_bus().handle(
        ReplaceSchedule(
            actor=Actor(0, Role.ADMIN),
            doctor_id=doctor.pk,
            clinic_id=at.pk,
            hours=hours,
            breaks=breaks,
            slot_minutes=slot_minutes,
            min_notice_minutes=min_notice_minutes,
            horizon_days=horizon_days,
            requires_approval=requires_approval,
        )
    )
    # Set up before the test began, with nobody watching: nothing of it is left to relay.
    rows.StoredEvent.objects.filter(aggregate_id=doctor_aggregate_id(doctor.pk)).delete()


def patient(**extra: object) -> rows.Patient:
    return rows.Patient.objects.create(user=user(Role.PATIENT, **extra))


def receptionist(at: rows.Clinic) -> rows.Receptionist:
    return rows.Receptionist.objects.create(user=user(Role.RECEPTIONIST), clinic=at)


def admin() -> rows.User:
    return user(Role.ADMIN, is_staff=True, is_superuser=True)


def actor_of(row: rows.Patient | rows.Doctor | rows.Receptionist | rows.User) -> Actor:
    match row:
        case rows.Patient():
            return Actor(row.user_id, Role.PATIENT, patient_id=row.pk)
        case rows.Doctor():
            return Actor(row.user_id, Role.DOCTOR, doctor_id=row.pk)
        case rows.Receptionist():
            return Actor(row.user_id, Role.RECEPTIONIST, clinic_id=row.clinic_id)
    return Actor(row.pk, Role.ADMIN)


def slot_start(
    at: rows.Clinic, *, days_ahead: int = 2, hour: int = 10, minute: int = 0
) -> datetime:
    """An on-grid slot start ``days_ahead`` clinic-days from today, as an aware datetime."""
    zone = ZoneInfo(at.timezone)
    day: date = datetime.now(zone).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, minute), zone)


def earlier_today(at: rows.Clinic, *, minutes_ago: int) -> datetime:
    """A moment ``minutes_ago`` on the clinic's clock, but not before today's midnight: a visit
    of today, whenever the suite runs."""
    now = datetime.now(ZoneInfo(at.timezone)).replace(second=0, microsecond=0)
    return max(now.replace(hour=0, minute=0), now - timedelta(minutes=minutes_ago))


def found_by(staff: rows.User, patient: rows.Patient) -> str:
    """The reference the API gives ``staff`` with a patient they found by their whole phone
    number or email: it books the patient while they are new to the clinic."""
    return ref_for(patient.pk, staff.pk)


def appointment(
    doctor: rows.Doctor,
    patient: rows.Patient,
    start: datetime,
    *,
    clinic: rows.Clinic | None = None,
    status: str = "booked",
    minutes: int = 30,
) -> rows.Appointment:
    """A row written directly, e.g. a visit already under way, which no booking could make."""
    return rows.Appointment.objects.create(
        doctor=doctor,
        patient=patient,
        clinic=clinic or doctor.clinics.get(),
        start=start,
        end=start + timedelta(minutes=minutes),
        status=status,
    )


def review(
    visit: rows.Appointment, stars: int, written_at: datetime, *, hidden: bool = False
) -> rows.Review:
    """The visit's patient's review of it, as written then (statistics' tests date it)."""
    return rows.Review.objects.create(
        id=uuid.uuid4(),
        appointment=visit,
        doctor_id=visit.doctor_id,
        patient_id=visit.patient_id,
        author_id=visit.patient.user_id,
        stars=stars,
        written_at=written_at,
        hidden=hidden,
    )


def appointments(
    at: rows.Clinic,
    visits: Iterable[tuple[rows.Doctor, rows.Patient, datetime, str]],
    *,
    minutes: int = 30,
) -> None:
    """Rows written directly in bulk, (doctor, patient, start, status) each: a clinic's
    history and calendar for the benchmarks."""
    rows.Appointment.objects.bulk_create(
        (
            rows.Appointment(
                doctor=doctor,
                patient=patient,
                clinic=at,
                start=start,
                end=start + timedelta(minutes=minutes),
                status=status,
            )
            for doctor, patient, start, status in visits
        ),
        batch_size=5_000,
    )


def waiting(doctor: rows.Doctor, patient: rows.Patient) -> JoinWaitlist:
    """The patient joins the doctor's waitlist for the morning ``booking`` books in."""
    at = doctor.clinics.get()
    day = slot_start(at).date()
    return JoinWaitlist(
        actor=actor_of(patient),
        doctor_id=doctor.pk,
        clinic_id=at.pk,
        first_day=day,
        last_day=day,
        parts=("morning",),
    )


def booking(doctor: rows.Doctor, patient: rows.Patient, *, hour: int = 10) -> BookAppointment:
    """The patient books themselves the doctor's on-grid slot at ``hour``, two days ahead."""
    at = doctor.clinics.get()
    return BookAppointment(
        actor=actor_of(patient),
        doctor_id=doctor.pk,
        clinic_id=at.pk,
        start=slot_start(at, hour=hour),
    )
