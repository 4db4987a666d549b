"""The outbox: an event is stored iff its transaction commits, then relayed at least once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from scheduler.adapters import outbox
from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import SlotTaken
from scheduler.domain.events import AppointmentBooked, Event
from scheduler.services.commands import CancelAppointment
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_committed_booking_stores_its_event_with_the_row() -> None:
    doctor, patient = factories.doctor(), factories.patient()

    result = build_bus().handle(factories.booking(doctor, patient))

    stored = rows.StoredEvent.objects.get()
    assert stored.type == "AppointmentBooked"
    assert stored.aggregate_id == result.appointment_id
    assert stored.version == 1
    assert stored.delivery == rows.StoredEvent.Delivery.PENDING
    assert rows.Appointment.objects.filter(pk=result.appointment_id).exists()


class Crash(Exception):
    pass


def test_events_live_and_die_with_the_transaction_of_the_change() -> None:
    doctor, patient = factories.doctor(), factories.patient()

    with pytest.raises(Crash), transaction.atomic():
        build_bus().handle(factories.booking(doctor, patient))
        assert rows.StoredEvent.objects.count() == 1
        raise Crash  # the process dies before the enclosing transaction commits

    assert rows.Appointment.objects.count() == 0
    assert rows.StoredEvent.objects.count() == 0


def test_a_refused_booking_stores_nothing() -> None:
    doctor = factories.doctor()
    first, second = factories.patient(), factories.patient()
    build_bus().handle(factories.booking(doctor, first))

    with pytest.raises(SlotTaken):
        build_bus().handle(factories.booking(doctor, second))

    assert rows.Appointment.objects.count() == 1
    assert rows.StoredEvent.objects.count() == 1
    assert rows.AppointmentChange.objects.count() == 1


def test_the_relay_delivers_each_event_once_and_marks_it_done() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    result = build_bus().handle(factories.booking(doctor, patient))
    build_bus().handle(
        CancelAppointment(actor=factories.actor_of(patient), appointment_id=result.appointment_id)
    )
    seen: list[Event] = []

    assert outbox.relay_pending({AppointmentBooked: [seen.append]}) == 2
    assert outbox.relay_pending({AppointmentBooked: [seen.append]}) == 0

    assert [type(e) for e in seen] == [AppointmentBooked]
    assert seen[0].event_id == rows.StoredEvent.objects.get(type="AppointmentBooked").pk
    assert set(rows.StoredEvent.objects.values_list("delivery", flat=True)) == {"done"}


def test_a_failing_handler_keeps_the_event_pending_with_back_off() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    build_bus().handle(factories.booking(doctor, patient))

    def broken(event: Event) -> None:
        raise ConnectionError("redis is away")

    before = timezone.now()
    assert outbox.relay_pending({AppointmentBooked: [broken]}) == 0

    row = rows.StoredEvent.objects.get()
    assert row.delivery == rows.StoredEvent.Delivery.PENDING
    assert row.attempts == 1
    assert "redis is away" in row.last_error
    assert row.next_attempt_at >= before + outbox.backoff(1)
    # not due yet: a sweep right now leaves it alone
    assert outbox.relay_pending({AppointmentBooked: [broken]}) == 0
    assert rows.StoredEvent.objects.get().attempts == 1

    # due again, and the handler recovered
    rows.StoredEvent.objects.update(next_attempt_at=timezone.now())
    delivered: list[Event] = []
    assert outbox.relay_pending({AppointmentBooked: [delivered.append]}) == 1
    assert rows.StoredEvent.objects.get().delivery == rows.StoredEvent.Delivery.DONE


def test_an_event_that_keeps_failing_is_parked_as_dead() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    build_bus().handle(factories.booking(doctor, patient))
    rows.StoredEvent.objects.update(attempts=outbox.MAX_ATTEMPTS - 1)

    def broken(event: Event) -> None:
        raise RuntimeError("bad template")

    outbox.relay_pending({AppointmentBooked: [broken]})

    assert rows.StoredEvent.objects.get().delivery == rows.StoredEvent.Delivery.DEAD


def test_a_leased_event_is_not_taken_by_a_second_relay_until_the_lease_ends() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    build_bus().handle(factories.booking(doctor, patient))
    rows.StoredEvent.objects.update(locked_until=timezone.now() + timedelta(seconds=30))

    assert outbox.relay_pending({}) == 0  # another relay holds it

    rows.StoredEvent.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert outbox.relay_pending({}) == 1  # that relay died; its lease ran out
