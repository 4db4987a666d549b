"""The waiting room: order, waiting time and expected call from the doctor's pace."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from scheduler.domain.appointment import Status
from scheduler.domain.queue import Place, Visit, lines, pace

NINE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SLOT = timedelta(minutes=15)


def visit(minutes: int, status: Status, **moments: int) -> Visit:
    at = {name: NINE + timedelta(minutes=m) for name, m in moments.items()}
    return Visit(uuid.uuid4(), NINE + timedelta(minutes=minutes), status, **at)


def test_the_pace_is_the_visit_length_until_two_consultations_are_timed() -> None:
    one = [visit(0, Status.FULFILLED, started_at=0, finished_at=25)]
    two = [*one, visit(15, Status.FULFILLED, started_at=25, finished_at=60)]

    assert pace(one, SLOT) == SLOT
    assert pace(two, SLOT) == timedelta(minutes=30)


def test_waiting_patients_are_called_in_appointment_order_at_the_doctors_pace() -> None:
    done = [
        visit(0, Status.FULFILLED, started_at=0, finished_at=20),
        visit(15, Status.FULFILLED, started_at=20, finished_at=40),
    ]
    in_room = visit(30, Status.IN_CONSULTATION, arrived_at=25, started_at=40)
    late_booked_first = visit(45, Status.ARRIVED, arrived_at=44)
    early_for_later = visit(60, Status.ARRIVED, arrived_at=30)
    now = NINE + timedelta(minutes=50)

    queue = lines([*done, in_room, early_for_later, late_booked_first], now=now, visit_length=SLOT)

    by_id = {line.appointment_id: line for line in queue}
    first, second = by_id[late_booked_first.appointment_id], by_id[early_for_later.appointment_id]
    assert (first.position, second.position) == (1, 2)
    # the doctor, at 20 minutes a visit, is free at 9:60 (in since 9:40); then 9:80
    assert first.expected_call == NINE + timedelta(minutes=60)
    assert second.expected_call == NINE + timedelta(minutes=80)
    assert second.waiting_since == NINE + timedelta(minutes=30)
    assert by_id[in_room.appointment_id].place is Place.IN_CONSULTATION
    assert [line.place for line in queue[:2]] == [Place.DONE, Place.DONE]


def test_an_early_patient_is_not_expected_before_their_time() -> None:
    early = visit(60, Status.ARRIVED, arrived_at=10)

    [line] = lines([early], now=NINE + timedelta(minutes=15), visit_length=SLOT)

    assert line.expected_call == early.start and line.position == 1


def test_a_doctor_running_late_pushes_the_call_past_now() -> None:
    in_room = visit(0, Status.IN_CONSULTATION, started_at=0)
    waiting = visit(15, Status.ARRIVED, arrived_at=10)
    now = NINE + timedelta(minutes=40)  # the first consultation overran the 15 minutes

    line = lines([in_room, waiting], now=now, visit_length=SLOT)[1]

    assert line.expected_call == now


def test_cancelled_visits_are_not_in_the_day() -> None:
    queue = lines(
        [visit(0, Status.CANCELLED), visit(15, Status.BOOKED)], now=NINE, visit_length=SLOT
    )

    assert [line.place for line in queue] == [Place.EXPECTED]
