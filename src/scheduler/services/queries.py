"""Reads that the use cases share with the API: free slots and their nearest alternatives."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain import availability
from scheduler.domain.intervals import Interval
from scheduler.services.unit_of_work import UnitOfWork

ALTERNATIVES_SEARCH_DAYS = 7


def free_slots(
    uow: UnitOfWork,
    *,
    doctor_id: int,
    clinic_id: int,
    first_day: date,
    last_day: date,
    now: datetime,
    staff: bool = False,
    patient_id: int | None = None,
) -> list[Interval]:
    """Bookable slots of the doctor at the clinic, per clinic-local dates (inclusive).

    With ``patient_id`` the patient's own appointments are taken out too.
    """
    schedule = uow.schedules.get(doctor_id, clinic_id)
    zone = ZoneInfo(schedule.timezone)
    window = Interval(
        datetime.combine(first_day, datetime.min.time(), zone),
        datetime.combine(last_day + timedelta(days=1), datetime.min.time(), zone),
    )
    busy = uow.appointments.doctor_busy(doctor_id, window)
    if patient_id is not None:
        busy += uow.appointments.patient_busy(patient_id, window)
    return availability.free_slots(
        schedule, first_day=first_day, last_day=last_day, busy=busy, now=now, staff=staff
    )


def nearest_free_slots(
    uow: UnitOfWork,
    *,
    doctor_id: int,
    clinic_id: int,
    around: datetime,
    now: datetime,
    count: int = 3,
    staff: bool = False,
    patient_id: int | None = None,
) -> list[Interval]:
    """The ``count`` free slots closest in time to ``around``, in time order."""
    schedule = uow.schedules.get(doctor_id, clinic_id)
    day = around.astimezone(ZoneInfo(schedule.timezone)).date()
    span = timedelta(days=ALTERNATIVES_SEARCH_DAYS)
    candidates = free_slots(
        uow,
        doctor_id=doctor_id,
        clinic_id=clinic_id,
        first_day=day - span,
        last_day=day + span,
        now=now,
        staff=staff,
        patient_id=patient_id,
    )
    closest = sorted(candidates, key=lambda slot: abs(slot.start - around))[:count]
    return sorted(closest)
