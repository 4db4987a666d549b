"""Use cases of a doctor's hours and time off: replace the schedule at a clinic, add and remove
time off.

Each change is checked by the domain (the Schedule constructor judges hours, breaks, overrides
and policy; its complaints name the field at fault), refused when it would leave booked visits
outside the new hours (ScheduleConflict lists them) unless the command insists (``force``: the
visits stand and their patients are asked to move), and committed with AvailabilityChanged for
the span it touched: every open slot grid of those days repaints.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from scheduler.domain import access, availability
from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import InvalidInput, InvalidValue, ScheduleConflict
from scheduler.domain.events import AvailabilityChanged
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.schedule import DateOverride, Schedule, WallInterval, WeeklyInterval
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork

T = TypeVar("T")

# Visits further ahead than this are not looked at when hours change (none can be booked).
AHEAD = timedelta(days=5 * 366)
NEW_HOURS_HIT = gettext_noop(
    "%(count)s booked visit(s) fall outside the new hours. Move or cancel them first, or make "
    "the change anyway and their patients will be asked to choose another time."
)
DAYS_OFF_HIT = gettext_noop(
    "%(count)s booked visit(s) fall in those days off. Move or cancel them first, or make "
    "the change anyway and their patients will be asked to choose another time."
)


@dataclass(frozen=True)
class ScheduleReplaced:
    schedule: Schedule
    displaced: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class TimeOffAdded:
    time_off_id: int
    period: Interval
    displaced: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class TimeOffRemoved:
    period: Interval


def replace_schedule(
    cmd: commands.ReplaceSchedule, uow: UnitOfWork, clock: Clock
) -> ScheduleReplaced:
    now = clock()
    access.ensure_may_manage_doctor(
        cmd.actor, cmd.doctor_id, clinic_ids=frozenset({cmd.clinic_id}), write=True
    )
    with uow:
        uow.doctors.get(cmd.doctor_id)
        if not uow.schedules.works_at(cmd.doctor_id, cmd.clinic_id):
            raise InvalidInput(
                gettext_noop("The doctor does not work at that clinic."), field="clinic_id"
            )
        zone = uow.schedules.clinic_timezone(cmd.clinic_id)
        before = uow.schedules.find(cmd.doctor_id, cmd.clinic_id)
        schedule = _validated(cmd, zone, time_off=before.time_off if before else ())
        if schedule == before:
            return ScheduleReplaced(schedule)  # nothing changed: nothing to save or repaint
        visits = uow.appointments.active_of_doctor(
            cmd.doctor_id, Interval(now, now + AHEAD), clinic_id=cmd.clinic_id
        )
        hit = _settle(
            availability.displaced(schedule, visits), cmd, now, reason="", under=NEW_HOURS_HIT
        )
        uow.schedules.save(schedule)
        reach = max(schedule.horizon_days, before.horizon_days if before else 0)
        _announce(uow, cmd.doctor_id, Interval(now, now + timedelta(days=reach)), now)
        uow.commit()
    return ScheduleReplaced(schedule, hit)


def add_time_off(cmd: commands.AddTimeOff, uow: UnitOfWork, clock: Clock) -> TimeOffAdded:
    now = clock()
    access.ensure_may_manage_doctor(cmd.actor, cmd.doctor_id, clinic_ids=frozenset(), write=True)
    period = _check("end", lambda: Interval(cmd.start, cmd.end))
    if period.end <= now or period.end > now + AHEAD:
        raise InvalidInput(
            gettext_noop("Days off end in the future, and within five years."), field="end"
        )
    with uow:
        uow.doctors.get(cmd.doctor_id)
        visits = uow.appointments.active_of_doctor(cmd.doctor_id, period)
        hit = _settle(
            [visit for visit in visits if not visit.awaiting_move],
            cmd,
            now,
            reason=cmd.reason,
            under=DAYS_OFF_HIT,
        )
        time_off_id = uow.schedules.add_time_off(cmd.doctor_id, period, cmd.reason)
        _announce(uow, cmd.doctor_id, period, now)
        uow.commit()
    return TimeOffAdded(time_off_id, period, hit)


def remove_time_off(cmd: commands.RemoveTimeOff, uow: UnitOfWork, clock: Clock) -> TimeOffRemoved:
    now = clock()
    access.ensure_may_manage_doctor(cmd.actor, cmd.doctor_id, clinic_ids=frozenset(), write=True)
    with uow:
        period = uow.schedules.remove_time_off(cmd.doctor_id, cmd.time_off_id)
        _announce(uow, cmd.doctor_id, period, now)
        uow.commit()
    return TimeOffRemoved(period)


def _settle(
    visits: Iterable[Appointment],
    cmd: commands.ScheduleChange,
    now: datetime,
    *,
    reason: str,
    under: str,
) -> tuple[uuid.UUID, ...]:
    """Refuse the change over ``visits`` (``under`` says why, with their ``count``), or
    (insisted on) tell each that it is displaced."""
    hit = sorted(visits, key=lambda visit: visit.slot.start)
    if hit and not cmd.force and not {visit.id for visit in hit} <= cmd.accept:
        raise ScheduleConflict(
            under,
            params={"count": len(hit)},
            appointments=[(visit.id, visit.slot) for visit in hit],
        )
    for visit in hit:
        visit.displace(actor_user_id=cmd.actor.user_id, now=now, reason=reason)
    return tuple(visit.id for visit in hit)


def _announce(uow: UnitOfWork, doctor_id: int, span: Interval, now: datetime) -> None:
    """AvailabilityChanged for what of ``span`` is still ahead (the past repaints nothing)."""
    start, end = max(span.start, now), min(span.end, now + AHEAD)
    if start < end:
        uow.schedules.events.append(
            AvailabilityChanged(occurred_at=now, doctor_id=doctor_id, start=start, end=end)
        )


def _validated(
    cmd: commands.ReplaceSchedule, zone: str, *, time_off: tuple[Interval, ...]
) -> Schedule:
    """The domain schedule, built a part at a time so that an error names its field."""
    empty = Schedule(
        doctor_id=cmd.doctor_id, clinic_id=cmd.clinic_id, timezone=zone, hours=(), time_off=time_off
    )
    hours = _check("hours", lambda: tuple(sorted(_weekly(span) for span in cmd.hours)))
    breaks = _check("breaks", lambda: tuple(sorted(_weekly(span) for span in cmd.breaks)))
    overrides = _check("overrides", lambda: _overrides(cmd.overrides))
    _check("hours", lambda: replace(empty, hours=hours))
    _check("breaks", lambda: replace(empty, hours=hours, breaks=breaks))
    _check("overrides", lambda: replace(empty, overrides=overrides))
    _check("slot_minutes", lambda: replace(empty, slot_minutes=cmd.slot_minutes))
    _check("horizon_days", lambda: replace(empty, horizon_days=cmd.horizon_days))
    _check("min_notice_minutes", lambda: replace(empty, min_notice_minutes=cmd.min_notice_minutes))
    return replace(
        empty,
        hours=hours,
        breaks=breaks,
        overrides=overrides,
        slot_minutes=cmd.slot_minutes,
        horizon_days=cmd.horizon_days,
        min_notice_minutes=cmd.min_notice_minutes,
        requires_approval=cmd.requires_approval,
    )


def _weekly(span: commands.WeeklySpan) -> WeeklyInterval:
    return WeeklyInterval(span.weekday, WallInterval(span.start, span.end))


def _overrides(spans: tuple[commands.OverrideSpan, ...]) -> tuple[DateOverride, ...]:
    by_day: dict[date, list[commands.OverrideSpan]] = {}
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
            raise InvalidValue(gettext_noop("%(day)s cannot be both closed and open"), day=day)
        result.append(DateOverride(day, walls))
    return tuple(result)


def _check(field: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except ValueError as error:
        if isinstance(error, InvalidValue):
            raise InvalidInput(error.template, params=error.params, field=field) from None
        raise InvalidInput(str(error), field=field) from None
