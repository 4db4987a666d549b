"""A doctor not taking new patients: the patients they have taken on book them, a new one is
told why not, and the desk books anyone (a referral, an arrangement by phone)."""

from __future__ import annotations

import pytest

from scheduler.domain.errors import InvalidInput
from scheduler.domain.model import Doctor
from scheduler.services import commands
from tests.unit.test_handlers import (
    DESK,
    DR_TWO,
    PATIENT_10,
    PATIENT_11,
    TUESDAY,
    Clinic,
    at,
    clinic,
)

__all__ = ["clinic"]  # the fixture, shared with the booking tests


@pytest.fixture
def closed(clinic: Clinic) -> Clinic:
    clinic.uow.doctors.add(
        Doctor(DR_TWO, "Dr Two", "dermatology", "MC-2", True, accepts_new_patients=False)
    )
    return clinic


def test_a_new_patient_cannot_book_a_doctor_not_taking_new_patients(closed: Clinic) -> None:
    with pytest.raises(InvalidInput) as refused:
        closed.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_TWO)

    assert refused.value.message == "This doctor is not taking new patients."
    assert refused.value.params["field"] == "doctor_id"
    assert not closed.uow.committed


def test_the_desk_books_anyone_and_the_doctors_patients_book_again(closed: Clinic) -> None:
    first = closed.book(DESK, at(TUESDAY, "10:00"), doctor_id=DR_TWO, patient_id=10)

    again = closed.book(PATIENT_10, at(TUESDAY, "11:00"), doctor_id=DR_TWO)

    assert closed.stored(first.appointment_id).patient_id == 10
    assert closed.stored(again.appointment_id).patient_id == 10
    with pytest.raises(InvalidInput):
        closed.book(PATIENT_11, at(TUESDAY, "11:30"), doctor_id=DR_TWO)


def test_a_cancelled_visit_does_not_make_a_patient_the_doctors(closed: Clinic) -> None:
    first = closed.book(DESK, at(TUESDAY, "10:00"), doctor_id=DR_TWO, patient_id=10)
    closed.bus.handle(commands.CancelAppointment(actor=DESK, appointment_id=first.appointment_id))

    with pytest.raises(InvalidInput):
        closed.book(PATIENT_10, at(TUESDAY, "11:00"), doctor_id=DR_TWO)
