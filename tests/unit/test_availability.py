"""Weekly hours, breaks, overrides, time off, bookings and policy -> bookable slots."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain import availability, rules
from scheduler.domain.errors import (
    BeyondHorizon,
    DoctorAway,
    InBreak,
    InPast,
    InsideMinimumNotice,
    NotOnGrid,
    OutsideWorkingHours,
    SlotUnavailable,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.schedule import DateOverride, Schedule, WallInterval, WeeklyInterval

TEHRAN = "Asia/Tehran"
MONDAY = date(2026, 6, 1)
TUESDAY = MONDAY + timedelta(days=1)
SUNDAY = MONDAY + timedelta(days=6)
HALF_HOUR = timedelta(minutes=30)


def span(start: str, end: str) -> WallInterval:
    return WallInterval(time.fromisoformat(start), time.fromisoformat(end))


def weekly(days: range | list[int], start: str, end: str) -> tuple[WeeklyInterval, ...]:
    return tuple(WeeklyInterval(day, span(start, end)) for day in days)


def at(day: date, clock: str, zone: str = TEHRAN) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), ZoneInfo(zone))


def slot_at(day: date, clock: str, zone: str = TEHRAN, minutes: int = 30) -> Interval:
    start = at(day, clock, zone)
    return Interval(start, start + timedelta(minutes=minutes))


def wall_starts(slots: list[Interval], zone: str = TEHRAN) -> list[str]:
    return [f"{s.start.astimezone(ZoneInfo(zone)):%H:%M}" for s in slots]


BASE = Schedule(
    doctor_id=1,
    clinic_id=1,
    timezone=TEHRAN,
    hours=weekly(range(5), "10:00", "17:00"),
    breaks=weekly(range(5), "13:00", "14:00"),
    min_notice_minutes=60,
    horizon_days=60,
)


def weekdays_schedule(**changes: Any) -> Schedule:
    """Monday to Friday 10:00-17:00 with lunch 13:00-14:00, 30-minute slots, in Tehran."""
    return replace(BASE, **changes)


EARLY = at(MONDAY, "06:00")  # before every slot of MONDAY, so policy takes nothing away


# --- the grid of one day ----------------------------------------------------------------------


def test_lunch_break_leaves_twelve_half_hour_slots_in_ten_to_five() -> None:
    slots = availability.day_grid(weekdays_schedule(), MONDAY)

    assert wall_starts(slots) == [
        "10:00", "10:30", "11:00", "11:30", "12:00", "12:30",
        "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert all(s.duration == HALF_HOUR for s in slots)


def test_several_intervals_a_day_are_all_used_and_come_out_in_order() -> None:
    schedule = weekdays_schedule(
        hours=(
            WeeklyInterval(0, span("16:00", "18:00")),
            WeeklyInterval(0, span("08:00", "09:00")),
            WeeklyInterval(0, span("11:00", "12:00")),
        ),
        breaks=(),
    )

    slots = availability.day_grid(schedule, MONDAY)

    assert wall_starts(slots) == [
        "08:00", "08:30", "11:00", "11:30", "16:00", "16:30", "17:00", "17:30",
    ]  # fmt: skip


def test_a_break_across_two_intervals_cuts_both() -> None:
    schedule = weekdays_schedule(
        hours=(
            WeeklyInterval(0, span("10:00", "12:00")),
            WeeklyInterval(0, span("14:00", "16:00")),
        ),
        breaks=(WeeklyInterval(0, span("11:30", "14:30")),),
    )

    assert wall_starts(availability.day_grid(schedule, MONDAY)) == [
        "10:00", "10:30", "11:00", "14:30", "15:00", "15:30",
    ]  # fmt: skip


def test_a_tail_shorter_than_a_slot_is_not_offered() -> None:
    schedule = weekdays_schedule(hours=weekly([0], "10:00", "11:45"), breaks=())

    assert wall_starts(availability.day_grid(schedule, MONDAY)) == ["10:00", "10:30", "11:00"]


def test_slot_length_follows_the_schedule() -> None:
    schedule = weekdays_schedule(hours=weekly([0], "10:00", "12:00"), breaks=(), slot_minutes=45)

    slots = availability.day_grid(schedule, MONDAY)

    assert wall_starts(slots) == ["10:00", "10:45"]
    assert all(s.duration == timedelta(minutes=45) for s in slots)


def test_a_day_without_hours_has_no_slots() -> None:
    assert availability.day_grid(weekdays_schedule(), SUNDAY) == []


def test_overlapping_weekly_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        weekdays_schedule(
            hours=(
                WeeklyInterval(0, span("10:00", "12:00")),
                WeeklyInterval(0, span("11:00", "13:00")),
            )
        )


# --- overrides --------------------------------------------------------------------------------


def test_an_override_replaces_the_hours_and_breaks_of_its_date_only() -> None:
    schedule = weekdays_schedule(overrides=(DateOverride(MONDAY, (span("12:00", "14:00"),)),))

    assert wall_starts(availability.day_grid(schedule, MONDAY)) == [
        "12:00",
        "12:30",
        "13:00",
        "13:30",
    ]  # the lunch break belongs to the weekly pattern the override replaced
    assert len(availability.day_grid(schedule, TUESDAY)) == 12


def test_an_empty_override_closes_the_day() -> None:
    schedule = weekdays_schedule(overrides=(DateOverride(MONDAY),))

    assert availability.day_grid(schedule, MONDAY) == []
    assert (
        availability.free_slots(
            schedule, first_day=MONDAY, last_day=MONDAY, busy=[], now=EARLY, staff=True
        )
        == []
    )


def test_an_override_opens_a_day_off() -> None:
    schedule = weekdays_schedule(overrides=(DateOverride(SUNDAY, (span("09:00", "10:00"),)),))

    assert wall_starts(availability.day_grid(schedule, SUNDAY)) == ["09:00", "09:30"]


# --- time off, bookings, several days ---------------------------------------------------------


def test_time_off_removes_every_slot_it_touches() -> None:
    schedule = weekdays_schedule(
        time_off=(
            Interval(at(MONDAY, "11:00"), at(MONDAY, "12:00")),
            Interval(at(MONDAY, "15:10"), at(MONDAY, "15:20")),  # inside the 15:00 slot
        )
    )

    free = availability.free_slots(schedule, first_day=MONDAY, last_day=MONDAY, busy=[], now=EARLY)

    assert wall_starts(free) == [
        "10:00", "10:30", "12:00", "12:30", "14:00", "14:30", "15:30", "16:00", "16:30",
    ]  # fmt: skip


def test_time_off_over_days_removes_whole_days() -> None:
    schedule = weekdays_schedule(
        time_off=(Interval(at(MONDAY, "00:00"), at(TUESDAY + timedelta(days=1), "00:00")),)
    )

    free = availability.free_slots(
        schedule, first_day=MONDAY, last_day=TUESDAY + timedelta(days=1), busy=[], now=EARLY
    )

    assert {s.start.astimezone(ZoneInfo(TEHRAN)).date() for s in free} == {
        TUESDAY + timedelta(days=1)
    }


def test_busy_intervals_are_removed_even_when_off_the_grid() -> None:
    busy = [slot_at(MONDAY, "10:00"), Interval(at(MONDAY, "11:45"), at(MONDAY, "12:15"))]

    free = availability.free_slots(
        weekdays_schedule(), first_day=MONDAY, last_day=MONDAY, busy=busy, now=EARLY
    )

    # 11:45-12:15 touches both the 11:30 and the 12:00 slot
    assert wall_starts(free) == [
        "10:30", "11:00", "12:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip


def test_free_slots_cover_first_to_last_day_inclusive_in_clinic_dates() -> None:
    free = availability.free_slots(
        weekdays_schedule(),
        first_day=MONDAY,
        last_day=MONDAY + timedelta(days=6),
        busy=[],
        now=EARLY,
    )

    assert len(free) == 5 * 12
    assert free == sorted(free)
    dates = {s.start.astimezone(ZoneInfo(TEHRAN)).date() for s in free}
    assert dates == {MONDAY + timedelta(days=n) for n in range(5)}


# --- policy: past, minimum notice, horizon ----------------------------------------------------


def test_patients_get_neither_past_nor_running_slots_nor_ones_inside_the_notice() -> None:
    now = at(MONDAY, "11:10")

    free = availability.free_slots(
        weekdays_schedule(), first_day=MONDAY, last_day=MONDAY, busy=[], now=now
    )

    # 11:00 is running, 11:30 and 12:00 start within 60 minutes of 11:10.
    assert wall_starts(free)[0] == "12:30"


def test_staff_may_book_a_running_slot_and_inside_the_notice_but_not_a_finished_one() -> None:
    now = at(MONDAY, "11:10")

    free = availability.free_slots(
        weekdays_schedule(), first_day=MONDAY, last_day=MONDAY, busy=[], now=now, staff=True
    )

    assert wall_starts(free)[:3] == ["11:00", "11:30", "12:00"]


def test_nothing_beyond_the_horizon_for_anyone() -> None:
    schedule = weekdays_schedule(horizon_days=2)
    now = at(MONDAY, "09:00")

    for staff in (False, True):
        free = availability.free_slots(
            schedule,
            first_day=MONDAY,
            last_day=MONDAY + timedelta(days=4),
            busy=[],
            now=now,
            staff=staff,
        )
        days = {s.start.astimezone(ZoneInfo(TEHRAN)).date() for s in free}
        assert days == {MONDAY, TUESDAY}
        # exactly the horizon is still open
        assert free[-1].start <= now + timedelta(days=2)


@pytest.mark.parametrize(
    ("clock", "staff", "expected"),
    [
        ("08:59", False, None),  # exactly 60 minutes ahead of 10:00 is enough
        ("09:01", False, InsideMinimumNotice),
        ("10:00", False, InsideMinimumNotice),  # starting now: not "already started"
        ("10:01", False, InPast),
        ("09:30", True, None),
        ("10:29", True, None),
        ("10:30", True, InPast),
    ],
)
def test_timing_policy_at_the_boundaries(
    clock: str, staff: bool, expected: type[SlotUnavailable] | None
) -> None:
    problem = rules.timing_problem(
        weekdays_schedule(), slot_at(MONDAY, "10:00"), at(MONDAY, clock), staff=staff
    )

    if expected is None:
        assert problem is None
    else:
        assert type(problem) is expected


def test_the_horizon_is_inclusive_and_reported_with_its_length() -> None:
    schedule = weekdays_schedule(horizon_days=7)
    now = at(MONDAY, "10:00")

    assert (
        rules.timing_problem(schedule, slot_at(MONDAY + timedelta(7), "10:00"), now, staff=False)
        is None
    )
    with pytest.raises(BeyondHorizon) as caught:
        rules.ensure_timing(schedule, slot_at(MONDAY + timedelta(7), "10:30"), now, staff=True)
    assert caught.value.details == {"horizon_days": 7}


# --- ensure_on_grid ---------------------------------------------------------------------------


def test_a_grid_slot_passes_in_any_zone() -> None:
    schedule = weekdays_schedule()
    slot = slot_at(MONDAY, "14:30")

    availability.ensure_on_grid(schedule, slot)
    availability.ensure_on_grid(
        schedule, Interval(slot.start.astimezone(UTC), slot.end.astimezone(UTC))
    )


@pytest.mark.parametrize(
    ("day", "clock", "error"),
    [
        (MONDAY, "08:00", OutsideWorkingHours),
        (MONDAY, "09:45", OutsideWorkingHours),
        (MONDAY, "17:00", OutsideWorkingHours),
        (SUNDAY, "10:00", OutsideWorkingHours),
        (MONDAY, "13:00", InBreak),
        (MONDAY, "13:30", InBreak),
        (MONDAY, "10:15", NotOnGrid),
        (MONDAY, "16:45", NotOnGrid),  # would run past closing
        (MONDAY, "12:45", NotOnGrid),  # would run into lunch
    ],
)
def test_off_grid_requests_get_a_precise_error(
    day: date, clock: str, error: type[SlotUnavailable]
) -> None:
    with pytest.raises(error) as caught:
        availability.ensure_on_grid(weekdays_schedule(), slot_at(day, clock))
    assert type(caught.value) is error


def test_not_on_grid_says_how_long_slots_are() -> None:
    with pytest.raises(NotOnGrid) as caught:
        availability.ensure_on_grid(weekdays_schedule(), slot_at(MONDAY, "10:10"))
    assert caught.value.details == {"slot_minutes": 30}


def test_a_slot_of_the_wrong_length_is_not_on_the_grid() -> None:
    with pytest.raises(NotOnGrid):
        availability.ensure_on_grid(weekdays_schedule(), slot_at(MONDAY, "10:00", minutes=60))


def test_time_off_makes_the_doctor_away() -> None:
    schedule = weekdays_schedule(time_off=(Interval(at(MONDAY, "10:15"), at(MONDAY, "10:20")),))

    with pytest.raises(DoctorAway):
        availability.ensure_on_grid(schedule, slot_at(MONDAY, "10:00"))
    availability.ensure_on_grid(schedule, slot_at(MONDAY, "10:30"))


def test_a_closed_override_day_is_outside_working_hours() -> None:
    schedule = weekdays_schedule(overrides=(DateOverride(MONDAY),))

    with pytest.raises(OutsideWorkingHours):
        availability.ensure_on_grid(schedule, slot_at(MONDAY, "10:00"))


def test_an_override_has_no_weekly_break() -> None:
    schedule = weekdays_schedule(overrides=(DateOverride(MONDAY, (span("12:00", "15:00"),)),))

    availability.ensure_on_grid(schedule, slot_at(MONDAY, "13:00"))


# --- daylight saving time ---------------------------------------------------------------------
#
# Policy (availability.py): slots are laid on the wall clock; a slot with a start or end in a
# spring-forward gap is not offered, nor one whose real length differs from its wall length
# because it straddles a transition; an ambiguous (fall-back) time means its first occurrence.


def every_day(start: str, end: str) -> tuple[WeeklyInterval, ...]:
    return weekly(range(7), start, end)


def dst_schedule(zone: str, *spans: tuple[str, str]) -> Schedule:
    hours = tuple(h for start, end in spans for h in every_day(start, end))
    return Schedule(doctor_id=1, clinic_id=1, timezone=zone, hours=hours)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def assert_sound(slots: list[Interval], zone: str) -> None:
    """Real 30 minutes each, in order, apart, and each start a first occurrence on the wall."""
    tz = ZoneInfo(zone)
    assert slots == sorted(slots)
    for slot in slots:
        assert slot.end - slot.start == HALF_HOUR
        local = slot.start.astimezone(tz)
        assert local.fold == 0
        wall = local.replace(tzinfo=None)
        assert wall.replace(tzinfo=tz, fold=0).astimezone(UTC) == slot.start
        local_end = slot.end.astimezone(tz).replace(tzinfo=None)
        assert local_end - wall == HALF_HOUR  # wall length equals real length
    for first, second in pairwise(slots):
        assert not first.overlaps(second)


def assert_nothing_in_gap(slots: list[Interval], zone: str, gap_start: str, gap_end: str) -> None:
    """No slot start or end lies in [gap_start, gap_end) of wall time (which never happens)."""
    tz = ZoneInfo(zone)
    low, high = datetime.fromisoformat(gap_start), datetime.fromisoformat(gap_end)
    for slot in slots:
        for instant in (slot.start, slot.end):
            wall = instant.astimezone(tz).replace(tzinfo=None)
            assert not low <= wall < high


def offset_of_ten_oclock(schedule: Schedule, day: date) -> timedelta | None:
    zone = ZoneInfo(schedule.timezone)
    local_starts = [s.start.astimezone(zone) for s in availability.day_grid(schedule, day)]
    (ten,) = [start for start in local_starts if start.time() == time(10)]
    return ten.utcoffset()


def test_zoneinfo_agrees_with_the_transitions_these_tests_assume() -> None:
    # Tehran 2021: 00:00 -> 01:00 on 22 March; 24:00 on 21 September -> 23:00.
    tehran = ZoneInfo("Asia/Tehran")
    assert utc("2021-03-21T20:29").astimezone(tehran).isoformat() == "2021-03-21T23:59:00+03:30"
    assert utc("2021-03-21T20:30").astimezone(tehran).isoformat() == "2021-03-22T01:00:00+04:30"
    assert utc("2021-09-21T19:29").astimezone(tehran).isoformat() == "2021-09-21T23:59:00+04:30"
    assert utc("2021-09-21T19:30").astimezone(tehran).isoformat() == "2021-09-21T23:00:00+03:30"
    new_york = ZoneInfo("America/New_York")
    assert utc("2026-03-08T07:00").astimezone(new_york).isoformat() == "2026-03-08T03:00:00-04:00"
    assert utc("2026-11-01T06:00").astimezone(new_york).isoformat() == "2026-11-01T01:00:00-05:00"
    berlin = ZoneInfo("Europe/Berlin")
    assert utc("2026-03-29T01:00").astimezone(berlin).isoformat() == "2026-03-29T03:00:00+02:00"
    assert utc("2026-10-25T01:00").astimezone(berlin).isoformat() == "2026-10-25T02:00:00+01:00"


def test_tehran_spring_forward_offers_nothing_in_the_lost_hour() -> None:
    day = date(2021, 3, 22)
    schedule = dst_schedule(TEHRAN, ("00:00", "02:00"), ("10:00", "11:00"))

    slots = availability.day_grid(schedule, day)

    assert [s.start for s in slots[:2]] == [utc("2021-03-21T20:30"), utc("2021-03-21T21:00")]
    assert wall_starts(slots) == ["01:00", "01:30", "10:00", "10:30"]
    assert_sound(slots, TEHRAN)
    assert_nothing_in_gap(slots, TEHRAN, "2021-03-22T00:00", "2021-03-22T01:00")
    assert offset_of_ten_oclock(schedule, day - timedelta(days=1)) == timedelta(hours=3, minutes=30)
    assert offset_of_ten_oclock(schedule, day) == timedelta(hours=4, minutes=30)
    assert offset_of_ten_oclock(schedule, day + timedelta(days=1)) == timedelta(hours=4, minutes=30)


def test_tehran_fall_back_offers_the_repeated_hour_once_in_its_first_occurrence() -> None:
    eve, day = date(2021, 9, 21), date(2021, 9, 22)
    # A span cannot end at 24:00, so the evening runs to 23:59: the last slot is 23:00-23:30.
    schedule = dst_schedule(TEHRAN, ("00:00", "01:00"), ("10:00", "11:00"), ("22:00", "23:59"))

    tz = ZoneInfo(TEHRAN)
    evening = [s for s in availability.day_grid(schedule, eve) if s.start.astimezone(tz).hour >= 22]
    next_night = availability.day_grid(schedule, day)[:2]

    # 22:00, 22:30 and 23:00 at +04:30
    assert [s.start for s in evening] == [
        utc("2021-09-21T17:30"),
        utc("2021-09-21T18:00"),
        utc("2021-09-21T18:30"),
    ]  # fmt: skip
    assert [s.start for s in next_night] == [utc("2021-09-21T20:30"), utc("2021-09-21T21:00")]
    assert_sound(evening + next_night, TEHRAN)
    assert offset_of_ten_oclock(schedule, eve) == timedelta(hours=4, minutes=30)
    assert offset_of_ten_oclock(schedule, day) == timedelta(hours=3, minutes=30)


def test_new_york_spring_forward() -> None:
    day = date(2026, 3, 8)
    schedule = dst_schedule("America/New_York", ("01:00", "04:00"), ("10:00", "11:00"))

    slots = availability.day_grid(schedule, day)[:3]

    # 01:30-02:00 is dropped: its end, 02:00, never shows on the clock (it reads 03:00).
    assert wall_starts(slots, "America/New_York") == ["01:00", "03:00", "03:30"]
    assert [s.start for s in slots] == [
        utc("2026-03-08T06:00"), utc("2026-03-08T07:00"), utc("2026-03-08T07:30"),
    ]  # fmt: skip
    assert_sound(slots, "America/New_York")
    assert_nothing_in_gap(slots, "America/New_York", "2026-03-08T02:00", "2026-03-08T03:00")
    assert offset_of_ten_oclock(schedule, date(2026, 3, 7)) == timedelta(hours=-5)
    assert offset_of_ten_oclock(schedule, day) == timedelta(hours=-4)


def test_new_york_fall_back() -> None:
    day = date(2026, 11, 1)
    schedule = dst_schedule("America/New_York", ("00:00", "03:00"), ("10:00", "11:00"))

    slots = availability.day_grid(schedule, day)[:5]

    # 01:00 is its first (EDT) occurrence; 01:30-02:00 would last 90 real minutes and is
    # dropped; the repeated hour (01:00-02:00 EST) is not offered again.
    assert [s.start for s in slots] == [
        utc("2026-11-01T04:00"),  # 00:00 EDT
        utc("2026-11-01T04:30"),  # 00:30 EDT
        utc("2026-11-01T05:00"),  # 01:00 EDT
        utc("2026-11-01T07:00"),  # 02:00 EST
        utc("2026-11-01T07:30"),  # 02:30 EST
    ]
    assert_sound(slots, "America/New_York")
    assert offset_of_ten_oclock(schedule, date(2026, 10, 31)) == timedelta(hours=-4)
    assert offset_of_ten_oclock(schedule, day) == timedelta(hours=-5)


def test_berlin_spring_forward() -> None:
    day = date(2026, 3, 29)
    schedule = dst_schedule("Europe/Berlin", ("01:00", "04:00"), ("10:00", "11:00"))

    slots = availability.day_grid(schedule, day)[:3]

    assert wall_starts(slots, "Europe/Berlin") == ["01:00", "03:00", "03:30"]
    assert [s.start for s in slots] == [
        utc("2026-03-29T00:00"), utc("2026-03-29T01:00"), utc("2026-03-29T01:30"),
    ]  # fmt: skip
    assert_sound(slots, "Europe/Berlin")
    assert_nothing_in_gap(slots, "Europe/Berlin", "2026-03-29T02:00", "2026-03-29T03:00")
    assert offset_of_ten_oclock(schedule, date(2026, 3, 28)) == timedelta(hours=1)
    assert offset_of_ten_oclock(schedule, day) == timedelta(hours=2)


def test_berlin_fall_back() -> None:
    day = date(2026, 10, 25)
    schedule = dst_schedule("Europe/Berlin", ("01:00", "04:00"), ("10:00", "11:00"))

    slots = availability.day_grid(schedule, day)[:5]

    assert [s.start for s in slots] == [
        utc("2026-10-24T23:00"),  # 01:00 CEST
        utc("2026-10-24T23:30"),  # 01:30 CEST
        utc("2026-10-25T00:00"),  # 02:00 CEST, first occurrence
        utc("2026-10-25T02:00"),  # 03:00 CET (02:30-03:00 would last 90 minutes)
        utc("2026-10-25T02:30"),  # 03:30 CET
    ]
    assert_sound(slots, "Europe/Berlin")
    assert offset_of_ten_oclock(schedule, date(2026, 10, 24)) == timedelta(hours=2)
    assert offset_of_ten_oclock(schedule, day) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (TEHRAN, date(2021, 3, 22)),
        (TEHRAN, date(2021, 9, 21)),
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Europe/Berlin", date(2026, 3, 29)),
        ("Europe/Berlin", date(2026, 10, 25)),
    ],
)
def test_on_transition_days_every_offered_slot_is_accepted_back(zone: str, day: date) -> None:
    schedule = dst_schedule(zone, ("00:00", "04:00"), ("20:00", "23:59"))
    now = datetime.combine(day - timedelta(days=2), time(0), ZoneInfo(zone))

    grid = availability.day_grid(schedule, day)
    free = availability.free_slots(schedule, first_day=day, last_day=day, busy=[], now=now)

    assert free == grid
    assert_sound(grid, zone)
    for slot in grid:
        availability.ensure_on_grid(schedule, slot)


def test_the_second_occurrence_of_a_repeated_time_is_not_bookable() -> None:
    schedule = dst_schedule("America/New_York", ("00:00", "03:00"))
    second_one_oclock = Interval(utc("2026-11-01T06:00"), utc("2026-11-01T06:30"))  # 01:00 EST

    with pytest.raises(NotOnGrid):
        availability.ensure_on_grid(schedule, second_one_oclock)


def _night_shift(**extra: Any) -> Schedule:
    """01:00-04:00 every day in Berlin, whose clocks leap from 02:00 to 03:00 on 2025-03-30."""
    return Schedule(
        doctor_id=1,
        clinic_id=1,
        timezone="Europe/Berlin",
        hours=tuple(WeeklyInterval(day, WallInterval(time(1), time(4))) for day in range(7)),
        **extra,
    )


def test_offered_time_counts_the_real_hours_of_a_clock_change() -> None:
    leap = date(2025, 3, 30)

    assert availability.offered_time(_night_shift(), leap, leap) == timedelta(hours=2)
    assert availability.offered_time(_night_shift(), leap - timedelta(days=1), leap) == timedelta(
        hours=5
    )


def test_offered_time_takes_away_time_off_once_and_closed_dates() -> None:
    day = date(2025, 1, 6)
    berlin = ZoneInfo("Europe/Berlin")
    away = Interval(datetime.combine(day, time(0), berlin), datetime.combine(day, time(2), berlin))
    overlapping = Interval(
        datetime.combine(day, time(1), berlin), datetime.combine(day, time(3), berlin)
    )
    schedule = _night_shift(
        time_off=(away, overlapping), overrides=(DateOverride(day + timedelta(days=1)),)
    )

    assert availability.offered_time(schedule, day, day + timedelta(days=2)) == timedelta(hours=4)
