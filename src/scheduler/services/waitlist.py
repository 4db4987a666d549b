"""The waitlist's use cases: join, leave, reorder; offer a freed slot to the first in line, and
the offer's answer (accept, decline) or end (its window is over).

Offers are made by the outbox's reactions to the events that free time (a cancellation, a
move, a rejection, a no-show, new hours, an answer to another offer), so none is lost with a
process, and each is made once: the line is locked while an offer is made, and the database
keeps one open offer per slot and one offer of a slot per entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain import access, rules, waitlist
from scheduler.domain.appointment import HOLD_STATES, Appointment, Status
from scheduler.domain.errors import InvalidInput, InvalidTransition, NotFound, SlotTaken
from scheduler.domain.events import (
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentMarkedNoShow,
    AppointmentRejected,
    AppointmentRescheduled,
    AvailabilityChanged,
    Event,
    HoldReleased,
    JoinedWaitlist,
    LeftWaitlist,
    OfferAccepted,
    OfferDeclined,
    SlotOffered,
    WaitlistEntryMoved,
    WaitlistEvent,
)
from scheduler.domain.holds import Purpose, Release
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.domain.schedule import Schedule
from scheduler.domain.waitlist import EntryStatus, Offer, OfferStatus, WaitlistEntry
from scheduler.services import commands
from scheduler.services.ports import Clock, Dependencies
from scheduler.services.queries import schedule_free_slots
from scheduler.services.unit_of_work import UnitOfWork

# Slots offered by one freeing of time (new hours can free weeks): the rest wait for the next.
MAX_OFFERS_AT_ONCE = 50
# How far a freeing of time is looked at: the waitlist's own reach.
REACH = timedelta(days=waitlist.MAX_RANGE_DAYS + 1)

Book = Callable[[commands.BookAppointment, UnitOfWork, Clock], Any]


def join_waitlist(cmd: commands.JoinWaitlist, uow: UnitOfWork, clock: Clock) -> int:
    """The new entry's id."""
    patient_id = access.waiting_patient(cmd.actor)
    now = clock()
    with uow:
        schedule = _schedule(uow, cmd.doctor_id, cmd.clinic_id)
        today = now.astimezone(ZoneInfo(schedule.timezone)).date()
        wish = waitlist.wish(
            first_day=cmd.first_day, last_day=cmd.last_day, parts=cmd.parts, today=today
        )
        waitlist.ensure_not_in_line(uow.waitlist.of_patient(patient_id, cmd.doctor_id))
        entry_id = uow.waitlist.add(
            patient_id=patient_id,
            doctor_id=cmd.doctor_id,
            clinic_id=cmd.clinic_id,
            wish=wish,
            joined_at=now,
            rank=waitlist.rank_at_end(uow.waitlist.line(cmd.doctor_id, cmd.clinic_id), now),
        )
        entry = uow.waitlist.get(entry_id)
        uow.waitlist.events.append(_event(JoinedWaitlist, entry, cmd.actor, now))
        uow.commit()
    return entry_id


def leave_waitlist(cmd: commands.LeaveWaitlist, uow: UnitOfWork, clock: Clock) -> int:
    """Off the line; a slot held for them goes to the next in line."""
    patient_id = access.waiting_patient(cmd.actor)
    now = clock()
    with uow:
        entry = _own_entry(uow, patient_id, cmd.entry_id)
        if entry.status not in waitlist.IN_LINE:
            raise InvalidInput(gettext_noop("You are no longer on this waitlist."))
        if entry.status is EntryStatus.OFFERED:
            for offer in _open_offers(uow, entry):
                _end_offer(uow, offer, entry, cmd.actor, now, expired=False)
        uow.waitlist.save(replace(entry, status=EntryStatus.LEFT))
        uow.waitlist.events.append(_event(LeftWaitlist, entry, cmd.actor, now))
        uow.commit()
    return entry.id


