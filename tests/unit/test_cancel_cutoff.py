"""The clinic's cut-off: a patient cancels or moves a visit themselves only until that long
before it; the desk and the doctor may at any time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from scheduler.domain import rules
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import InvalidTransition, PastChangeCutoff
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.entrypoints.error_text import error_text
from scheduler.services import commands
from scheduler.services.handlers import CommandResult
from scheduler.services.messagebus import MessageBus
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

TEHRAN = ZoneInfo("Asia/Tehran")
VISIT = datetime(2026, 6, 2, 10, 0, tzinfo=TEHRAN)
CLINIC, DR = 100, 1
PATIENT = Actor(1010, Role.PATIENT, patient_id=10)
DESK = Actor(3001, Role.RECEPTIONIST, clinic_id=CLINIC)
DOCTOR = Actor(2001, Role.DOCTOR, doctor_id=DR)


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["cancel", "reschedule"])
def test_a_patient_is_refused_inside_the_cut_off(action: str) -> None:
    with pytest.raises(PastChangeCutoff) as refused:
        rules.ensure_may_still_change(
            VISIT, VISIT - timedelta(minutes=119), 120, action=action, staff=False
        )
    assert refused.value.details == {"cutoff_minutes": 120, "action": action}
    assert isinstance(refused.value, InvalidTransition)  # a 409, as other refused moves


def test_the_cut_off_is_closed_at_exactly_its_moment() -> None:
    with pytest.raises(PastChangeCutoff):
        rules.ensure_may_still_change(
            VISIT, VISIT - timedelta(minutes=120), 120, action="cancel", staff=False
        )
    rules.ensure_may_still_change(
        VISIT, VISIT - timedelta(minutes=120, microseconds=1), 120, action="cancel", staff=False
    )


def test_staff_may_change_inside_the_cut_off() -> None:
    rules.ensure_may_still_change(
        VISIT, VISIT - timedelta(minutes=5), 120, action="cancel", staff=True
    )


def test_no_cut_off_lets_the_patient_change_until_the_visit() -> None:
    rules.ensure_may_still_change(
        VISIT, VISIT - timedelta(seconds=1), 0, action="cancel", staff=False
    )
    assert rules.patient_changes_until(VISIT, 0) is None
    assert rules.patient_changes_until(VISIT, 90) == VISIT - timedelta(minutes=90)


@pytest.mark.parametrize(
    ("minutes", "action", "english"),
    [
        (120, "cancel", "Cancellations close 2 hours before the visit; call the clinic."),
        (60, "cancel", "Cancellations close 1 hour before the visit; call the clinic."),
        (90, "reschedule", "Changes of time close 90 minutes before the visit; call the clinic."),
    ],
)
def test_the_refusal_names_the_cut_off(minutes: int, action: str, english: str) -> None:
    with pytest.raises(PastChangeCutoff) as refused:
        rules.ensure_may_still_change(VISIT, VISIT, minutes, action=action, staff=False)
    assert refused.value.message == english
    with translation.override("en"):
        assert error_text(refused.value) == english


# --- through the bus --------------------------------------------------------------------------


def _clinic(cutoff: int) -> tuple[FakeUnitOfWork, FixedClock, MessageBus]:
    every_day = WallInterval(time(9), time(17))
    uow = FakeUnitOfWork(
        doctors=[Doctor(DR, "Dr One", "cardiology", "MC-1", True)],
        patients=[Patient(10, "Sara")],
        schedules=[
            Schedule(
                doctor_id=DR,
                clinic_id=CLINIC,
                timezone="Asia/Tehran",
                hours=tuple(WeeklyInterval(day, every_day) for day in range(7)),
                min_notice_minutes=0,
            )
        ],
    )
    uow.schedules.add_clinic(CLINIC, "Asia/Tehran", cancel_cutoff_minutes=cutoff)
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=TEHRAN))
    return uow, clock, make_bus(uow, clock)


@dataclass
class Booked:
    uow: FakeUnitOfWork
    clock: FixedClock
    bus: MessageBus
    appointment_id: uuid.UUID

    def stored(self) -> Appointment:
        return self.uow.appointments.stored(self.appointment_id)


def _book_then_wait(cutoff: int, *, until: datetime) -> Booked:
    uow, clock, bus = _clinic(cutoff)
    result: CommandResult = bus.handle(
        commands.BookAppointment(actor=PATIENT, doctor_id=DR, clinic_id=CLINIC, start=VISIT)
    )
    clock.now = until
    return Booked(uow, clock, bus, result.appointment_id)


def test_a_patient_may_not_cancel_an_hour_before_but_the_desk_may() -> None:
    booked = _book_then_wait(120, until=VISIT - timedelta(hours=1))
    cancel = partial(commands.CancelAppointment, appointment_id=booked.appointment_id)

    with pytest.raises(PastChangeCutoff):
        booked.bus.handle(cancel(actor=PATIENT))
    assert booked.stored().status is Status.BOOKED

    booked.bus.handle(cancel(actor=DESK))
    assert booked.stored().status is Status.CANCELLED


def test_a_patient_may_not_move_late_but_the_doctor_may() -> None:
    booked = _book_then_wait(120, until=VISIT - timedelta(hours=1))
    move = partial(
        commands.RescheduleAppointment,
        appointment_id=booked.appointment_id,
        start=VISIT + timedelta(hours=3),
    )

    with pytest.raises(PastChangeCutoff):
        booked.bus.handle(move(actor=PATIENT))
    booked.bus.handle(move(actor=DOCTOR))
    assert booked.stored().slot.start == VISIT + timedelta(hours=3)


def test_a_patient_cancels_before_the_cut_off() -> None:
    booked = _book_then_wait(120, until=VISIT - timedelta(hours=3))
    booked.bus.handle(
        commands.CancelAppointment(actor=PATIENT, appointment_id=booked.appointment_id)
    )
    assert booked.stored().status is Status.CANCELLED


def test_a_clinic_without_cut_off_lets_the_patient_cancel_a_minute_before() -> None:
    booked = _book_then_wait(0, until=VISIT - timedelta(minutes=1))
    booked.bus.handle(
        commands.CancelAppointment(actor=PATIENT, appointment_id=booked.appointment_id)
    )
    assert booked.stored().status is Status.CANCELLED


def test_a_cancelled_visit_is_refused_for_its_state_not_the_cut_off() -> None:
    booked = _book_then_wait(120, until=VISIT - timedelta(hours=3))
    cancel = commands.CancelAppointment(actor=PATIENT, appointment_id=booked.appointment_id)
    booked.bus.handle(cancel)
    booked.clock.now = VISIT - timedelta(minutes=10)

    with pytest.raises(InvalidTransition) as refused:
        booked.bus.handle(cancel)
    assert not isinstance(refused.value, PastChangeCutoff)
