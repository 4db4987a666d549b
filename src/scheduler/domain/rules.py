"""Booking policy: when a slot may be booked, and who may hold it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from scheduler.domain.errors import (
    BeyondHorizon,
    DoctorAway,
    InPast,
    InsideMinimumNotice,
    InvalidInput,
    PastChangeCutoff,
    SlotTaken,
    SlotUnavailable,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import Span, gettext_noop
from scheduler.domain.model import Doctor
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


# What a patient is refused, by action, once the clinic's cut-off has passed. A late move frees
# the slot as late as a cancellation does, so the cut-off holds both (as Doctolib does).
_LATE_CHANGE = {
    "cancel": gettext_noop("Cancellations close %(cutoff)s before the visit; call the clinic."),
    "reschedule": gettext_noop(
        "Changes of time close %(cutoff)s before the visit; call the clinic."
    ),
}


def ensure_bookable(doctor: Doctor | None) -> Doctor:
    """A doctor to book or to wait for: one not yet verified is none, as their page is (a 404;
    found by an attacker, a refusal of its own told which ids wait for approval); one whose
    account was closed says so."""
    if doctor is None or not doctor.verified:
        raise InvalidInput(gettext_noop("No such doctor."), field="doctor_id")
    if not doctor.active:
        raise InvalidInput(gettext_noop("This doctor no longer takes bookings."), field="doctor_id")
    return doctor


def ensure_takes_patient(*, accepts_new_patients: bool, taken_on: bool, staff: bool) -> None:
    """A doctor who takes no new patients is booked by the patients they have taken on; the
    desk and the doctor book anyone (a referral, a colleague's patient, a family arranged by
    phone)."""
    if accepts_new_patients or taken_on or staff:
        return
    raise InvalidInput(gettext_noop("This doctor is not taking new patients."), field="doctor_id")


def patient_changes_until(start: datetime, cutoff_minutes: int) -> datetime | None:
    """Until when (exclusive) a patient may cancel or move a visit starting at ``start``;
    None: the clinic has no cut-off (0), and the visit's own end is the only limit."""
    return start - timedelta(minutes=cutoff_minutes) if cutoff_minutes > 0 else None


def ensure_may_still_change(
    start: datetime, now: datetime, cutoff_minutes: int, *, action: str, staff: bool
) -> None:
    """A patient cancels or moves a visit only before the clinic's cut-off (at the cut-off it
    is closed); the desk and the doctor may at any time, as the phone call asks them to."""
    until = patient_changes_until(start, cutoff_minutes)
    if staff or until is None or now < until:
        return
    raise PastChangeCutoff(
        _LATE_CHANGE[action],
        params={"cutoff": Span(cutoff_minutes)},
        cutoff_minutes=cutoff_minutes,
        action=action,
    )