def move_waitlist_entry(cmd: commands.MoveWaitlistEntry, uow: UnitOfWork, clock: Clock) -> int:
    now = clock()
    try:
        direction = waitlist.Direction(cmd.direction)
    except ValueError:
        raise InvalidInput(gettext_noop("Move up or down."), field="direction") from None
    reason = waitlist.move_reason(cmd.reason)
    with uow:
        entry = uow.waitlist.get(cmd.entry_id)
        if entry.doctor_id != cmd.doctor_id or not access.manages_waitlist(
            cmd.actor, doctor_id=entry.doctor_id, clinic_id=entry.clinic_id
        ):
            raise NotFound(gettext_noop("Waitlist entry not found."))
        line = uow.waitlist.line(entry.doctor_id, entry.clinic_id)
        for changed in waitlist.moved(line, entry.id, direction):
            uow.waitlist.save(changed)
        uow.waitlist.record_move(
            entry.id,
            actor_user_id=cmd.actor.user_id,
            direction=direction.value,
            reason=reason,
            at=now,
        )
        uow.waitlist.events.append(
            _event(
                WaitlistEntryMoved, entry, cmd.actor, now, direction=direction.value, reason=reason
            )
        )
        uow.commit()
    return entry.id


def offer_freed_slots(cmd: commands.OfferFreedSlots, uow: UnitOfWork, clock: Clock) -> int:
    """How many offers were made. Each free slot in ``start..end`` (from now on, within the
    waitlist's reach) goes to the first in line at its clinic who waits for it, may book it,
    and was not offered it before."""
    now = clock()
    window_start = max(cmd.start, now)
    window_end = min(cmd.end, now + REACH)
    if window_end <= window_start:
        return 0
    made = 0
    with uow:
        for clinic_id in uow.waitlist.clinics_waited_at(cmd.doctor_id):
            schedule = uow.schedules.find(cmd.doctor_id, clinic_id)
            if schedule is None:
                continue
            line = uow.waitlist.line(cmd.doctor_id, clinic_id)
            if not line:
                continue
            zone = ZoneInfo(schedule.timezone)
            slots = [
                slot
                for slot in schedule_free_slots(
                    uow,
                    schedule,
                    first_day=window_start.astimezone(zone).date(),
                    last_day=window_end.astimezone(zone).date(),
                    now=now,
                )
                if window_start <= slot.start < window_end
            ]
            for slot in slots[: MAX_OFFERS_AT_ONCE - made]:
                entry = _first_for(uow, schedule, line, slot, zone)
                if entry is None or not _offer(uow, schedule, entry, slot, now):
                    continue
                made += 1
                line = [uow.waitlist.get(e.id) if e.id == entry.id else e for e in line]
        uow.commit()
    return made


def accept_offer(
    cmd: commands.AcceptOffer, uow: UnitOfWork, clock: Clock, *, book: Book
) -> uuid.UUID:
    """The appointment's id. Booked by ``book`` (the booking use case: every rule, the
    database's guard against double booking); a slot someone took after all ends the offer."""
    patient_id = access.waiting_patient(cmd.actor)
    now = clock()
    with uow:
        offer = uow.waitlist.get_offer(cmd.offer_id)
        entry = _own_entry(uow, patient_id, offer.entry_id)
        waitlist.ensure_answerable(offer, now)
    booking = commands.BookAppointment(
        actor=cmd.actor,
        doctor_id=entry.doctor_id,
        clinic_id=entry.clinic_id,
        start=offer.start,
        hold_id=offer.hold_id,  # booked in place: the slot was held for them
        # Turned down from another tab meanwhile: its hold is gone, and so is the offer.
        hold_required=offer.hold_id is not None,
        # A retried accept (a double click, a lost answer) finds the first booking.
        idempotency_key=f"waitlist-offer:{offer.id}",
    )
    try:
        appointment_id: uuid.UUID = book(booking, uow, clock).appointment_id
    except SlotTaken:
        with uow:
            offer = uow.waitlist.get_offer(cmd.offer_id)
            answered = offer.status is not OfferStatus.OPEN
            if not answered:
                _end_offer(uow, offer, uow.waitlist.get(entry.id), cmd.actor, now, expired=False)
            uow.commit()
        if answered:  # turned down (or ended) while this answer was on its way: say so
            waitlist.ensure_answerable(offer, now)
        raise
    with uow:
        offer = uow.waitlist.get_offer(cmd.offer_id)
        entry = uow.waitlist.get(entry.id)
        if offer.status is not OfferStatus.ACCEPTED:
            # Booked: whatever the window's end did meanwhile, the booking stands.
            uow.waitlist.save_offer(
                replace(offer, status=OfferStatus.ACCEPTED), appointment_id=appointment_id
            )
            uow.waitlist.save(replace(entry, status=EntryStatus.BOOKED))
            uow.waitlist.events.append(
                _event(
                    OfferAccepted,
                    entry,
                    cmd.actor,
                    now,
                    offer_id=offer.id,
                    start=offer.start,
                    end=offer.end,
                    appointment_id=appointment_id,
                )
            )
        uow.commit()
    return appointment_id


