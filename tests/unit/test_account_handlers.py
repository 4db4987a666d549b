"""Sign-up, the desk adding a patient, one's own details, verifying a doctor, choosing
calendars: each through the bus, with the fake unit of work, each committing its event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.domain import events
from scheduler.domain.errors import AlreadyRecorded, InvalidInput, NotAllowed, NotFound
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.calendar_values import CalendarInfo, Detail
from tests.fakes import FakeAccountRepository, FakeUnitOfWork, FixedClock, make_bus

CLINIC = 7
ADMIN = Actor(1000, Role.ADMIN)
DESK = Actor(1001, Role.RECEPTIONIST, clinic_id=CLINIC)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    unit = FakeUnitOfWork()
    unit.accounts = FakeAccountRepository(specialties=["cardiology"], clinics=[CLINIC])
    return unit


def handle(uow: FakeUnitOfWork, command: commands.Command) -> object:
    return make_bus(uow, FixedClock(NOW)).handle(command)


def sign_up(role: Role = Role.PATIENT, **fields: object) -> commands.RegisterUser:
    values: dict[str, object] = {"username": "sara", "password": "a long secret", **fields}
    return commands.RegisterUser(role=role, **values)  # type: ignore[arg-type]


def doctor_sign_up(**fields: object) -> commands.RegisterUser:
    values = {
        "username": "dr.sara",
        "specialty": "cardiology",
        "licence_number": "MC-1",
        "clinic_id": CLINIC,
        **fields,
    }
    return sign_up(Role.DOCTOR, **values)


def test_a_patient_signs_up_and_the_outbox_says_so(uow: FakeUnitOfWork) -> None:
    user_id = handle(uow, sign_up(phone="+989120000001"))

    assert isinstance(user_id, int)
    assert list(uow.accounts.committed.patients.values()) == [user_id]
    [event] = uow.outbox
    assert isinstance(event, events.UserRegistered)
    assert (event.user_id, event.role, event.actor_user_id) == (user_id, "patient", user_id)


def test_a_taken_username_is_refused_in_any_letter_case(uow: FakeUnitOfWork) -> None:
    handle(uow, sign_up())
    uow.outbox.clear()

    with pytest.raises(InvalidInput) as refused:
        handle(uow, sign_up(username="SARA"))

    assert refused.value.details["field"] == "username"
    assert len(uow.accounts.committed.users) == 1 and not uow.outbox


@pytest.mark.parametrize(
    ("taken", "field"),
    [({"email": "SARA@example.test"}, "email"), ({"phone": "+989120000001"}, "phone")],
)
def test_an_email_or_phone_one_signs_in_with_is_taken(
    uow: FakeUnitOfWork, taken: dict[str, str], field: str
) -> None:
    handle(uow, sign_up(email="sara@example.test", phone="+989120000001"))
    uow.outbox.clear()

    with pytest.raises(InvalidInput) as refused:
        handle(uow, sign_up(username="other", **taken))

    assert refused.value.details["field"] == field
    assert len(uow.accounts.committed.users) == 1 and not uow.outbox


def test_a_patient_the_desk_added_does_not_hold_their_phone_against_signing_up(
    uow: FakeUnitOfWork,
) -> None:
    handle(uow, commands.AddPatient(actor=DESK, first_name="A", last_name="B", phone="+9891201"))

    assert isinstance(handle(uow, sign_up(phone="+9891201")), int)


def test_ones_email_or_phone_cannot_be_changed_to_anothers(uow: FakeUnitOfWork) -> None:
    handle(uow, sign_up(email="sara@example.test", phone="+989120000001"))
    user_id = handle(uow, sign_up(username="reza", email="reza@example.test"))
    reza = Actor(user_id, Role.PATIENT)  # type: ignore[arg-type]
    uow.outbox.clear()

    for change, field in (
        ({"email": "Sara@Example.test"}, "email"),
        ({"phone": "+989120000001"}, "phone"),
    ):
        with pytest.raises(InvalidInput) as refused:
            handle(uow, commands.UpdateProfile(actor=reza, **change))
        assert refused.value.details["field"] == field
    recased = handle(uow, commands.UpdateProfile(actor=reza, email="REZA@example.test"))

    assert recased == ["email"]  # one's own address in other letters is no one else's


def test_nobody_signs_up_as_desk_or_admin(uow: FakeUnitOfWork) -> None:
    for role in (Role.RECEPTIONIST, Role.ADMIN):
        with pytest.raises(InvalidInput):
            handle(uow, sign_up(role))
    assert not uow.accounts.committed.users


def test_a_doctor_signs_up_unverified_at_their_clinic(uow: FakeUnitOfWork) -> None:
    handle(uow, doctor_sign_up())

    [doctor] = uow.accounts.committed.doctors.values()
    assert (doctor.clinic_id, doctor.licence_number, doctor.verified) == (CLINIC, "MC-1", False)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"specialty": "astrology"}, "specialty"),
        ({"clinic_id": 999}, "clinic_id"),
        ({"licence_number": ""}, "licence_number"),
    ],
)
def test_a_doctor_names_a_real_specialty_and_clinic_and_a_licence(
    uow: FakeUnitOfWork, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        handle(uow, doctor_sign_up(**fields))

    assert refused.value.details["field"] == field
    assert not uow.accounts.committed.users and not uow.outbox


def test_one_licence_one_doctor(uow: FakeUnitOfWork) -> None:
    handle(uow, doctor_sign_up())

    with pytest.raises(InvalidInput) as refused:
        handle(uow, doctor_sign_up(username="someone.else"))

    assert refused.value.details["field"] == "licence_number"


def test_the_desk_adds_a_patient_and_is_told_who_has_the_phone_already(
    uow: FakeUnitOfWork,
) -> None:
    add = commands.AddPatient(actor=DESK, first_name="Ali", last_name="Rezaei", phone="+9891201")
    first = handle(uow, add)

    with pytest.raises(AlreadyRecorded) as known:
        handle(uow, add)
    again = handle(
        uow,
        commands.AddPatient(
            actor=DESK, first_name="Mina", last_name="Rezaei", phone="+9891201", same_phone_ok=True
        ),
    )

    assert known.value.details["patient"]["id"] == first
    assert again != first
    added = [e for e in uow.outbox if isinstance(e, events.PatientAdded)]
    assert [(e.patient_id, e.actor_user_id) for e in added] == [
        (first, DESK.user_id),
        (again, DESK.user_id),
    ]


@pytest.mark.parametrize(
    "actor", [Actor(5, Role.PATIENT, patient_id=5), Actor(6, Role.DOCTOR, doctor_id=6)]
)
def test_only_the_desk_or_an_admin_adds_patients(uow: FakeUnitOfWork, actor: Actor) -> None:
    with pytest.raises(NotAllowed):
        handle(uow, commands.AddPatient(actor=actor, first_name="A", last_name="B"))


def test_a_profile_edit_records_which_fields_changed_not_their_values(
    uow: FakeUnitOfWork,
) -> None:
    user_id = handle(uow, sign_up(first_name="Sara", email="old@example.test"))
    me = Actor(user_id, Role.PATIENT)  # type: ignore[arg-type]
    uow.outbox.clear()

    changed = handle(uow, commands.UpdateProfile(actor=me, first_name="Sara", email="new@x.test"))
    unchanged = handle(uow, commands.UpdateProfile(actor=me, first_name="Sara"))

    assert changed == ["email"] and unchanged == []
    [event] = uow.outbox
    assert isinstance(event, events.ProfileUpdated) and event.fields == ("email",)
    assert uow.accounts.committed.users[user_id].contact["email"] == "new@x.test"  # type: ignore[index]


def test_an_admin_verifies_a_doctor_once(uow: FakeUnitOfWork) -> None:
    handle(uow, doctor_sign_up())
    [doctor_id] = uow.accounts.committed.doctors
    uow.outbox.clear()

    assert handle(uow, commands.VerifyDoctor(actor=ADMIN, doctor_id=doctor_id)) is True
    assert handle(uow, commands.VerifyDoctor(actor=ADMIN, doctor_id=doctor_id)) is False

    [event] = uow.outbox
    assert isinstance(event, events.DoctorVerified) and event.verified
    with pytest.raises(NotAllowed):
        handle(uow, commands.VerifyDoctor(actor=DESK, doctor_id=doctor_id, verified=False))
    with pytest.raises(InvalidInput):
        handle(uow, commands.VerifyDoctor(actor=ADMIN, doctor_id=12345))


LISTED = (
    CalendarInfo("primary", "Me", primary=True, writable=True),
    CalendarInfo("holidays", "Holidays", writable=False),
)
DOCTOR = Actor(50, Role.DOCTOR, doctor_id=5)


def choose(**fields: object) -> commands.ChooseCalendars:
    values: dict[str, object] = {
        "doctor_id": 5,
        "target_calendar": "primary",
        "busy_calendars": ("primary", "holidays", "not-listed"),
        "detail": Detail.NONE.value,
        "listed": LISTED,
        **fields,
    }
    return commands.ChooseCalendars(actor=DOCTOR, **values)  # type: ignore[arg-type]


def test_a_doctor_chooses_calendars_from_those_listed(uow: FakeUnitOfWork) -> None:
    uow.calendars.choices[5] = ("", [], Detail.FIRST_NAME_REASON)

    handle(uow, choose())

    assert uow.calendars.choices[5] == ("primary", ["primary", "holidays"], Detail.NONE)
    [event] = uow.outbox
    assert isinstance(event, events.CalendarsChosen) and event.target_calendar == "primary"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"target_calendar": "holidays"}, InvalidInput),  # read-only
        ({"target_calendar": "someone-elses"}, InvalidInput),
        ({"detail": "everything"}, InvalidInput),
        ({"doctor_id": 6}, NotAllowed),
    ],
)
def test_a_choice_outside_the_list_or_of_another_doctor_is_refused(
    uow: FakeUnitOfWork, fields: dict[str, object], error: type[Exception]
) -> None:
    uow.calendars.choices[5] = uow.calendars.choices[6] = ("", [], Detail.NONE)

    with pytest.raises(error):
        handle(uow, choose(**fields))

    assert uow.calendars.choices[5] == ("", [], Detail.NONE) and not uow.outbox


def test_no_choice_without_a_connection(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        handle(uow, choose())


@pytest.mark.parametrize("username", ["sara@example.test", "+989120000004", "09120000004"])
def test_a_username_cannot_read_as_an_email_or_a_phone(uow: FakeUnitOfWork, username: str) -> None:
    """Or it would stand in front of that person's sign-in with their email or phone (the
    login would name two accounts and be refused): found by the API review."""
    with pytest.raises(InvalidInput) as refused:
        handle(uow, sign_up(username=username))

    assert refused.value.details["field"] == "username"
    assert not uow.accounts.committed.users and not uow.outbox
