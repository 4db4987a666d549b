"""The waitlist's use cases through the bus, with the in-memory unit of work: joining, the
offer of a freed slot to the first in line, its answer and its end, moves by staff."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from scheduler.domain import events
from scheduler.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.waitlist import EntryStatus, OfferStatus
from scheduler.services import commands, waitlist
from scheduler.services.handlers import book_appointment
from scheduler.services.messagebus import MessageBus
from scheduler.services.ports import Dependencies
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus
from tests.unit.test_handlers import (
    CLINIC,
    DESK,
    DOCTOR_1,
    DR_ONE,
    MONDAY,
    PATIENT_10,
    PATIENT_11,
    PATIENT_12,
    TUESDAY,
    at,
    schedule,
)

OTHER_DESK = Actor(3002, Role.RECEPTIONIST, clinic_id=999)
UNVERIFIED = Actor(2009, Role.DOCTOR, doctor_id=DR_ONE, verified=False)


@dataclass
class Recorder:
    """The WaitlistOffers port: freed time is offered through the bus at once."""

    bus: MessageBus
    told: list[events.SlotOffered] = field(default_factory=list)

    def offer_freed(self, doctor_id: int, window: Interval) -> None:
        self.bus.handle(
            commands.OfferFreedSlots(doctor_id=doctor_id, start=window.start, end=window.end)
        )

    def offered(self, event: events.SlotOffered) -> None:
        self.told.append(event)

    def answered(self, event: events.WaitlistEvent) -> None:
        return None


@dataclass
class Desk:
    uow: FakeUnitOfWork
    clock: FixedClock
    bus: MessageBus
    waitlist: Recorder

    def join(self, actor: Actor, *, parts: tuple[str, ...] = ("morning",)) -> int:
        entry_id: int = self.bus.handle(
            commands.JoinWaitlist(
                actor=actor,
                doctor_id=DR_ONE,
                clinic_id=CLINIC,
                first_day=TUESDAY,
                last_day=TUESDAY,
                parts=parts,
            )
        )
        return entry_id

    def relay(self) -> None:
        """The outbox relay: each event committed so far to the waitlist's reactions."""
        deps = Dependencies(log=None, slots=None, waitlist=self.waitlist)  # type: ignore[arg-type]
        while self.uow.outbox:
            event = self.uow.outbox.pop(0)
            for react in (waitlist.offer_freed_time, waitlist.tell_offer):
                react(event, deps)

    def offers(self) -> list[tuple[int, OfferStatus]]:
        return [(o.entry_id, o.status) for o, _ in self.uow.waitlist.offers.values()]


@pytest.fixture
def desk() -> Desk:
    uow = FakeUnitOfWork(
        doctors=[Doctor(DR_ONE, "Dr One", "cardiology", "MC-1", True)],
        patients=[Patient(10, "Sara"), Patient(11, "Reza"), Patient(12, "Mina")],
        schedules=[schedule(DR_ONE)],
    )
    clock = FixedClock(at(MONDAY, "08:00"))
    bus = make_bus(uow, clock)
    return Desk(uow, clock, bus, Recorder(bus))


def full_tuesday_morning(desk: Desk) -> uuid.UUID:
    """Mina holds Tuesday 10:00; the rest of the morning is taken by the desk."""
    booked: uuid.UUID = desk.bus.handle(
        commands.BookAppointment(
            actor=PATIENT_12, doctor_id=DR_ONE, clinic_id=CLINIC, start=at(TUESDAY, "10:00")
        )
    ).appointment_id
    for clock in ("10:30", "11:00", "11:30", "12:00", "12:30"):
        desk.bus.handle(
            commands.AddTimeOff(
                actor=DOCTOR_1,
                doctor_id=DR_ONE,
                start=at(TUESDAY, clock),
                end=at(TUESDAY, clock) + timedelta(minutes=30),
            )
        )
    desk.uow.outbox.clear()
    return booked


def cancel(desk: Desk, appointment_id: uuid.UUID) -> None:
    desk.bus.handle(commands.CancelAppointment(actor=PATIENT_12, appointment_id=appointment_id))
    desk.relay()


def offered_to_the_first_of_two(desk: Desk) -> tuple[int, int, uuid.UUID]:
    """Sara, then Reza, wait for Tuesday morning; Mina's visit there is cancelled, and its slot
    offered to Sara: the two entries and the offer."""
    booked = full_tuesday_morning(desk)
    first = desk.join(PATIENT_10)
    desk.clock.advance(timedelta(seconds=1))
    second = desk.join(PATIENT_11)
    cancel(desk, booked)
    (offer_id,) = desk.uow.waitlist.offers
    return first, second, offer_id


def test_a_patient_joins_once(desk: Desk) -> None:
    entry_id = desk.join(PATIENT_10)
    assert desk.uow.waitlist.get(entry_id).status is EntryStatus.WAITING
    (event,) = desk.uow.outbox
    assert isinstance(event, events.JoinedWaitlist)
    with pytest.raises(InvalidInput):
        desk.join(PATIENT_10)


