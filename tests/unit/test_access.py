"""Who sees which appointment (else NotFound) and who may act on it (else NotAllowed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain import access
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import DomainError, InvalidInput, NotAllowed, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role

START = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
APPOINTMENT = Appointment(
    id=uuid.uuid4(),
    doctor_id=1,
    patient_id=10,
    clinic_id=100,
    slot=Interval(START, START + timedelta(minutes=30)),
    status=Status.BOOKED,
)

ACTORS = {
    "admin": Actor(1, Role.ADMIN),
    "own patient": Actor(2, Role.PATIENT, patient_id=10),
    "other patient": Actor(3, Role.PATIENT, patient_id=11),
    "patient without profile": Actor(4, Role.PATIENT),
    "own doctor": Actor(5, Role.DOCTOR, doctor_id=1),
    "other doctor": Actor(6, Role.DOCTOR, doctor_id=2),
    "doctor without profile": Actor(7, Role.DOCTOR),
    "desk of the clinic": Actor(8, Role.RECEPTIONIST, clinic_id=100),
    "desk of another clinic": Actor(9, Role.RECEPTIONIST, clinic_id=200),
    "desk without clinic": Actor(10, Role.RECEPTIONIST),
}
ACTIONS = [
    "confirm",
    "reject",
    "cancel",
    "reschedule",
    "check_in",
    "start",
    "complete",
    "no_show",
    "undo",
    "forgive_no_show",
]

OK = None
EVERYTHING = dict.fromkeys(ACTIONS, OK)
HIDDEN: dict[str, type[DomainError] | None] = dict.fromkeys(ACTIONS, NotFound)

EXPECTED: dict[str, dict[str, type[DomainError] | None]] = {
    "admin": EVERYTHING,
    "own patient": {
        "confirm": NotAllowed,
        "reject": NotAllowed,
        "cancel": OK,
        "reschedule": OK,
        "check_in": NotAllowed,
        "start": NotAllowed,
        "complete": NotAllowed,
        "no_show": NotAllowed,
        "undo": NotAllowed,
        "forgive_no_show": NotAllowed,
    },
    "other patient": HIDDEN,
    "patient without profile": HIDDEN,
    "own doctor": EVERYTHING,
    "other doctor": HIDDEN,
    "doctor without profile": HIDDEN,
    "desk of the clinic": {**EVERYTHING, "complete": NotAllowed},
    "desk of another clinic": HIDDEN,
    "desk without clinic": HIDDEN,
}


def test_every_action_has_its_roles() -> None:
    assert set(access.ALLOWED_ROLES) == set(ACTIONS)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", list(ACTORS))
def test_who_may_do_what(who: str, action: str) -> None:
    actor = ACTORS[who]
    expected = EXPECTED[who][action]

    assert access.can_see(actor, APPOINTMENT) is (EXPECTED[who] is not HIDDEN)
    if expected is None:
        access.ensure_may(actor, APPOINTMENT, action)
    else:
        with pytest.raises(expected) as caught:
            access.ensure_may(actor, APPOINTMENT, action)
        assert type(caught.value) is expected


def test_only_patients_are_not_staff() -> None:
    assert [role for role in Role if not Actor(1, role).is_staff] == [Role.PATIENT]


# --- on whose behalf a booking is made --------------------------------------------------------


@pytest.mark.parametrize("asked", [None, 10])
def test_a_patient_books_for_themselves(asked: int | None) -> None:
    patient = ACTORS["own patient"]

    assert access.booking_patient(patient, doctor_id=1, clinic_id=100, patient_id=asked) == 10


@pytest.mark.parametrize(
    ("who", "doctor_id", "clinic_id", "patient_id"),
    [
        ("own patient", 1, 100, 11),  # for someone else
        ("patient without profile", 1, 100, None),
        ("patient without profile", 1, 100, 10),
        ("own doctor", 2, 100, 10),  # into a colleague's schedule
        ("desk of the clinic", 1, 200, 10),  # at another clinic
    ],
)
def test_bookings_that_are_refused(
    who: str, doctor_id: int, clinic_id: int, patient_id: int | None
) -> None:
    with pytest.raises(NotAllowed):
        access.booking_patient(
            ACTORS[who], doctor_id=doctor_id, clinic_id=clinic_id, patient_id=patient_id
        )


@pytest.mark.parametrize("who", ["own doctor", "desk of the clinic", "admin"])
def test_staff_must_name_the_patient(who: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        access.booking_patient(ACTORS[who], doctor_id=1, clinic_id=100, patient_id=None)
    assert refused.value.details["field"] == "patient_id"


@pytest.mark.parametrize(
    ("who", "doctor_id", "clinic_id"),
    [
        ("own doctor", 1, 100),
        ("own doctor", 1, 200),  # a doctor at any of their clinics (the schedule decides)
        ("desk of the clinic", 1, 100),
        ("desk of the clinic", 2, 100),
        ("admin", 3, 300),
    ],
)
def test_staff_book_for_the_patient_they_name(who: str, doctor_id: int, clinic_id: int) -> None:
    assert (
        access.booking_patient(ACTORS[who], doctor_id=doctor_id, clinic_id=clinic_id, patient_id=42)
        == 42
    )


# --- who manages a doctor's schedule ----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may_read", "may_write"),
    [
        ("admin", True, True),
        ("own doctor", True, True),
        ("other doctor", False, False),
        ("desk of the clinic", True, False),
        ("desk of another clinic", False, False),
        ("own patient", False, False),
    ],
)
def test_who_manages_a_doctors_schedule(who: str, may_read: bool, may_write: bool) -> None:
    for write, allowed in ((False, may_read), (True, may_write)):
        if allowed:
            access.ensure_may_manage_doctor(
                ACTORS[who], 1, clinic_ids=frozenset({100}), write=write
            )
        else:
            with pytest.raises(NotAllowed):
                access.ensure_may_manage_doctor(
                    ACTORS[who], 1, clinic_ids=frozenset({100}), write=write
                )


def test_a_patients_own_pages_are_the_signed_in_patients_and_no_one_elses() -> None:
    assert access.own_patient_id(Actor(1, Role.PATIENT, patient_id=10)) == 10
    for other in (
        None,
        Actor(1, Role.PATIENT),  # a patient account without its record
        Actor(2, Role.DOCTOR, doctor_id=1),
        Actor(3, Role.RECEPTIONIST, clinic_id=1),
        Actor(4, Role.ADMIN),
    ):
        with pytest.raises(NotAllowed):
            access.own_patient_id(other)
