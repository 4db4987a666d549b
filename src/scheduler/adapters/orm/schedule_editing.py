"""Changes to a doctor's working pattern: weekly hours, breaks, overrides, time off.

The domain's Schedule constructor is the judge of what is valid (overlapping hours, slot
length, horizon...); its complaints come back as InvalidInput naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import TypeVar

from django.db import transaction

from scheduler.adapters.orm import models as rows
from scheduler.domain import access
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor
from scheduler.domain.schedule import DateOverride, Schedule, WallInterval, WeeklyInterval

T = TypeVar("T")


@dataclass(frozen=True)
class WeeklySpan:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class OverrideSpan:
    """Hours on one date; no start and end means closed that day."""

    day: date
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleChange:
    """The whole schedule at one clinic, replacing what was there."""

    hours: tuple[WeeklySpan, ...]
    breaks: tuple[WeeklySpan, ...] = ()
    overrides: tuple[OverrideSpan, ...] = ()
    slot_minutes: int = 30
    horizon_days: int = 60
    min_notice_minutes: int = 60
    requires_approval: bool = False


def every_week(
    weekdays: Iterable[int], *, hours: tuple[time, time], breaks: Iterable[tuple[time, time]] = ()
) -> tuple[tuple[WeeklySpan, ...], tuple[WeeklySpan, ...]]:
    """The same hours and breaks on each of ``weekdays``, as ScheduleChange hours and breaks."""
    days = tuple(weekdays)
    return (
        tuple(WeeklySpan(day, *hours) for day in days),
        tuple(WeeklySpan(day, *span) for day in days for span in breaks),
    )


def replace_schedule(
    *, actor: Actor, doctor: rows.Doctor, clinic: rows.Clinic, change: ScheduleChange
) -> Schedule:
    access.ensure_may_manage_doctor(actor, doctor.pk, clinic_ids=frozenset({clinic.pk}), write=True)
    schedule = _validated(doctor.pk, clinic, change)
    with transaction.atomic():
        row, _ = rows.Schedule.objects.update_or_create(
            doctor=doctor,
            clinic=clinic,
            defaults={
                "slot_minutes": schedule.slot_minutes,
                "horizon_days": schedule.horizon_days,
                "min_notice_minutes": schedule.min_notice_minutes,
                "requires_approval": schedule.requires_approval,
            },
        )
        row.weekly.all().delete()
        rows.WeeklyInterval.objects.bulk_create(
            [
                *(_weekly_row(row, span, rows.WeeklyInterval.Kind.WORK) for span in change.hours),
                *(_weekly_row(row, span, rows.WeeklyInterval.Kind.BREAK) for span in change.breaks),
            ]
        )
        row.overrides.all().delete()
        rows.DateOverride.objects.bulk_create(
            rows.DateOverride(schedule=row, date=o.day, start=o.start, end=o.end)
            for o in change.overrides
        )
    return schedule


def add_time_off(
    *, actor: Actor, doctor: rows.Doctor, start: datetime, end: datetime, reason: str = ""
) -> rows.TimeOff:
    access.ensure_may_manage_doctor(actor, doctor.pk, clinic_ids=frozenset(), write=True)
    _check("end", lambda: Interval(start, end))
    return rows.TimeOff.objects.create(doctor=doctor, start=start, end=end, reason=reason)


def remove_time_off(*, actor: Actor, doctor: rows.Doctor, time_off_id: int) -> None:
    access.ensure_may_manage_doctor(actor, doctor.pk, clinic_ids=frozenset(), write=True)
    deleted, _ = rows.TimeOff.objects.filter(doctor=doctor, pk=time_off_id).delete()
    if not deleted:
        raise NotFound("Time off not found.")


def _validated(doctor_id: int, clinic: rows.Clinic, change: ScheduleChange) -> Schedule:
    """The domain schedule, built a part at a time so that an error names its field."""
    empty = Schedule(doctor_id=doctor_id, clinic_id=clinic.pk, timezone=clinic.timezone, hours=())
    hours = _check("hours", lambda: tuple(sorted(_weekly(span) for span in change.hours)))
    breaks = _check("breaks", lambda: tuple(sorted(_weekly(span) for span in change.breaks)))
    overrides = _check("overrides", lambda: _overrides(change.overrides))
    _check("hours", lambda: replace(empty, hours=hours))
    _check("overrides", lambda: replace(empty, overrides=overrides))
    _check("slot_minutes", lambda: replace(empty, slot_minutes=change.slot_minutes))
    _check("horizon_days", lambda: replace(empty, horizon_days=change.horizon_days))
    _check(
        "min_notice_minutes", lambda: replace(empty, min_notice_minutes=change.min_notice_minutes)
    )
    return replace(
        empty,
        hours=hours,
        breaks=breaks,
        overrides=overrides,
        slot_minutes=change.slot_minutes,
        horizon_days=change.horizon_days,
        min_notice_minutes=change.min_notice_minutes,
        requires_approval=change.requires_approval,
    )


def _weekly(span: WeeklySpan) -> WeeklyInterval:
    return WeeklyInterval(span.weekday, WallInterval(span.start, span.end))


def _overrides(spans: tuple[OverrideSpan, ...]) -> tuple[DateOverride, ...]:
    by_day: dict[date, list[OverrideSpan]] = {}
    for span in spans:
        by_day.setdefault(span.day, []).append(span)
    result = []
    for day, entries in sorted(by_day.items()):
        walls = tuple(
            WallInterval(e.start, e.end)
            for e in entries
            if e.start is not None and e.end is not None
        )
        if walls and len(walls) != len(entries):
            raise ValueError(f"{day} cannot be both closed and open")
        result.append(DateOverride(day, walls))
    return tuple(result)


def _weekly_row(
    schedule: rows.Schedule, span: WeeklySpan, kind: rows.WeeklyInterval.Kind
) -> rows.WeeklyInterval:
    return rows.WeeklyInterval(
        schedule=schedule, kind=kind, weekday=span.weekday, start=span.start, end=span.end
    )


def _check(field: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except ValueError as error:
        raise InvalidInput(str(error), field=field) from None
