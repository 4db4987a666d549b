"""Reads that the use cases share with the API: free slots and their nearest alternatives."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain import availability
from scheduler.domain.intervals import Interval, local_days
from scheduler.domain.schedule import Schedule
from scheduler.services.unit_of_work import UnitOfWork

# Alternatives are looked for around the asked day first (one read of three days costs about
# what a read of one does), then a week either side.
ALTERNATIVE_WINDOWS_DAYS = (1, 7)


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
    return _free(uow, schedule, first_day, last_day, now, staff, patient_id)


def schedule_free_slots(
    uow: UnitOfWork, schedule: Schedule, *, first_day: date, last_day: date, now: datetime
) -> list[Interval]:
    """``free_slots`` as a patient sees them, of a schedule the caller has loaded already."""
    return _free(uow, schedule, first_day, last_day, now, False, None)


def nearest_free_slots(
    uow: UnitOfWork,
    schedule: Schedule,
    *,
    around: datetime,
    now: datetime,
    count: int = 3,
    staff: bool = False,
    patient_id: int | None = None,
) -> list[Interval]:
    """The ``count`` free slots of ``schedule`` closest in time to ``around``, in time order."""
    zone = ZoneInfo(schedule.timezone)
    day = around.astimezone(zone).date()
    closest: list[Interval] = []
    for days in ALTERNATIVE_WINDOWS_DAYS:
        first, last = day - timedelta(days=days), day + timedelta(days=days)
        candidates = _free(uow, schedule, first, last, now, staff, patient_id)
        closest = sorted(candidates, key=lambda slot: abs(slot.start - around))[:count]
        # Exact once the farthest pick is nearer than anything outside the window can be.
        window = local_days(first, last, zone)
        reach = min(around - window.start, window.end - around)
        if len(closest) == count and abs(closest[-1].start - around) <= reach:
            break
    return sorted(closest)


def _free(
    uow: UnitOfWork,
    schedule: Schedule,
    first_day: date,
    last_day: date,
    now: datetime,
    staff: bool,
    patient_id: int | None,
) -> list[Interval]:
    zone = ZoneInfo(schedule.timezone)
    window = local_days(first_day, last_day, zone)
    busy = uow.busy_time(schedule.doctor_id, window, patient_id=patient_id)
    return availability.free_slots(
        schedule, first_day=first_day, last_day=last_day, busy=busy, now=now, staff=staff
    )
