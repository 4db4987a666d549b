"""Booking policy: when a slot may be booked, and who may hold it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from scheduler.domain.errors import (
    BeyondHorizon,
    DoctorAway,
    InPast,
    InsideMinimumNotice,
    SlotTaken,
    SlotUnavailable,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.schedule import Schedule


def timing_problem(
    schedule: Schedule, slot: Interval, now: datetime, *, staff: bool
) -> SlotUnavailable | None:
    """Why ``slot`` cannot be booked at ``now``, or None.

    Staff (the desk, the doctor) may book inside the minimum notice and a slot already under
    way (a walk-in at 10:10 takes the 10:00 slot); patients book ahead.
    """
    if slot.start > now + timedelta(days=schedule.horizon_days):
        return BeyondHorizon(
            gettext_noop("Bookings open %(horizon_days)s days ahead."),
            horizon_days=schedule.horizon_days,
        )
    if staff:
        return InPast(gettext_noop("That slot is over.")) if slot.end <= now else None
    if slot.start < now:
        return InPast(gettext_noop("That slot has already started."))
    if slot.start < now + timedelta(minutes=schedule.min_notice_minutes):
        return InsideMinimumNotice(
            gettext_noop("Book at least %(min_notice_minutes)s minutes ahead."),
            min_notice_minutes=schedule.min_notice_minutes,
        )
    return None


def ensure_timing(schedule: Schedule, slot: Interval, now: datetime, *, staff: bool) -> None:
    problem = timing_problem(schedule, slot, now, staff=staff)
    if problem is not None:
        raise problem


def ensure_free(
    slot: Interval,
    *,
    doctor_busy: Iterable[Interval],
    patient_busy: Iterable[Interval],
) -> None:
    """A doctor, and a patient, hold at most one active appointment at any instant."""
    if any(slot.overlaps(other) for other in doctor_busy):
        raise SlotTaken(gettext_noop("That slot was just taken."), holder="doctor")
    if any(slot.overlaps(other) for other in patient_busy):
        raise SlotTaken(
            gettext_noop("The patient already has an appointment at that time."), holder="patient"
        )


def ensure_clear_of(slot: Interval, away: Iterable[Interval]) -> None:
    """The doctor's own busy times (from their calendar) are kept like time off."""
    if any(slot.overlaps(block) for block in away):
        raise DoctorAway(gettext_noop("The doctor is busy at that time."), source="calendar")
