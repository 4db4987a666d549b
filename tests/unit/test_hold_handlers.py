"""Slot holds (domain.holds) through the bus with the in-memory unit of work: the same checks
as a booking, one review hold per patient, expiry that never blocks, booking in place."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from scheduler.domain import events, holds
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import (
    InsideMinimumNotice,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    SlotTaken,
)
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.holds import HeldSlot
from tests.unit.test_handlers import (
    ADMIN,
    CLINIC,
    DESK,
    DOCTOR_1,
    DR_APPROVES,
    DR_ONE,
    DR_TWO,
    MONDAY,
    OTHER_CLINIC,
    PATIENT_10,
    PATIENT_11,
    TUESDAY,
    Clinic,
    at,
    clinic,
    slot,
)

__all__ = ["clinic"]  # the fixture, shared with the booking tests

TEN = at(TUESDAY, "10:00")


def hold(clinic: Clinic, actor: Actor, start: datetime = TEN, **fields: Any) -> HeldSlot:
    fields.setdefault("doctor_id", DR_ONE)
    fields.setdefault("clinic_id", CLINIC)
    held: HeldSlot = clinic.bus.handle(commands.HoldSlot(actor=actor, start=start, **fields))
    return held


def release(clinic: Clinic, actor: Actor, hold_id: uuid.UUID) -> None:
    clinic.bus.handle(commands.ReleaseHold(actor=actor, hold_id=hold_id))


def test_a_hold_is_a_proposed_row_until_its_expiry_with_its_event(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)

    stored = clinic.stored(held.hold_id)
    assert stored.status is Status.PROPOSED
    assert stored.slot == slot(TUESDAY, "10:00")
    assert held.expires_at == clinic.clock.now + timedelta(minutes=holds.REVIEW_MINUTES)
    assert stored.history == []  # no visit: nothing in the patient's record
    (event,) = clinic.uow.outbox
    assert isinstance(event, events.SlotHeld)
    assert (event.expires_at, event.purpose, event.status) == (
        held.expires_at,
        "review",
        "proposed",
    )


def test_a_held_slot_is_taken_for_everyone_else(clinic: Clinic) -> None:
    hold(clinic, PATIENT_10)

    with pytest.raises(SlotTaken) as taken:
        clinic.book(PATIENT_11, TEN)
    assert taken.value.details["alternatives"]  # the same 409 as a booking's
    with pytest.raises(SlotTaken):
        hold(clinic, PATIENT_11)
    with pytest.raises(SlotTaken):
        clinic.book(DESK, TEN, patient_id=11)


def test_a_hold_is_checked_as_a_booking_is(clinic: Clinic) -> None:
    clinic.clock.advance(timedelta(minutes=90))  # 09:30 on Monday: 10:00 is inside the notice
    with pytest.raises(InsideMinimumNotice):
        hold(clinic, PATIENT_10, start=at(MONDAY, "10:00"))
    with pytest.raises(NotAllowed):
        hold(clinic, PATIENT_10, patient_id=11)
    with pytest.raises(InvalidInput):
        hold(clinic, PATIENT_10, minutes=0)
    with pytest.raises(InvalidInput):
        hold(clinic, PATIENT_10, purpose="forever")
    with pytest.raises(NotAllowed):
        hold(clinic, DOCTOR_1, doctor_id=DR_TWO, patient_id=10)


def test_a_new_review_hold_lets_the_previous_one_go(clinic: Clinic) -> None:
    first = hold(clinic, PATIENT_10)
    second = hold(clinic, PATIENT_10, start=at(TUESDAY, "11:00"), doctor_id=DR_TWO)

    assert clinic.stored(first.hold_id).status is Status.RELEASED
    assert clinic.stored(second.hold_id).status is Status.PROPOSED
    released = [e for e in clinic.uow.outbox if isinstance(e, events.HoldReleased)]
    assert [(e.appointment_id, e.reason) for e in released] == [(first.hold_id, "booked")]
    clinic.book(PATIENT_11, TEN)  # the first slot is free again


def test_asked_again_for_the_slot_it_holds_the_same_hold_answers(clinic: Clinic) -> None:
    first = hold(clinic, PATIENT_10)
    clinic.clock.advance(timedelta(minutes=2))

    assert hold(clinic, PATIENT_10) == first


def test_an_expired_hold_never_blocks_and_is_released_by_whoever_meets_it(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)
    clinic.clock.advance(timedelta(minutes=holds.REVIEW_MINUTES))

    result = clinic.book(PATIENT_11, TEN)

    assert clinic.stored(result.appointment_id).status is Status.BOOKED
    assert clinic.stored(held.hold_id).status is Status.RELEASED
    released = [e for e in clinic.uow.outbox if isinstance(e, events.HoldReleased)]
    assert [(e.appointment_id, e.reason, e.actor_user_id) for e in released] == [
        (held.hold_id, "expired", None)
    ]


def test_the_holder_books_the_hold_in_place(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)
    clinic.forget_the_past()

    result = clinic.book(PATIENT_10, TEN)

    assert result.appointment_id == held.hold_id
    stored = clinic.stored(held.hold_id)
    assert stored.status is Status.BOOKED
    assert (stored.hold_expires_at, stored.hold_purpose, stored.version) == (None, "", 2)
    assert [(c.action, c.from_status, c.to_status) for c in stored.history] == [
        ("book", None, Status.BOOKED)
    ]
    (event,) = clinic.uow.outbox
    assert isinstance(event, events.AppointmentBooked)
    assert event.version == 2


def test_a_hold_at_the_doctors_other_clinic_is_not_booked_in_place_here(clinic: Clinic) -> None:
    """DR_ONE sees patients at both clinics. The patient's hold of 10:00 at the other one is
    not this booking's: booked in place, the visit would have landed at the other clinic under
    this one's rules (approval, no-show policy). The patient reviews one slot at a time, so
    their booking here lets it go; a desk hold here meets it as a taken time."""
    there = hold(clinic, PATIENT_10, clinic_id=OTHER_CLINIC)

    with pytest.raises(SlotTaken):
        hold(clinic, DESK, patient_id=10, patient_introduced=True)
    booked = clinic.bus.handle(
        commands.BookAppointment(
            actor=PATIENT_10, doctor_id=DR_ONE, clinic_id=CLINIC, start=TEN, hold_id=there.hold_id
        )
    )

    assert booked.appointment_id != there.hold_id
    assert clinic.stored(booked.appointment_id).clinic_id == CLINIC
    assert clinic.stored(there.hold_id).status is Status.RELEASED


def test_a_hold_of_a_doctor_who_approves_becomes_a_request(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10, doctor_id=DR_APPROVES)

    result = clinic.book(PATIENT_10, TEN, doctor_id=DR_APPROVES)

    assert result.appointment_id == held.hold_id
    assert clinic.stored(held.hold_id).status is Status.PENDING


def test_an_expired_hold_is_booked_anew_when_the_slot_is_still_free(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)
    clinic.clock.advance(timedelta(minutes=10))

    result = clinic.book(PATIENT_10, TEN)

    assert result.appointment_id != held.hold_id
    assert clinic.stored(held.hold_id).status is Status.RELEASED
    assert clinic.stored(result.appointment_id).status is Status.BOOKED


def test_booking_another_slot_lets_the_review_hold_go(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)

    clinic.book(PATIENT_10, at(TUESDAY, "15:00"))

    assert clinic.stored(held.hold_id).status is Status.RELEASED


def test_only_its_holder_lets_a_hold_go_and_twice_is_harmless(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)
    for other in (PATIENT_11, DESK, ADMIN, DOCTOR_1):
        with pytest.raises(NotFound):
            release(clinic, other, held.hold_id)
    with pytest.raises(NotFound):
        release(clinic, PATIENT_10, uuid.uuid4())

    release(clinic, PATIENT_10, held.hold_id)
    release(clinic, PATIENT_10, held.hold_id)

    assert clinic.stored(held.hold_id).status is Status.RELEASED
    released = [e for e in clinic.uow.outbox if isinstance(e, events.HoldReleased)]
    assert [e.reason for e in released] == ["released"]
    clinic.book(PATIENT_11, TEN)


OTHER_DESK = Actor(3002, Role.RECEPTIONIST, clinic_id=OTHER_CLINIC)


def test_a_desk_hold_is_the_clinics_and_leaves_the_patients_own_review_alone(
    clinic: Clinic,
) -> None:
    """Found in review: a hold the desk made for a patient let go of the patient's own review
    (they may be choosing on their phone meanwhile), and the desk could not let it go: it
    kept the slot from everyone until it expired."""
    own = hold(clinic, PATIENT_10)
    desk = hold(clinic, DESK, start=at(TUESDAY, "11:00"), patient_id=10, patient_introduced=True)
    again = hold(clinic, PATIENT_10, start=at(TUESDAY, "11:30"))

    assert clinic.stored(desk.hold_id).hold_purpose == holds.Purpose.DESK
    assert clinic.stored(own.hold_id).status is Status.RELEASED  # by their own next review
    assert clinic.stored(desk.hold_id).status is Status.PROPOSED  # not by it
    assert clinic.stored(again.hold_id).status is Status.PROPOSED
    for outsider in (PATIENT_11, OTHER_DESK):
        with pytest.raises(NotFound):
            release(clinic, outsider, desk.hold_id)
    release(clinic, DOCTOR_1, desk.hold_id)  # the clinic's: its doctor, its desk, admins
    assert clinic.stored(desk.hold_id).status is Status.RELEASED
    clinic.book(PATIENT_11, at(TUESDAY, "11:00"))  # free again at once


def test_the_desk_books_its_hold_in_place(clinic: Clinic) -> None:
    desk = hold(clinic, DESK, patient_id=10, patient_introduced=True)

    booked = clinic.book(DESK, TEN, patient_id=10)

    assert booked.appointment_id == desk.hold_id
    assert clinic.stored(desk.hold_id).status is Status.BOOKED


def test_a_booked_hold_is_no_hold_to_release(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)
    clinic.book(PATIENT_10, TEN)

    with pytest.raises(NotFound):
        release(clinic, PATIENT_10, held.hold_id)


def test_the_sweep_releases_expired_holds_only(clinic: Clinic) -> None:
    old = hold(clinic, PATIENT_10)
    clinic.clock.advance(timedelta(minutes=4))
    young = hold(clinic, PATIENT_11, start=at(TUESDAY, "11:00"))
    clinic.clock.advance(timedelta(minutes=1))

    assert clinic.bus.handle(commands.ReleaseExpiredHolds()) == 1

    assert clinic.stored(old.hold_id).status is Status.RELEASED
    assert clinic.stored(young.hold_id).status is Status.PROPOSED


def test_a_visits_actions_do_not_apply_to_a_hold(clinic: Clinic) -> None:
    held = hold(clinic, PATIENT_10)
    for command in (commands.ConfirmAppointment, commands.CancelAppointment):
        with pytest.raises(InvalidTransition):
            clinic.bus.handle(command(actor=DOCTOR_1, appointment_id=held.hold_id))


def test_the_aggregate_books_a_live_hold_only() -> None:
    now = TEN - timedelta(days=1)
    held = Appointment.hold(
        doctor_id=DR_ONE,
        patient_id=10,
        clinic_id=CLINIC,
        slot=slot(TUESDAY, "10:00"),
        purpose=holds.Purpose.OFFER,
        expires_at=now + timedelta(minutes=15),
        actor_user_id=None,
        now=now,
    )
    assert held.hold_live(now) and not held.hold_live(now + timedelta(minutes=15))
    with pytest.raises(InvalidTransition):
        held.book_hold(
            reason="",
            needs_confirmation=False,
            actor_user_id=1,
            now=now + timedelta(minutes=15),
        )
    held.release_hold(reason=holds.Release.EXPIRED, actor_user_id=None, now=now)
    with pytest.raises(InvalidTransition):
        held.release_hold(reason=holds.Release.RELEASED, actor_user_id=None, now=now)
