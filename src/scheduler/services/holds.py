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
    uow: UnitOfWork, *, doctor_id: int, patient_id: int, slot: Interval, now: datetime
) -> None:
    """An expired hold never keeps anyone off a slot: whatever is about to take ``slot``
    releases the expired holds in its way first, in its own transaction (the database's
    guards count a hold until it is released)."""
    in_the_way = uow.appointments.holds(doctor_id=doctor_id, window=slot)
    in_the_way += uow.appointments.holds(patient_id=patient_id, window=slot)
    for hold in in_the_way:
        if hold.status is not Status.PROPOSED or hold.hold_live(now):
            continue
        hold.release_hold(reason=holds.Release.EXPIRED, actor_user_id=None, now=now)


def own_hold(
    uow: UnitOfWork,
    *,
    patient_id: int,
    doctor_id: int,
    slot: Interval,
    now: datetime,
    hold_id: uuid.UUID | None = None,
) -> Appointment | None:
    """The patient's live hold of exactly ``slot`` with the doctor (``hold_id``, if given),
    if any: booked in place."""
    for hold in uow.appointments.holds(doctor_id=doctor_id, patient_id=patient_id, window=slot):
        if hold_id is not None and hold.id != hold_id:
            continue
        if hold.slot == slot and hold.hold_live(now):
            return hold
    return None


def let_go_of_reviews(
    uow: UnitOfWork,
    *,
    patient_id: int,
    keep: uuid.UUID | None,
    actor: Actor,
    now: datetime,
) -> None:
    """The patient reviews or books one slot at a time: their other review holds go."""
    for hold in uow.appointments.holds(patient_id=patient_id):
        if hold.id != keep and hold.hold_purpose == holds.Purpose.REVIEW:
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