def decline_offer(cmd: commands.DeclineOffer, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    """The slot goes to the next in line at once; the patient stays in line for another."""
    patient_id = access.waiting_patient(cmd.actor)
    now = clock()
    with uow:
        offer = uow.waitlist.get_offer(cmd.offer_id)
        entry = _own_entry(uow, patient_id, offer.entry_id)
        waitlist.ensure_answerable(offer, now)
        _ensure_not_booked(uow, offer)
        _end_offer(uow, offer, entry, cmd.actor, now, expired=False)
        uow.commit()
    return offer.id


def expire_offer(cmd: commands.ExpireOffer, uow: UnitOfWork, clock: Clock) -> bool:
    """Whether the offer ended now: not when it was answered or ended before, nor when its
    window is still open (a message delivered early does nothing)."""
    now = clock()
    with uow:
        offer = uow.waitlist.find_offer(cmd.offer_id)
        if offer is None or not waitlist.is_overdue(offer, now):
            return False
        _end_offer(uow, offer, uow.waitlist.get(offer.entry_id), None, now, expired=True)
        uow.commit()
    return True


# -- the parts ----------------------------------------------------------------------------------


def _schedule(uow: UnitOfWork, doctor_id: int, clinic_id: int) -> Schedule:
    try:
        found = uow.doctors.get(doctor_id)
    except NotFound:
        found = None
    # As a booking's (found by an attacker: a patient joined the list of a doctor who no longer
    # takes bookings, which could never offer one).
    rules.ensure_bookable(found)
    schedule = uow.schedules.find(doctor_id, clinic_id)
    if schedule is None:
        raise InvalidInput(
            gettext_noop("The doctor does not see patients at that clinic."), field="clinic_id"
        )
    return schedule


def _own_entry(uow: UnitOfWork, patient_id: int, entry_id: int) -> WaitlistEntry:
    """The patient's own entry; anyone else's is not found."""
    entry = uow.waitlist.find(entry_id)
    if entry is None or entry.patient_id != patient_id:
        raise NotFound(gettext_noop("Waitlist entry not found."))
    return entry


def _first_for(
    uow: UnitOfWork,
    schedule: Schedule,
    line: list[WaitlistEntry],
    slot: Interval,
    zone: ZoneInfo,
) -> WaitlistEntry | None:
    """The first in line who waits for the slot and could book it now."""
    if uow.waitlist.slot_on_offer(schedule.doctor_id, slot.start):
        return None
    passed = uow.waitlist.offered_before(schedule.doctor_id, slot.start)
    doctor = uow.doctors.get(schedule.doctor_id)
    for entry in waitlist.candidates(line, slot.start.astimezone(zone), passed=passed):
        patient = uow.patients.get(entry.patient_id)
        if not patient.active or uow.appointments.patient_busy(entry.patient_id, slot):
            continue
        if not (doctor.accepts_new_patients or uow.appointments.taken_on(patient.id, doctor.id)):
            continue
        return entry
    return None


def _offer(
    uow: UnitOfWork, schedule: Schedule, entry: WaitlistEntry, slot: Interval, now: datetime
) -> bool:
    expires_at = now + waitlist.offer_window(uow.waitlist.offer_minutes(entry.clinic_id))
    hold = Appointment.hold(
        doctor_id=schedule.doctor_id,
        patient_id=entry.patient_id,
        clinic_id=entry.clinic_id,
        slot=slot,
        purpose=Purpose.OFFER,
        expires_at=expires_at,
        actor_user_id=None,
        now=now,
    )
    offer = Offer(
        id=uuid.uuid4(),
        entry_id=entry.id,
        start=slot.start,
        end=slot.end,
        expires_at=expires_at,
        status=OfferStatus.OPEN,
        hold_id=hold.id,
    )
    if not uow.waitlist.add_offer(offer, doctor_id=schedule.doctor_id, now=now):
        return False
    # Held for the patient by the database's own guards until the window ends: nobody books
    # it meanwhile, and the patient's booking books this hold in place.
    uow.appointments.add(hold)
    uow.waitlist.save(replace(entry, status=EntryStatus.OFFERED))
    uow.waitlist.events.append(
        _event(
            SlotOffered,
            entry,
            None,
            now,
            offer_id=offer.id,
            start=offer.start,
            end=offer.end,
            expires_at=offer.expires_at,
        )
    )
    return True


def _open_offers(uow: UnitOfWork, entry: WaitlistEntry) -> list[Offer]:
    return [
        offer
        for offer_id in uow.waitlist.open_offers_of(entry.id)
        if (offer := uow.waitlist.get_offer(offer_id)).status is OfferStatus.OPEN
    ]


def _end_offer(
    uow: UnitOfWork,
    offer: Offer,
    entry: WaitlistEntry,
    actor: Actor | None,
    now: datetime,
    *,
    expired: bool,
) -> None:
    """The offer ends unanswered (turned down, or its window over); its patient waits on for
    another slot (at the end of the line, when they let it lapse), and OfferDeclined has the
    slot offered to the next in line."""
    status = OfferStatus.EXPIRED if expired else OfferStatus.DECLINED
    uow.waitlist.save_offer(replace(offer, status=status))
    _release(uow, offer, actor, now, expired=expired)
    if entry.status is EntryStatus.OFFERED:
        line = uow.waitlist.line(entry.doctor_id, entry.clinic_id)
        # Its place as it is now, under the line's lock: a staff move may have changed it since
        # the entry was read, and writing the old one back would undo the move.
        now_in_line = next((other for other in line if other.id == entry.id), entry)
        waiting = (
            waitlist.after_lapse(now_in_line, line, now)
            if expired
            else replace(now_in_line, status=EntryStatus.WAITING)
        )
        uow.waitlist.save(waiting)
    uow.waitlist.events.append(
        _event(
            OfferDeclined,
            entry,
            actor,
            now,
            offer_id=offer.id,
            start=offer.start,
            end=offer.end,
            expired=expired,
        )
    )


def _ensure_not_booked(uow: UnitOfWork, offer: Offer) -> None:
    """Accepted from another tab, its acceptance not yet written: its hold is booked in place,
    so the offer is taken, not turned down."""
    if offer.hold_id is None:
        return
    try:
        hold = uow.appointments.get(offer.hold_id)
    except NotFound:
        return
    if hold.status not in HOLD_STATES:
        raise InvalidTransition(
            gettext_noop("This offer is no longer open."), status=OfferStatus.ACCEPTED.value
        )


def _release(
    uow: UnitOfWork, offer: Offer, actor: Actor | None, now: datetime, *, expired: bool
) -> None:
    """The slot held for the offer is free again, for the next in line (or anyone)."""
    if offer.hold_id is None:
        return
    try:
        hold = uow.appointments.get(offer.hold_id)
    except NotFound:
        return
    if hold.status is Status.PROPOSED:  # not let go by the holds' sweep already
        reason = Release.EXPIRED if expired else Release.RELEASED
        hold.release_hold(
            reason=reason, actor_user_id=None if actor is None else actor.user_id, now=now
        )


def _event(
    kind: type[WaitlistEvent],
    entry: WaitlistEntry,
    actor: Actor | None,
    now: datetime,
    **extra: Any,
) -> WaitlistEvent:
    return kind(
        occurred_at=now,
        entry_id=entry.id,
        patient_id=entry.patient_id,
        doctor_id=entry.doctor_id,
        clinic_id=entry.clinic_id,
        actor_user_id=None if actor is None else actor.user_id,
        **extra,
    )


# -- reactions to events (the outbox relay: at least once) --------------------------------------

# The events after which a slot may be free: its holder cancelled, moved away, was turned down
# or did not come (a slot still ahead, for a no-show marked early), the doctor's hours grew,
# a hold of it was let go, or an offer of it ended unanswered.
FREES_TIME: tuple[type[Event], ...] = (
    AppointmentCancelled,
    HoldReleased,
    AppointmentRejected,
    AppointmentRescheduled,
    AppointmentMarkedNoShow,
    AvailabilityChanged,
    OfferDeclined,
)
ANSWERS = (OfferAccepted, OfferDeclined, LeftWaitlist)


def offer_freed_time(event: Event, deps: Dependencies) -> None:
    match event:
        case AppointmentRescheduled():
            deps.waitlist.offer_freed(
                event.doctor_id, Interval(event.previous_start, event.previous_end)
            )
        case AppointmentEvent() | AvailabilityChanged() | OfferDeclined():
            deps.waitlist.offer_freed(event.doctor_id, Interval(event.start, event.end))


def tell_offer(event: Event, deps: Dependencies) -> None:
    if isinstance(event, SlotOffered):
        deps.waitlist.offered(event)


def show_answer(event: Event, deps: Dependencies) -> None:
    if isinstance(event, WaitlistEvent):
        deps.waitlist.answered(event)
