"""Staff book a patient they know: one with a booking at their clinic (for a doctor, at one of
the clinics they work at), or one introduced to them (found by their whole phone number or
email, or added by them). A patient id alone books no stranger, and is refused as a patient
that does not exist."""

from __future__ import annotations

import uuid

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Actor, Patient, Role
from scheduler.services import commands
from tests.unit.test_handlers import (
    ADMIN,
    CLINIC,
    DESK,
    DOCTOR_1,
    DR_ONE,
    DR_TWO,
    OTHER_CLINIC,
    PATIENT_11,
    TUESDAY,
    Clinic,
    at,
    clinic,
)

__all__ = ["clinic"]  # the fixture, shared with the booking tests

OTHER_DESK = Actor(3002, Role.RECEPTIONIST, clinic_id=OTHER_CLINIC)
DOCTOR_2 = Actor(2002, Role.DOCTOR, doctor_id=DR_TWO)


def book(
    clinic: Clinic,
    actor: Actor,
    when: str,
    *,
    patient_id: int = 11,
    doctor_id: int = DR_ONE,
    clinic_id: int = CLINIC,
    introduced: bool = False,
    hold_id: uuid.UUID | None = None,
) -> object:
    return clinic.bus.handle(
        commands.BookAppointment(
            actor=actor,
            doctor_id=doctor_id,
            clinic_id=clinic_id,
            start=at(TUESDAY, when),
            patient_id=patient_id,
            patient_introduced=introduced,
            hold_id=hold_id,
        )
    )


def hold(clinic: Clinic, actor: Actor, when: str, *, introduced: bool = False) -> object:
    return clinic.bus.handle(
        commands.HoldSlot(
            actor=actor,
            doctor_id=DR_ONE,
            clinic_id=CLINIC,
            start=at(TUESDAY, when),
            patient_id=11,
            patient_introduced=introduced,
        )
    )


@pytest.mark.parametrize("actor", [DESK, DOCTOR_1], ids=["desk", "doctor"])
def test_a_patient_id_alone_books_no_stranger(clinic: Clinic, actor: Actor) -> None:
    for attempt in (lambda: book(clinic, actor, "10:00"), lambda: hold(clinic, actor, "10:00")):
        with pytest.raises(InvalidInput) as refused:
            attempt()
        # Word for word what an id of no one gets: nothing tells the two apart.
        assert refused.value.message == "No such patient."
        assert refused.value.params["field"] == "patient_id"
    with pytest.raises(InvalidInput) as nobody:
        book(clinic, actor, "10:00", patient_id=999)
    assert nobody.value.message == "No such patient."
    assert not clinic.uow.committed


def test_a_patient_introduced_to_the_desk_is_booked_and_known_from_then_on(
    clinic: Clinic,
) -> None:
    hold(clinic, DESK, "10:00", introduced=True)
    book(clinic, DESK, "10:30", introduced=True)
    # The booking at the clinic makes them the clinic's: its desk and doctors book them again.
    book(clinic, DESK, "11:00")
    book(clinic, DOCTOR_1, "11:30")


def test_the_desk_books_the_hold_it_made_on_an_introduction_without_the_ref_again(
    clinic: Clinic,
) -> None:
    """The hold carries the introduction to its own booking, and no further: the patient is
    then the clinic's by that booking, not by the hold."""
    held = hold(clinic, DESK, "10:00", introduced=True)

    with pytest.raises(InvalidInput):
        book(clinic, DESK, "11:00")  # the hold introduces no one to other slots
    booked = book(clinic, DESK, "10:00", hold_id=held.hold_id)  # type: ignore[attr-defined]

    assert booked.appointment_id == held.hold_id  # type: ignore[attr-defined]
    book(clinic, DESK, "11:00")  # the booking made them the clinic's


def test_a_hold_let_go_introduces_no_one(clinic: Clinic) -> None:
    held = hold(clinic, DESK, "10:00", introduced=True)
    clinic.bus.handle(commands.ReleaseHold(actor=DESK, hold_id=held.hold_id))  # type: ignore[attr-defined]

    with pytest.raises(InvalidInput) as refused:
        book(clinic, DESK, "10:00", hold_id=held.hold_id)  # type: ignore[attr-defined]
    assert refused.value.message == "No such patient."


def test_a_doctors_hold_at_their_other_clinic_introduces_no_one_here(clinic: Clinic) -> None:
    """DR_ONE works at both clinics: a desk hold they make at the other one for a patient is
    no introduction to this clinic's desk (a member of staff of the other clinic may not even
    see it), whatever hold id the desk sends."""
    held = clinic.bus.handle(
        commands.HoldSlot(
            actor=DOCTOR_1,
            doctor_id=DR_ONE,
            clinic_id=OTHER_CLINIC,
            start=at(TUESDAY, "10:00"),
            patient_id=11,
            patient_introduced=True,
        )
    )

    with pytest.raises(InvalidInput):
        book(clinic, DESK, "10:00", hold_id=held.hold_id)  # type: ignore[attr-defined]


def test_a_booking_at_another_clinic_introduces_no_one_here(clinic: Clinic) -> None:
    book(clinic, OTHER_DESK, "10:00", clinic_id=OTHER_CLINIC, introduced=True)

    with pytest.raises(InvalidInput):
        book(clinic, DESK, "11:00")
    with pytest.raises(InvalidInput):
        book(clinic, DOCTOR_2, "11:00", doctor_id=DR_TWO)
    # A doctor knows the patients of every clinic they work at: DR_ONE sees at both.
    book(clinic, DOCTOR_1, "11:30")


def test_a_cancelled_booking_still_makes_the_patient_the_clinics(clinic: Clinic) -> None:
    """As the desk's search finds them by name: they were the clinic's patient."""
    first = book(clinic, DESK, "10:00", introduced=True)
    clinic.bus.handle(
        commands.CancelAppointment(actor=DESK, appointment_id=first.appointment_id)  # type: ignore[attr-defined]
    )

    book(clinic, DESK, "10:30")


def test_a_held_slot_introduces_no_one(clinic: Clinic) -> None:
    """A hold is no visit: the patient's own review hold tells the desk nothing."""
    clinic.bus.handle(
        commands.HoldSlot(
            actor=PATIENT_11, doctor_id=DR_ONE, clinic_id=CLINIC, start=at(TUESDAY, "10:00")
        )
    )

    with pytest.raises(InvalidInput):
        book(clinic, DESK, "11:00")


def test_admins_and_patients_need_no_introduction(clinic: Clinic) -> None:
    book(clinic, ADMIN, "10:00")
    clinic.bus.handle(
        commands.BookAppointment(
            actor=PATIENT_11, doctor_id=DR_ONE, clinic_id=CLINIC, start=at(TUESDAY, "11:00")
        )
    )


def test_a_patient_the_desk_added_is_known_at_its_clinic_only(clinic: Clinic) -> None:
    added = clinic.bus.handle(commands.AddPatient(actor=DESK, first_name="Sima", last_name="W"))
    assert isinstance(added, int)
    clinic.uow.patients.add(Patient(added, "Sima W"))

    book(clinic, DESK, "10:00", patient_id=added)
    with pytest.raises(InvalidInput):
        book(clinic, OTHER_DESK, "10:00", patient_id=added, clinic_id=OTHER_CLINIC)
