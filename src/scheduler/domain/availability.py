"""Weekly hours + breaks + overrides + time off + busy times -> bookable slots.

All wall-clock arithmetic happens here, once, in the clinic's zone. Slots are generated on the
wall clock (10:00, 10:30, ...) and then placed on the absolute time line. A wall-clock time that
does not exist (spring-forward gap) yields no slot; neither does a slot whose wall-clock span is
not its real length because it straddles a DST transition. Ambiguous times (fall-back) take
their first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import DoctorAway, InBreak, NotOnGrid, OutsideWorkingHours
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.rules import timing_problem
from scheduler.domain.schedule import Schedule


def day_grid(schedule: Schedule, day: date) -> list[Interval]:
    """Every slot of ``day`` the doctor's hours allow, ignoring bookings, time off and policy."""
    return list(_day_grid(schedule, day))


# A grid depends only on the (immutable) schedule and the date, and placing each slot on the
# time line is most of a month's grid: kept for the schedules and days recently asked for.
@lru_cache(maxsize=8192)
def _day_grid(schedule: Schedule, day: date) -> tuple[Interval, ...]:
    zone = ZoneInfo(schedule.timezone)
    length = timedelta(minutes=schedule.slot_minutes)
    slots = []
    for span in schedule.working_spans(day):
        wall_start = datetime.combine(day, span.start)
        wall_limit = datetime.combine(day, span.end)
        while wall_start + length <= wall_limit:
            slot = _place(wall_start, wall_start + length, zone)
            if slot is not None:
                slots.append(slot)
            wall_start += length
    return tuple(slots)


def free_slots(
    schedule: Schedule,
    *,
    first_day: date,
    last_day: date,
    busy: Iterable[Interval],
    now: datetime,
    staff: bool = False,
) -> list[Interval]:
    """Slots in ``first_day..last_day`` (clinic dates, inclusive) that can be booked now.

    One pass over the slots and the merged busy time, both in time order: the cost grows with
    slots + busy intervals, not with their product (a full month of a busy doctor)."""
    taken = _merged([*busy, *schedule.time_off])
    free = []
    next_taken = 0
    for slot in sorted(
        slot for day in _days(first_day, last_day) for slot in _day_grid(schedule, day)
    ):
        while next_taken < len(taken) and taken[next_taken].end <= slot.start:
            next_taken += 1  # over before this slot, so before every later one
        if next_taken < len(taken) and taken[next_taken].start < slot.end:
            continue
        if timing_problem(schedule, slot, now, staff=staff) is None:
            free.append(slot)
    return free


def ensure_on_grid(schedule: Schedule, slot: Interval) -> None:
    """Raise a precise error when ``slot`` is not one of the schedule's slots."""
    zone = ZoneInfo(schedule.timezone)
    day = slot.start.astimezone(zone).date()
    if slot in day_grid(schedule, day):
        if any(slot.overlaps(away) for away in schedule.time_off):
            raise DoctorAway(gettext_noop("The doctor is away at that time."))
        return
    local_start = slot.start.astimezone(zone).time()
    local_end = slot.end.astimezone(zone).time()
    if any(b.start <= local_start < b.end for b in schedule.breaks_on(day)):
        raise InBreak(gettext_noop("That time falls in the doctor's break."))
    if any(s.start <= local_start < s.end for s in schedule.working_spans(day)):
        raise NotOnGrid(
            gettext_noop("Appointments start on the %(slot_minutes)s-minute grid of the schedule."),
            slot_minutes=schedule.slot_minutes,
        )
    raise OutsideWorkingHours(
        gettext_noop("The doctor does not work at %(start)s-%(end)s on %(day)s."),
        params={"start": local_start, "end": local_end, "day": day},
    )


def displaced(schedule: Schedule, appointments: Iterable[Appointment]) -> list[Appointment]:
    """The appointments (at the schedule's clinic) that ``schedule`` has no room for: not
    wholly within the working hours of their day (outside them, or in a break), or in time
    off. A visit off the new slot grid but within the hours keeps its time: a new visit length
    applies to new bookings. A visit displaced before and not moved since is not counted again:
    its patient was asked already."""
    return sorted(
        (
            visit
            for visit in appointments
            if not visit.awaiting_move and not fits(schedule, visit.slot)
        ),
        key=lambda visit: visit.slot.start,
    )


def fits(schedule: Schedule, slot: Interval) -> bool:
    """Whether ``slot`` lies wholly within one working span of its day and outside time off."""
    zone = ZoneInfo(schedule.timezone)
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    if start.date() != end.date():
        return False  # no working span runs past midnight
    in_hours = any(
        span.start <= start.time() and end.time() <= span.end
        for span in schedule.working_spans(start.date())
    )
    return in_hours and not any(slot.overlaps(away) for away in schedule.time_off)


def _place(wall_start: datetime, wall_end: datetime, zone: ZoneInfo) -> Interval | None:
    start = _to_utc(wall_start, zone)
    end = _to_utc(wall_end, zone)
    if start is None or end is None or end - start != wall_end - wall_start:
        return None
    return Interval(start, end)


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime | None:
    aware = wall.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None  # falls in a spring-forward gap
    return instant


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def offered_time(schedule: Schedule, first_day: date, last_day: date) -> timedelta:
    """How long the doctor's hours offer in ``first_day..last_day`` (clinic dates, inclusive):
    the working spans of each day (breaks and dates that differ already applied) on the real
    time line, less the time off that overlaps them. A day of a clock change counts its real
    hours, not its wall-clock ones."""
    zone = ZoneInfo(schedule.timezone)
    away = _merged(schedule.time_off)
    total = timedelta()
    for day in _days(first_day, last_day):
        for span in schedule.working_spans(day):
            start = datetime.combine(day, span.start, zone).astimezone(UTC)
            end = datetime.combine(day, span.end, zone).astimezone(UTC)
            if end <= start:
                continue  # wholly inside a spring-forward gap
            total += end - start
            for off in away:
                if off.start < end and start < off.end:
                    total -= min(end, off.end) - max(start, off.start)
    return total


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The same time line with overlapping (or touching) intervals made one: sorted, disjoint."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged
