"""The hold race: fifty clients at once for one slot, each on a connection of its own. The
database lets exactly one of them hold it; then only its holder books it, even racing the
others' bookings. On PostgreSQL the exclusion constraints decide (the service's own checks
pass in several transactions at once); on SQLite the writers queue.

Fifty connections is half of PostgreSQL's default max_connections: a client waits (bounded)
while another suite on the machine holds the rest, as in test_races."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.domain.holds import REVIEW_MINUTES
from scheduler.services import commands
from tests import factories
from tests.integration.test_races import _race

CLIENTS = 50

pytestmark = pytest.mark.django_db(transaction=True)


def _hold(booking: commands.BookAppointment) -> commands.HoldSlot:
    return commands.HoldSlot(
        actor=booking.actor,
        doctor_id=booking.doctor_id,
        clinic_id=booking.clinic_id,
        start=booking.start,
    )


def _run(command: commands.Command) -> Callable[[], object]:
    return lambda: build_bus().handle(command)


def test_fifty_clients_race_to_hold_one_slot_then_only_the_holder_books_it() -> None:
    doctor = factories.doctor()
    patients = [factories.patient() for _ in range(CLIENTS)]
    bookings = {p.pk: factories.booking(doctor, p) for p in patients}

    held = _race([_run(_hold(bookings[p.pk])) for p in patients])

    assert held == Counter({"ok": 1, "slot_taken": CLIENTS - 1})
    hold = rows.Appointment.every.get()
    assert hold.status == "proposed"

    # The holder books while everyone else tries to book the same slot.
    booked = _race([_run(booking) for booking in bookings.values()])

    assert booked == Counter({"ok": 1, "slot_taken": CLIENTS - 1})
    visit = rows.Appointment.every.get()
    assert (visit.pk, visit.patient_id, visit.status) == (hold.pk, hold.patient_id, "booked")
    types = Counter(rows.StoredEvent.objects.values_list("type", flat=True))
    assert types == Counter({"SlotHeld": 1, "AppointmentBooked": 1})


def test_holds_and_bookings_racing_for_one_slot_leave_one_of_them() -> None:
    doctor = factories.doctor()
    patients = [factories.patient() for _ in range(CLIENTS)]
    attempts = [
        _run(_hold(factories.booking(doctor, p)) if n % 2 else factories.booking(doctor, p))
        for n, p in enumerate(patients)
    ]

    outcome = _race(attempts)

    assert outcome == Counter({"ok": 1, "slot_taken": CLIENTS - 1})
    assert rows.Appointment.every.count() == 1
    assert rows.StoredEvent.objects.count() == 1


def test_fifty_clients_meeting_an_expired_hold_release_it_once_and_one_books() -> None:
    """Each of them releases the expired hold in its way; all but one find it released by
    another meanwhile (nothing to do), and the overlap guards leave one booking."""
    doctor = factories.doctor()
    patients = [factories.patient() for _ in range(CLIENTS)]
    first = factories.booking(doctor, patients[0])
    earlier = datetime.now(UTC) - timedelta(minutes=REVIEW_MINUTES, seconds=1)
    build_bus(clock=lambda: earlier).handle(_hold(first))

    outcome = _race([_run(factories.booking(doctor, p)) for p in patients[1:]])

    assert outcome == Counter({"ok": 1, "slot_taken": CLIENTS - 2})
    assert rows.Appointment.every.filter(status="released").count() == 1
    assert rows.Appointment.objects.get().status == "booked"


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["hold", "book"])
def test_the_sweep_releasing_a_hold_under_a_booking_leaves_the_booking_whole(
    command: str,
) -> None:
    """The sweep lets an expired hold go between a booking's read of it and its write: the
    booking finds the hold gone already, writes nothing of the release, and still takes the
    slot. The release is told once: told twice, the later HoldReleased showed the slot free
    on every grid after the booking had taken it."""
    doctor = factories.doctor()
    first, second = factories.patient(), factories.patient()
    earlier = datetime.now(UTC) - timedelta(minutes=REVIEW_MINUTES, seconds=1)
    expired = build_bus(clock=lambda: earlier).handle(_hold(factories.booking(doctor, first)))
    booking = factories.booking(doctor, second)
    with _first_write_after(commands.ReleaseExpiredHolds()) as swept:
        build_bus().handle(_hold(booking) if command == "hold" else booking)

    assert swept == [1]
    assert rows.Appointment.every.get(pk=expired.hold_id).status == "released"
    taken = rows.Appointment.every.exclude(pk=expired.hold_id).get()
    assert taken.patient_id == second.pk
    assert taken.status == ("proposed" if command == "hold" else "booked")
    released = rows.StoredEvent.objects.filter(type="HoldReleased", aggregate_id=expired.hold_id)
    assert released.count() == 1


@contextmanager
def _first_write_after(command: commands.Command) -> Iterator[list[Any]]:
    """Runs ``command`` on a connection of its own just before this connection's first write,
    that is after the use case here has read all it reads; its result goes in the list."""
    results: list[Any] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # A commit's inserts may go as one statement, a WITH (adapters.orm.inserts).
        if not results and sql.startswith(("INSERT", "UPDATE", "WITH")):
            with ThreadPoolExecutor(max_workers=1) as other_connection:
                results.append(other_connection.submit(_on_its_own, command).result(30))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield results


def _on_its_own(command: commands.Command) -> object:
    """``command`` on a connection of its own, closed after."""
    try:
        return build_bus().handle(command)
    finally:
        connection.close()


@pytest.mark.postgres
def test_a_booking_overtaken_by_the_same_patients_hold_books_that_hold() -> None:
    """A page confirms before its hold's reply came: the hold commits while the booking is on
    its way. The booking books that hold in place (it was refused as taken, by the patient's
    own hold)."""
    doctor, patient = factories.doctor(), factories.patient()
    booking = factories.booking(doctor, patient)
    with _first_write_after(_hold(booking)) as held:
        booked = build_bus().handle(booking)

    visit = rows.Appointment.every.get()
    assert (
        (visit.pk, visit.status) == (held[0].hold_id, "booked") == (booked.appointment_id, "booked")
    )
    types = Counter(rows.StoredEvent.objects.values_list("type", flat=True))
    assert types == Counter({"SlotHeld": 1, "AppointmentBooked": 1})
