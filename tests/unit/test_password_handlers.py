"""Passwords, email verification and a patient's erasure through the bus, on the fake unit of
work: what each commits, what it refuses, and that a new password revokes every session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain import events
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import InvalidInput, NotAllowed
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.unit_of_work import NewUser
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ADMIN = Actor(1000, Role.ADMIN)
PASSWORD = "an old secret"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def handle(uow: FakeUnitOfWork, command: commands.Command) -> object:
    return make_bus(uow, FixedClock(NOW)).handle(command)


def someone(uow: FakeUnitOfWork, *, email: str = "sara@example.test") -> int:
    with uow:
        user_id = uow.accounts.add_user(
            NewUser(role=Role.PATIENT, username="sara", password=PASSWORD, email=email)
        )
        uow.accounts.add_patient(user_id)
        uow.commit()
    return user_id


def patient_actor(uow: FakeUnitOfWork, user_id: int) -> Actor:
    [patient_id] = [p for p, u in uow.accounts.committed.patients.items() if u == user_id]
    return Actor(user_id, Role.PATIENT, patient_id=patient_id)


def test_a_reset_asked_for_by_username_or_email_records_one_request_each(
    uow: FakeUnitOfWork,
) -> None:
    user_id = someone(uow)

    handle(uow, commands.RequestPasswordReset(login="SARA"))
    handle(uow, commands.RequestPasswordReset(login="sara@example.test"))

    assert [type(e) for e in uow.outbox] == [events.PasswordResetRequested] * 2
    assert {e.user_id for e in uow.outbox if isinstance(e, events.AccountEvent)} == {user_id}


def test_a_reset_for_no_one_or_a_closed_account_records_nothing(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    handle(uow, commands.DeactivateUser(actor=ADMIN, user_id=user_id))
    uow.outbox.clear()

    handle(uow, commands.RequestPasswordReset(login="nobody"))
    handle(uow, commands.RequestPasswordReset(login="sara"))

    assert uow.outbox == []


def test_the_reset_link_sets_the_password_once_and_ends_every_session(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    token = f"reset:{user_id}:{PASSWORD}"

    handle(uow, commands.ResetPassword(user_id=user_id, token=token, new_password="new secret 1"))

    stored = uow.accounts.committed.users[user_id]
    assert stored.password == "new secret 1" and stored.sessions_revoked == 1
    [changed] = uow.outbox
    assert isinstance(changed, events.PasswordChanged) and changed.how == "reset"
    with pytest.raises(InvalidInput) as used:
        handle(uow, commands.ResetPassword(user_id=user_id, token=token, new_password="again 22"))
    assert used.value.details["field"] == "token"


def test_a_change_needs_the_current_password(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    actor = patient_actor(uow, user_id)

    with pytest.raises(InvalidInput) as refused:
        handle(uow, commands.ChangePassword(actor=actor, current_password="x", new_password="y"))
    assert refused.value.details["field"] == "current_password"
    assert uow.outbox == []

    handle(
        uow, commands.ChangePassword(actor=actor, current_password=PASSWORD, new_password="new 1")
    )
    assert uow.accounts.committed.users[user_id].sessions_revoked == 1
    assert [type(e) for e in uow.outbox] == [events.PasswordChanged]


def test_only_an_admin_closes_accounts_and_it_revokes_sessions(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    with pytest.raises(NotAllowed):
        handle(uow, commands.DeactivateUser(actor=patient_actor(uow, user_id), user_id=user_id))

    assert handle(uow, commands.DeactivateUser(actor=ADMIN, user_id=user_id)) is True

    stored = uow.accounts.committed.users[user_id]
    assert not stored.active and stored.sessions_revoked == 1
    assert [type(e) for e in uow.outbox] == [events.UserDeactivated]


def test_the_verification_link_verifies_the_address_it_was_sent_to(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)

    assert handle(uow, commands.VerifyEmail(token=f"verify:{user_id}:sara@example.test")) == user_id
    handle(uow, commands.VerifyEmail(token=f"verify:{user_id}:sara@example.test"))  # again

    assert uow.accounts.committed.users[user_id].email_verified
    assert [type(e) for e in uow.outbox] == [events.EmailVerified]
    with pytest.raises(InvalidInput):
        handle(uow, commands.VerifyEmail(token=f"verify:{user_id}:old@example.test"))


def test_a_new_email_is_unverified_until_its_own_link(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    actor = patient_actor(uow, user_id)
    handle(uow, commands.VerifyEmail(token=f"verify:{user_id}:sara@example.test"))

    handle(uow, commands.UpdateProfile(actor=actor, email="new@example.test"))

    assert not uow.accounts.committed.users[user_id].email_verified
    with pytest.raises(InvalidInput):  # the old address's link no longer proves anything
        handle(uow, commands.VerifyEmail(token=f"verify:{user_id}:sara@example.test"))


def test_another_link_is_sent_only_to_an_address_not_yet_verified(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    actor = patient_actor(uow, user_id)

    handle(uow, commands.ResendVerification(actor=actor))
    assert [type(e) for e in uow.outbox] == [events.EmailVerificationRequested]

    handle(uow, commands.VerifyEmail(token=f"verify:{user_id}:sara@example.test"))
    with pytest.raises(InvalidInput):
        handle(uow, commands.ResendVerification(actor=actor))


def _booked(patient_id: int, start: datetime, *, status: Status = Status.BOOKED) -> Appointment:
    appointment = Appointment.create(
        doctor_id=5,
        patient_id=patient_id,
        clinic_id=7,
        slot=Interval(start, start + timedelta(minutes=30)),
        reason="my back hurts",
        needs_confirmation=False,
        actor_user_id=None,
        now=NOW - timedelta(days=30),
    )
    appointment.status = status
    appointment.events.clear()
    return appointment


def test_a_forgotten_patient_loses_their_future_visits_and_their_name(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    actor = patient_actor(uow, user_id)
    assert actor.patient_id is not None
    past = _booked(actor.patient_id, NOW - timedelta(days=3), status=Status.FULFILLED)
    future = _booked(actor.patient_id, NOW + timedelta(days=3))
    uow.appointments = FakeUnitOfWork(appointments=[past, future]).appointments

    cancelled = handle(uow, commands.ForgetPatient(actor=actor, password=PASSWORD))

    assert cancelled == 1
    assert uow.appointments.stored(future.id).status is Status.CANCELLED
    assert uow.appointments.stored(future.id).reason == ""
    assert uow.appointments.stored(past.id).status is Status.FULFILLED
    stored = uow.accounts.committed.users[user_id]
    assert stored.forgotten and not stored.active and stored.sessions_revoked == 1
    assert set(stored.contact.values()) == {""}
    kinds = [type(e) for e in uow.outbox]
    assert kinds == [events.AppointmentCancelled, events.PatientForgotten]


def test_forgetting_needs_the_password_and_is_for_patients_only(uow: FakeUnitOfWork) -> None:
    user_id = someone(uow)
    with pytest.raises(InvalidInput) as refused:
        handle(uow, commands.ForgetPatient(actor=patient_actor(uow, user_id), password="guess"))
    assert refused.value.details["field"] == "password"
    with pytest.raises(NotAllowed):
        handle(uow, commands.ForgetPatient(actor=ADMIN, password=PASSWORD))
    assert uow.outbox == [] and not uow.accounts.committed.users[user_id].forgotten
