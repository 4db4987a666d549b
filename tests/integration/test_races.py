"""Two dozen clients at once: the database lets exactly one of them have the slot.

On PostgreSQL the service's own check can pass in several transactions at once (READ
COMMITTED); the exclusion constraints then decide. On SQLite IMMEDIATE transactions queue the
writers. Either way: one booking, the others SlotTaken, one stored event.

Each client holds a connection of its own: two suites on one machine (as the loaded runs
have) must fit their races and everything else in PostgreSQL's default max_connections of
100, so a race is 24 clients, not the 50 it was (which starved the other suite's tests).
bench/booking.py races 32 clients for throughput.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import OperationalError, connection

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.unit_of_work import translate
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import DomainError, SlotTaken
from tests import factories
from tests.conftest import ON_POSTGRES

CLIENTS = 24
# How long a client waits for a free connection while another suite on the machine holds
# PostgreSQL's max_connections: a bound, not a measure.
CONNECT_WITHIN = 90.0

pytestmark = pytest.mark.django_db(transaction=True)


def _connect() -> None:
    """Connected before the race starts, waiting (bounded) while the server is full: a second
    suite's race on the same machine takes its connections too."""
    deadline = time.monotonic() + CONNECT_WITHIN
    while True:
        try:
            connection.ensure_connection()
            return
        except OperationalError as error:
            if "too many clients" not in str(error) or time.monotonic() > deadline:
                raise
            connection.close()
            time.sleep(0.2)


def _race(attempts: list[Callable[[], object]]) -> Counter[str]:
    barrier = threading.Barrier(len(attempts), timeout=CONNECT_WITHIN + 30)

    def attempt(call: Callable[[], object]) -> str:
        try:
            _connect()
            barrier.wait()
            call()
            return "ok"
        except DomainError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return Counter(pool.map(attempt, attempts))


def _booking(doctor: rows.Doctor, patient: rows.Patient, hour: int = 10) -> Callable[[], object]:
    command = factories.booking(doctor, patient, hour=hour)
    return lambda: build_bus().handle(command)


def test_patients_racing_for_one_slot_one_wins() -> None:
    doctor = factories.doctor()
    patients = [factories.patient() for _ in range(CLIENTS)]

    outcome = _race([_booking(doctor, patient) for patient in patients])

    assert outcome == Counter({"ok": 1, "slot_taken": CLIENTS - 1})
    assert rows.Appointment.objects.count() == 1
    assert rows.StoredEvent.objects.count() == 1


def test_one_patient_racing_for_many_doctors_at_one_time_gets_one() -> None:
    at = factories.clinic()
    doctors = [factories.doctor(at) for _ in range(CLIENTS)]
    patient = factories.patient()

    outcome = _race([_booking(doctor, patient) for doctor in doctors])

    assert outcome == Counter({"ok": 1, "slot_taken": CLIENTS - 1})
    assert rows.Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.postgres
def test_the_exclusion_constraint_alone_refuses_an_overlap() -> None:
    """Even a write that skips the use case (a script, a bug) cannot double-book."""
    assert ON_POSTGRES
    doctor = factories.doctor()
    first, second = factories.patient(), factories.patient()
    build_bus().handle(factories.booking(doctor, first))
    existing = rows.Appointment.objects.get()

    with pytest.raises(Exception, match="appointment_doctor_no_overlap"):
        rows.Appointment.objects.create(
            doctor=doctor,
            patient=second,
            clinic=existing.clinic,
            start=existing.start,
            end=existing.end,
            status="booked",
        )


def test_a_deadlock_between_overlapping_inserts_is_a_taken_slot() -> None:
    """Seen in bench/booking.py under load: PostgreSQL aborts one of two bookings that wait on
    each other's exclusion check with 40P01, which reached the API as a 500."""
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")

    assert isinstance(translate(error), SlotTaken)
