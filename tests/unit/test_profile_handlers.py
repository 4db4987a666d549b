"""A patient's record and a doctor's page in the directory, edited by their owner through the
bus (fake unit of work): the domain's bounds hold, each change commits one ProfileUpdated that
names the fields, never their values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scheduler.domain import events, profiles
from scheduler.domain.errors import InvalidInput, NotAllowed
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from tests.fakes import FakeAccountRepository, FakeUnitOfWork, FixedClock, make_bus

CLINIC = 7
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    unit = FakeUnitOfWork()
    unit.accounts = FakeAccountRepository(specialties=["cardiology"], clinics=[CLINIC])
    return unit


def handle(uow: FakeUnitOfWork, command: commands.Command) -> object:
    return make_bus(uow, FixedClock(NOW)).handle(command)


def patient(uow: FakeUnitOfWork) -> Actor:
    user_id = handle(uow, commands.RegisterUser(role=Role.PATIENT, username="sara", password="x"))
    assert isinstance(user_id, int)
    uow.outbox.clear()
    return Actor(user_id, Role.PATIENT, patient_id=1)


def doctor(uow: FakeUnitOfWork) -> Actor:
    user_id = handle(
        uow,
        commands.RegisterUser(
            role=Role.DOCTOR,
            username="dr.sara",
            password="x",
            specialty="cardiology",
            licence_number="MC-1",
            clinic_id=CLINIC,
        ),
    )
    assert isinstance(user_id, int)
    [doctor_id] = uow.accounts.committed.doctors
    uow.outbox.clear()
    return Actor(user_id, Role.DOCTOR, doctor_id=doctor_id, verified=False)


def test_a_patient_fills_in_their_record_and_channels(uow: FakeUnitOfWork) -> None:
    me = patient(uow)

    changed = handle(
        uow,
        commands.UpdateProfile(
            actor=me,
            date_of_birth=date(1990, 3, 21),
            sex="female",
            address="Valiasr St. 12, Tehran",
            emergency_contact_name="Reza",
            emergency_contact_phone="+989120000002",
            blood_group="O-",
            sms_messages=False,
            email_messages=True,  # as it was: not a change
        ),
    )

    assert changed == [
        "address",
        "blood_group",
        "date_of_birth",
        "emergency_contact_name",
        "emergency_contact_phone",
        "sex",
        "sms_messages",
    ]
    stored = uow.accounts.committed.users[me.user_id]
    assert stored.contact["date_of_birth"] == date(1990, 3, 21)
    assert stored.channels == {"email_messages": True, "sms_messages": False}
    [event] = uow.outbox
    assert isinstance(event, events.ProfileUpdated) and event.fields == tuple(changed)


def test_an_empty_date_of_birth_forgets_it(uow: FakeUnitOfWork) -> None:
    me = patient(uow)
    handle(uow, commands.UpdateProfile(actor=me, date_of_birth=date(1990, 3, 21)))

    assert handle(uow, commands.UpdateProfile(actor=me, date_of_birth="")) == ["date_of_birth"]
    assert uow.accounts.committed.users[me.user_id].contact["date_of_birth"] is None


@pytest.mark.parametrize(
    "born",
    [date(2026, 12, 3), date(1896, 12, 1)],
    ids=["tomorrow", "over 130 years ago"],
)
def test_an_impossible_date_of_birth_is_refused(uow: FakeUnitOfWork, born: date) -> None:
    me = patient(uow)

    with pytest.raises(InvalidInput) as refused:
        handle(uow, commands.UpdateProfile(actor=me, date_of_birth=born))

    assert refused.value.details["field"] == "date_of_birth"
    assert uow.outbox == []


def test_the_oldest_and_youngest_dates_of_birth_are_taken(uow: FakeUnitOfWork) -> None:
    me = patient(uow)

    handle(uow, commands.UpdateProfile(actor=me, date_of_birth=date(1896, 12, 2)))
    handle(uow, commands.UpdateProfile(actor=me, date_of_birth=date(2026, 12, 2)))

    assert len(uow.outbox) == 2


@pytest.mark.parametrize(("field", "value"), [("sex", "unknown"), ("blood_group", "C+")])
def test_a_choice_outside_the_list_is_refused(uow: FakeUnitOfWork, field: str, value: str) -> None:
    me = patient(uow)

    with pytest.raises(InvalidInput) as refused:
        handle(uow, commands.UpdateProfile(actor=me, **{field: value}))  # type: ignore[arg-type]

    assert refused.value.details["field"] == field


def test_a_doctor_fills_in_their_page_unverified_yet(uow: FakeUnitOfWork) -> None:
    me = doctor(uow)

    changed = handle(
        uow,
        commands.UpdateProfile(
            actor=me,
            bio="  Cardiologist, 12 years at Tehran Heart Center.  ",
            years_of_experience=12,
            languages=("fa", "en", "fa"),
            consultation_fee=0,
            accepts_new_patients=False,
        ),
    )

    assert changed == [
        "accepts_new_patients",
        "bio",
        "consultation_fee",
        "languages",
        "years_of_experience",
    ]
    assert uow.accounts.committed.doctors[me.doctor_id or 0].profile == {
        "bio": "Cardiologist, 12 years at Tehran Heart Center.",
        "years_of_experience": 12,
        "languages": "fa en",
        "consultation_fee": 0,  # a free visit, not an unknown fee
        "accepts_new_patients": False,
    }
    [event] = uow.outbox
    assert isinstance(event, events.ProfileUpdated) and event.user_id == me.user_id


def test_a_doctor_empties_a_number(uow: FakeUnitOfWork) -> None:
    me = doctor(uow)
    handle(uow, commands.UpdateProfile(actor=me, consultation_fee=5_000_000))

    handle(uow, commands.UpdateProfile(actor=me, consultation_fee=""))

    assert uow.accounts.committed.doctors[me.doctor_id or 0].profile["consultation_fee"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"years_of_experience": -1}, "years_of_experience"),
        ({"years_of_experience": profiles.MAX_YEARS_OF_EXPERIENCE + 1}, "years_of_experience"),
        ({"consultation_fee": -1}, "consultation_fee"),
        ({"consultation_fee": profiles.MAX_CONSULTATION_FEE + 1}, "consultation_fee"),
        ({"languages": ("fa", "klingon")}, "languages"),
    ],
)
def test_a_doctor_page_outside_its_bounds_is_refused(
    uow: FakeUnitOfWork, fields: dict[str, object], field: str
) -> None:
    me = doctor(uow)

    with pytest.raises(InvalidInput) as refused:
        handle(uow, commands.UpdateProfile(actor=me, **fields))  # type: ignore[arg-type]

    assert refused.value.details["field"] == field
    assert uow.outbox == []


@pytest.mark.parametrize(
    "command",
    [
        commands.UpdateProfile(actor=Actor(1, Role.PATIENT, patient_id=1), bio="x"),
        commands.SetDoctorPhoto(actor=Actor(1, Role.RECEPTIONIST, clinic_id=CLINIC), content=b"x"),
        commands.RemoveDoctorPhoto(actor=Actor(1, Role.ADMIN)),
    ],
    ids=["patient", "desk", "admin"],
)
def test_only_a_doctor_edits_a_doctor_page(uow: FakeUnitOfWork, command: commands.Command) -> None:
    with pytest.raises(NotAllowed):
        handle(uow, command)


def test_a_photo_is_set_and_removed_once(uow: FakeUnitOfWork) -> None:
    me = doctor(uow)

    handle(uow, commands.SetDoctorPhoto(actor=me, content=b"a photo"))
    assert handle(uow, commands.RemoveDoctorPhoto(actor=me)) is True
    assert handle(uow, commands.RemoveDoctorPhoto(actor=me)) is False

    assert [e.fields for e in uow.outbox if isinstance(e, events.ProfileUpdated)] == [
        ("photo",),
        ("photo",),
    ]


def test_a_photo_over_the_size_limit_is_refused_before_it_is_read(uow: FakeUnitOfWork) -> None:
    me = doctor(uow)

    with pytest.raises(InvalidInput) as refused:
        handle(
            uow, commands.SetDoctorPhoto(actor=me, content=b"0" * (profiles.PHOTO_MAX_BYTES + 1))
        )

    assert refused.value.details["field"] == "photo"
    assert uow.accounts.committed.doctors[me.doctor_id or 0].photo is None
