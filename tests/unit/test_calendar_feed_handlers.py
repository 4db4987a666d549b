"""Private calendar feeds through the bus, on the fake unit of work: a feed is made for its
owner alone, kept as a digest only, replaced at once by a new one, and revoked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.domain import events
from scheduler.domain.errors import NotAllowed, NotFound
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.calendar_feeds import digest_of
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PATIENT = Actor(11, Role.PATIENT, patient_id=5)
DOCTOR = Actor(12, Role.DOCTOR, doctor_id=7)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def handle(uow: FakeUnitOfWork, command: commands.Command) -> object:
    return make_bus(uow, FixedClock(NOW)).handle(command)


def test_a_feed_is_kept_as_the_digest_of_its_secret_only(uow: FakeUnitOfWork) -> None:
    secret = handle(uow, commands.CreateCalendarFeed(actor=PATIENT))

    assert isinstance(secret, str) and len(secret) >= 40
    assert uow.feeds.committed == {PATIENT.user_id: digest_of(secret)}
    assert secret not in uow.feeds.committed.values()
    [event] = uow.outbox
    assert isinstance(event, events.CalendarFeedCreated)
    assert (event.user_id, event.actor_user_id) == (PATIENT.user_id, PATIENT.user_id)


def test_a_new_feed_replaces_the_old_one(uow: FakeUnitOfWork) -> None:
    first = handle(uow, commands.CreateCalendarFeed(actor=DOCTOR))
    second = handle(uow, commands.CreateCalendarFeed(actor=DOCTOR))

    assert first != second
    assert uow.feeds.committed == {DOCTOR.user_id: digest_of(str(second))}


def test_revoking_removes_the_feed_and_says_so(uow: FakeUnitOfWork) -> None:
    handle(uow, commands.CreateCalendarFeed(actor=PATIENT))
    handle(uow, commands.RevokeCalendarFeed(actor=PATIENT))

    assert uow.feeds.committed == {}
    assert isinstance(uow.outbox[-1], events.CalendarFeedRevoked)


def test_revoking_no_feed_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        handle(uow, commands.RevokeCalendarFeed(actor=PATIENT))
    assert uow.outbox == []


@pytest.mark.parametrize(
    "actor",
    [
        Actor(13, Role.DOCTOR, doctor_id=8, verified=False),
        Actor(14, Role.RECEPTIONIST, clinic_id=1),
        Actor(15, Role.ADMIN),
        Actor(16, Role.PATIENT),  # an account without its patient record
    ],
    ids=["unverified doctor", "receptionist", "admin", "no patient record"],
)
def test_only_patients_and_verified_doctors_keep_a_feed(uow: FakeUnitOfWork, actor: Actor) -> None:
    with pytest.raises(NotAllowed):
        handle(uow, commands.CreateCalendarFeed(actor=actor))
    assert uow.feeds.committed == {} and uow.outbox == []
