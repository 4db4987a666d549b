"""Slot holds (domain.holds): letting holds go, the sweep, and finding the hold a booking
books in place. Holding a slot runs the booking's own checks (services.handlers.hold_slot)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from scheduler.domain import holds
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.services import commands
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class HeldSlot:
    hold_id: uuid.UUID
    expires_at: datetime


def release_expired_around(
    met: list[Appointment], *, doctor_id: int, patient_id: int, slot: Interval, now: datetime
) -> None:
    """An expired hold never keeps anyone off a slot: whatever is about to take ``slot``
    releases the expired holds in its way first, in its own transaction (the database's
    guards count a hold until it is released). ``met``: the holds it meets (Meeting.holds)."""
    for hold in met:
        in_the_way = hold.slot.overlaps(slot) and (
            hold.doctor_id == doctor_id or hold.patient_id == patient_id
        )
        if in_the_way and hold.status is Status.PROPOSED and not hold.hold_live(now):
            hold.release_hold(reason=holds.Release.EXPIRED, actor_user_id=None, now=now)


def holds_for(
    hold: Appointment, *, patient_id: int, doctor_id: int, clinic_id: int, now: datetime
) -> bool:
    """Whether ``hold`` is the patient's live hold of a booking with the doctor at the clinic
    (a hold of the same time at the doctor's other clinic is not: it keeps the slot taken)."""
    return (
        (hold.patient_id, hold.doctor_id, hold.clinic_id) == (patient_id, doctor_id, clinic_id)
        and hold.status is Status.PROPOSED
        and hold.hold_live(now)
    )


def own_hold(
    met: list[Appointment],
    *,
    patient_id: int,
    doctor_id: int,
    clinic_id: int,
    slot: Interval,
    now: datetime,
    hold_id: uuid.UUID | None = None,
    only: bool = False,
) -> Appointment | None:
    """The patient's live hold of exactly ``slot`` with the doctor at the clinic, if any:
    booked in place. ``hold_id`` first; ``only``: that one or none (a waitlist offer's hold).
    A review hold named but gone (let go by a later hold of the same time, from another tab,
    say) gives way to another of theirs. ``met``: the holds it meets (Meeting.holds)."""
    theirs = [
        hold
        for hold in met
        if hold.slot == slot
        and holds_for(
            hold, patient_id=patient_id, doctor_id=doctor_id, clinic_id=clinic_id, now=now
        )
    ]
    named = [hold for hold in theirs if hold.id == hold_id]
    return next(iter(named if only or named else theirs), None)


def let_go_of_reviews(
    met: list[Appointment],
    *,
    patient_id: int,
    keep: uuid.UUID | None,
    actor: Actor,
    now: datetime,
) -> None:
    """The patient reviews or books one slot at a time: their other review holds go.
    ``met``: the holds a booking meets (Meeting.holds)."""
    for hold in met:
        if (
            hold.patient_id == patient_id
            and hold.id != keep
            and hold.status is Status.PROPOSED
            and hold.hold_purpose == holds.Purpose.REVIEW
        ):
            hold.release_hold(reason=holds.Release.BOOKED, actor_user_id=actor.user_id, now=now)


def release_hold(cmd: commands.ReleaseHold, uow: UnitOfWork, clock: Clock) -> None:
    """Its holder lets it go; again, or after it expired or was booked: nothing more to do
    (the page's beacon may come twice, or late)."""
    now = clock()
    with uow:
        try:
            hold = uow.appointments.get(cmd.hold_id)
        except NotFound:
            raise NotFound(gettext_noop("Hold not found.")) from None
        holds.ensure_holder(cmd.actor, hold)
        if hold.status is not Status.PROPOSED:
            return
        reason = holds.Release.RELEASED if hold.hold_live(now) else holds.Release.EXPIRED
        hold.release_hold(reason=reason, actor_user_id=cmd.actor.user_id, now=now)
        uow.commit()


def release_expired_holds(cmd: commands.ReleaseExpiredHolds, uow: UnitOfWork, clock: Clock) -> int:
    """The sweep (config.runtime): how many holds it released."""
    now = clock()
    with uow:
        expired = uow.appointments.holds(expired_at=now, limit=cmd.limit)
        for hold in expired:
            hold.release_hold(reason=holds.Release.EXPIRED, actor_user_id=None, now=now)
        uow.commit()
    return len(expired)
