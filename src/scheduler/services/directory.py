"""The doctors' free time as the search lists it: the next free slot and, per day, the last
free start of each part of the day. Computed with the slot computation a patient books by
(``queries.free_slots`` as a patient sees them), so the search never offers what booking
would refuse; an adapter keeps the result in rows, refreshed by events and as time passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.day_parts import DayPart, part_of
from scheduler.domain.errors import NotFound
from scheduler.domain.intervals import Interval
from scheduler.services.queries import schedule_free_slots
from scheduler.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class FreeDay:
    day: date
    last: Mapping[DayPart, datetime] = field(default_factory=dict)
    free_slots: int = 0


@dataclass(frozen=True)
class FreeTime:
    """What a patient could book now of a doctor at a clinic, from the clinic's today through
    the horizon's whole days. The horizon's last, partial day is left out: its bookable part
    grows by the minute, and a row kept for it would be wrong at once."""

    next: Interval | None
    days: tuple[FreeDay, ...]


def free_time(uow: UnitOfWork, *, doctor_id: int, clinic_id: int, now: datetime) -> FreeTime | None:
    """None: the doctor is not listed there (unknown, unverified, their account closed, or no
    hours at the clinic): no free time worth computing."""
    try:
        doctor = uow.doctors.get(doctor_id)
    except NotFound:
        return None
    schedule = uow.schedules.find(doctor_id, clinic_id)
    if not doctor.listed or schedule is None:
        return None
    zone = ZoneInfo(schedule.timezone)
    first_day = now.astimezone(zone).date()
    last_day = first_day + timedelta(days=schedule.horizon_days - 1)
    slots = schedule_free_slots(uow, schedule, first_day=first_day, last_day=last_day, now=now)
    return FreeTime(next=slots[0] if slots else None, days=summarised(slots, zone))


def summarised(slots: list[Interval], zone: ZoneInfo) -> tuple[FreeDay, ...]:
    """Free slots (in time order) as days of the clinic's calendar, in order."""
    last: dict[date, dict[DayPart, datetime]] = {}
    counts: dict[date, int] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        last.setdefault(local.date(), {})[part_of(local.time())] = slot.start
        counts[local.date()] = counts.get(local.date(), 0) + 1
    return tuple(FreeDay(day, parts, counts[day]) for day, parts in last.items())