def test_staff_do_not_join(desk: Desk) -> None:
    with pytest.raises(NotAllowed):
        desk.join(DESK)


def test_a_cancelled_slot_goes_to_the_first_in_line(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    first = desk.join(PATIENT_10)
    desk.clock.advance(timedelta(seconds=1))
    desk.join(PATIENT_11)
    desk.uow.outbox.clear()

    cancel(desk, booked)

    assert desk.offers() == [(first, OfferStatus.OPEN)]
    (told,) = desk.waitlist.told
    assert (told.patient_id, told.start) == (10, at(TUESDAY, "10:00"))
    assert told.expires_at == desk.clock.now + timedelta(minutes=15)
    assert desk.uow.waitlist.get(first).status is EntryStatus.OFFERED


def test_who_joins_later_waits_behind_even_when_the_clock_stepped_back(desk: Desk) -> None:
    # A server's clock set back by NTP between two joins (seen once in CI: the slot went to
    # the second joiner).
    booked = full_tuesday_morning(desk)
    first = desk.join(PATIENT_10)
    desk.clock.advance(timedelta(milliseconds=-3))
    desk.join(PATIENT_11)
    desk.uow.outbox.clear()

    cancel(desk, booked)

    assert desk.offers() == [(first, OfferStatus.OPEN)]


def test_a_repeated_event_offers_once(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    desk.join(PATIENT_10)
    desk.join(PATIENT_11)
    desk.bus.handle(commands.CancelAppointment(actor=PATIENT_12, appointment_id=booked))
    cancelled = list(desk.uow.outbox)
    desk.relay()
    desk.uow.outbox.extend(cancelled)  # the relay delivers it again
    desk.relay()
    assert len(desk.offers()) == 1


def test_a_lapsed_offer_goes_to_the_next_in_line(desk: Desk) -> None:
    first, second, offer_id = offered_to_the_first_of_two(desk)

    assert desk.bus.handle(commands.ExpireOffer(offer_id=offer_id)) is False  # not yet due
    desk.clock.advance(timedelta(minutes=15))
    assert desk.bus.handle(commands.ExpireOffer(offer_id=offer_id)) is True
    assert desk.bus.handle(commands.ExpireOffer(offer_id=offer_id)) is False  # once
    desk.relay()

    assert sorted(desk.offers()) == [(first, OfferStatus.EXPIRED), (second, OfferStatus.OPEN)]
    lapsed = desk.uow.waitlist.get(first)
    assert lapsed.status is EntryStatus.WAITING  # still waiting, at the end of the line now
    assert lapsed.rank > desk.uow.waitlist.get(second).rank


def test_accepting_books_through_the_booking_rules(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    entry_id = desk.join(PATIENT_10)
    cancel(desk, booked)
    (offer_id,) = desk.uow.waitlist.offers

    with pytest.raises(NotFound):  # someone else's offer
        desk.bus.handle(commands.AcceptOffer(actor=PATIENT_11, offer_id=offer_id))
    appointment_id = desk.bus.handle(commands.AcceptOffer(actor=PATIENT_10, offer_id=offer_id))

    stored = desk.uow.appointments.stored(appointment_id)
    assert (stored.patient_id, stored.slot.start) == (10, at(TUESDAY, "10:00"))
    (offer,) = desk.uow.waitlist.offers.values()
    assert offer[0].hold_id == appointment_id  # the offer's hold, booked in place
    assert desk.offers() == [(entry_id, OfferStatus.ACCEPTED)]
    assert desk.uow.waitlist.get(entry_id).status is EntryStatus.BOOKED
    assert any(isinstance(e, events.OfferAccepted) for e in desk.uow.outbox)
    with pytest.raises(InvalidTransition):
        desk.bus.handle(commands.DeclineOffer(actor=PATIENT_10, offer_id=offer_id))


def test_an_offer_cannot_be_accepted_after_its_window(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    desk.join(PATIENT_10)
    cancel(desk, booked)
    (offer_id,) = desk.uow.waitlist.offers
    desk.clock.advance(timedelta(minutes=15))
    with pytest.raises(InvalidTransition):
        desk.bus.handle(commands.AcceptOffer(actor=PATIENT_10, offer_id=offer_id))


def test_declining_passes_the_slot_on_at_once(desk: Desk) -> None:
    first, second, offer_id = offered_to_the_first_of_two(desk)
    rank = desk.uow.waitlist.get(first).rank
    desk.bus.handle(commands.DeclineOffer(actor=PATIENT_10, offer_id=offer_id))
    desk.relay()
    assert sorted(desk.offers()) == [(first, OfferStatus.DECLINED), (second, OfferStatus.OPEN)]
    assert desk.uow.waitlist.get(first).rank == rank  # who answers keeps their place


def test_a_decline_while_the_desk_moves_the_entry_keeps_the_move(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found in review on PostgreSQL: the decline wrote back the place it had read before the
    # move, and both entries ended on one rank.
    first, second, offer_id = offered_to_the_first_of_two(desk)
    checked = waitlist._ensure_not_booked

    def moved_meanwhile(uow: Any, offer: Any) -> None:
        desk.bus.handle(
            commands.MoveWaitlistEntry(
                actor=DESK, doctor_id=DR_ONE, entry_id=second, direction="up", reason="urgent"
            )
        )
        checked(uow, offer)

    monkeypatch.setattr(waitlist, "_ensure_not_booked", moved_meanwhile)
    desk.bus.handle(commands.DeclineOffer(actor=PATIENT_10, offer_id=offer_id))

    line = desk.uow.waitlist.line(DR_ONE, CLINIC)
    assert [e.id for e in sorted(line, key=lambda e: e.rank)] == [second, first]
    assert len({e.rank for e in line}) == 2


def test_leaving_with_an_offer_passes_it_on(desk: Desk) -> None:
    first, second, _ = offered_to_the_first_of_two(desk)
    with pytest.raises(NotFound):
        desk.bus.handle(commands.LeaveWaitlist(actor=PATIENT_11, entry_id=first))
    desk.bus.handle(commands.LeaveWaitlist(actor=PATIENT_10, entry_id=first))
    desk.relay()
    assert desk.uow.waitlist.get(first).status is EntryStatus.LEFT
    assert (second, OfferStatus.OPEN) in desk.offers()


def test_nobody_waiting_for_that_part_of_the_day_gets_nothing(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    desk.join(PATIENT_10, parts=("evening",))
    cancel(desk, booked)
    assert desk.offers() == []


def test_staff_move_an_entry_with_a_reason(desk: Desk) -> None:
    first = desk.join(PATIENT_10)
    desk.clock.advance(timedelta(seconds=1))
    second = desk.join(PATIENT_11)

    for outsider in (OTHER_DESK, UNVERIFIED, PATIENT_10):
        with pytest.raises(NotFound):
            desk.bus.handle(
                commands.MoveWaitlistEntry(
                    actor=outsider,
                    doctor_id=DR_ONE,
                    entry_id=second,
                    direction="up",
                    reason="urgent",
                )
            )
    with pytest.raises(InvalidInput):
        desk.bus.handle(
            commands.MoveWaitlistEntry(
                actor=DESK, doctor_id=DR_ONE, entry_id=second, direction="up", reason=" "
            )
        )
    desk.bus.handle(
        commands.MoveWaitlistEntry(
            actor=DESK, doctor_id=DR_ONE, entry_id=second, direction="up", reason="urgent"
        )
    )

    line = desk.uow.waitlist.line(DR_ONE, CLINIC)
    assert [e.id for e in sorted(line, key=lambda e: e.rank)] == [second, first]
    assert desk.uow.waitlist.moves == [(second, DESK.user_id, "up", "urgent")]
    assert isinstance(desk.uow.outbox[-1], events.WaitlistEntryMoved)


def _accept_meanwhile(
    desk: Desk, offer_id: uuid.UUID, between: Callable[[], None], after: bool
) -> Any:
    """The patient takes the offer while, in another tab, they turn it down: ``between`` runs
    while the acceptance is on its way, before its booking (or after it, but before the
    acceptance is written)."""

    def book(cmd: commands.BookAppointment, uow: Any, clock: Any) -> Any:
        if not after:
            between()
        booked = book_appointment(cmd, uow, clock)
        if after:
            between()
        return booked

    accept = commands.AcceptOffer(actor=PATIENT_10, offer_id=offer_id)
    return waitlist.accept_offer(accept, desk.uow, desk.clock, book=book)


def test_an_offer_turned_down_while_it_is_being_taken_books_nothing(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    entry_id = desk.join(PATIENT_10)
    cancel(desk, booked)
    (offer_id,) = desk.uow.waitlist.offers

    def decline() -> None:
        desk.bus.handle(commands.DeclineOffer(actor=PATIENT_10, offer_id=offer_id))

    with pytest.raises(InvalidTransition):
        _accept_meanwhile(desk, offer_id, decline, after=False)

    assert desk.offers() == [(entry_id, OfferStatus.DECLINED)]
    assert desk.uow.waitlist.get(entry_id).status is EntryStatus.WAITING
    assert not any(isinstance(e, events.OfferAccepted) for e in desk.uow.outbox)
    assert not [a for a in desk.uow.appointments.all_stored() if a.patient_id == 10 and a.is_active]


def test_an_offer_being_taken_is_not_turned_down_meanwhile(desk: Desk) -> None:
    booked = full_tuesday_morning(desk)
    entry_id = desk.join(PATIENT_10)
    cancel(desk, booked)
    (offer_id,) = desk.uow.waitlist.offers

    def decline() -> None:
        with pytest.raises(InvalidTransition):
            desk.bus.handle(commands.DeclineOffer(actor=PATIENT_10, offer_id=offer_id))

    _accept_meanwhile(desk, offer_id, decline, after=True)

    assert desk.offers() == [(entry_id, OfferStatus.ACCEPTED)]
    assert desk.uow.waitlist.get(entry_id).status is EntryStatus.BOOKED
    assert not any(isinstance(e, events.OfferDeclined) for e in desk.uow.outbox)
