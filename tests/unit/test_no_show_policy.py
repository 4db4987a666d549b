"""The no-show policy: strikes in a window of months, forgiveness, and what it does to a
patient's own booking (the desk is never held back)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from scheduler.domain import no_show_policy
from scheduler.domain.appointment import FORGIVE_NO_SHOW, Appointment, Status
from scheduler.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from scheduler.domain.events import NoShowForgiven
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.no_show_policy import (
    Consequence,
    NoShowPolicy,
    OnlineBookingBarred,
    window_start,
)
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.entrypoints.error_text import error_text
from scheduler.services import commands
from scheduler.services.messagebus import MessageBus
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 8, 31, 8, 0, tzinfo=TEHRAN)
CLINIC, OTHER_CLINIC, DR = 100, 200, 1
PATIENT = Actor(1010, Role.PATIENT, patient_id=10)
DESK = Actor(3001, Role.RECEPTIONIST, clinic_id=CLINIC)
OTHER_DESK = Actor(3002, Role.RECEPTIONIST, clinic_id=OTHER_CLINIC)
DOCTOR = Actor(2001, Role.DOCTOR, doctor_id=DR, verified=True)
ADMIN = Actor(9, Role.ADMIN)
APPROVAL = NoShowPolicy(limit=2, window_months=6, consequence=Consequence.NEEDS_APPROVAL)
BARRED = NoShowPolicy(limit=2, window_months=6, consequence=Consequence.NO_ONLINE_BOOKING)


# --- the window and the count -----------------------------------------------------------------


def test_the_window_goes_back_calendar_months() -> None:
    assert window_start(NOW, 6) == datetime(2026, 2, 28, 8, 0, tzinfo=TEHRAN)  # no Feb 31st
    assert window_start(datetime(2026, 3, 15, tzinfo=TEHRAN), 3) == datetime(
        2025, 12, 15, tzinfo=TEHRAN
    )
    assert window_start(datetime(2026, 1, 10, tzinfo=TEHRAN), 13) == datetime(
        2024, 12, 10, tzinfo=TEHRAN
    )


def test_strikes_count_the_window_and_expire_after_it() -> None:
    since = window_start(NOW, 6)
    missed = [since, since - timedelta(seconds=1), NOW - timedelta(days=1)]
    standing = no_show_policy.standing(APPROVAL, missed, NOW)
    assert standing.strikes == 2  # the one a second older than the window has expired
    assert standing.needs_approval and not standing.barred
    later = no_show_policy.standing(APPROVAL, missed, NOW + timedelta(seconds=1))
    assert later.strikes == 1 and later.consequence is None


def test_under_the_limit_or_without_a_policy_nothing_happens() -> None:
    one = no_show_policy.standing(APPROVAL, [NOW - timedelta(days=3)], NOW)
    assert one.consequence is None and one.patient_reason == ""
    assert one.desk_warning  # the desk still sees the strike
    off = no_show_policy.standing(NoShowPolicy(), [NOW - timedelta(days=d) for d in range(5)], NOW)
    assert off.consequence is None and off.desk_warning == ""


def test_the_consequences_and_their_reasons() -> None:
    missed = [NOW - timedelta(days=10), NOW - timedelta(days=40), NOW - timedelta(days=70)]
    barred = no_show_policy.standing(BARRED, missed, NOW)
    assert barred.barred
    with pytest.raises(OnlineBookingBarred) as refused:
        no_show_policy.ensure_may_book_online(barred)
    assert isinstance(refused.value, NotAllowed)  # a 403
    assert refused.value.message == (
        "Missed visits at this clinic in the last 6 months: 3. Please call the clinic to book."
    )
    with translation.override("fa"):
        assert "۳" in error_text(refused.value)
    no_show_policy.ensure_may_book_online(no_show_policy.standing(APPROVAL, missed, NOW))


@pytest.mark.parametrize(("limit", "months"), [(-1, 6), (21, 6), (2, 0), (2, 37)])
def test_a_policy_out_of_bounds_is_refused(limit: int, months: int) -> None:
    with pytest.raises(InvalidInput):
        NoShowPolicy(limit=limit, window_months=months)


# --- forgiveness on the aggregate -------------------------------------------------------------


def _missed(start: datetime, *, patient_id: int = 10, clinic_id: int = CLINIC) -> Appointment:
    slot = Interval(start, start + timedelta(minutes=20))
    appointment = Appointment.create(
        doctor_id=DR,
        patient_id=patient_id,
        clinic_id=clinic_id,
        slot=slot,
        reason="",
        needs_confirmation=False,
        actor_user_id=1010,
        now=start - timedelta(days=7),
    )
    appointment.mark_no_show(actor_user_id=3001, now=start + timedelta(minutes=15))
    appointment.events.clear()
    return appointment


def test_a_forgiven_no_show_keeps_who_when_and_why() -> None:
    appointment = _missed(NOW - timedelta(days=3))
    appointment.forgive_no_show(actor_user_id=3001, now=NOW, reason="  Ambulance strike  ")
    last = appointment.history[-1]
    assert (last.action, last.actor_user_id, last.at, last.note) == (
        FORGIVE_NO_SHOW,
        3001,
        NOW,
        "Ambulance strike",
    )
    assert appointment.status is Status.NOSHOW and appointment.no_show_forgiven
    [event] = appointment.events
    assert isinstance(event, NoShowForgiven) and event.reason == "Ambulance strike"
    with pytest.raises(InvalidTransition):
        appointment.forgive_no_show(actor_user_id=3001, now=NOW, reason="again")


def test_only_a_no_show_is_forgiven_and_only_with_a_reason() -> None:
    appointment = _missed(NOW - timedelta(days=3))
    with pytest.raises(InvalidInput) as blank:
        appointment.forgive_no_show(actor_user_id=3001, now=NOW, reason="   ")
    assert blank.value.details == {"field": "reason"}
    with pytest.raises(InvalidInput):
        appointment.forgive_no_show(actor_user_id=3001, now=NOW, reason="x" * 501)
    kept = Appointment.create(
        doctor_id=DR,
        patient_id=10,
        clinic_id=CLINIC,
        slot=Interval(NOW, NOW + timedelta(minutes=20)),
        reason="",
        needs_confirmation=False,
        actor_user_id=1010,
        now=NOW - timedelta(days=1),
    )
    with pytest.raises(InvalidTransition):
        kept.forgive_no_show(actor_user_id=3001, now=NOW, reason="why not")


# --- through the bus --------------------------------------------------------------------------


def _clinic(policy: NoShowPolicy, *missed: Appointment) -> tuple[FakeUnitOfWork, MessageBus]:
    every_day = WallInterval(time(9), time(17))
    uow = FakeUnitOfWork(
        doctors=[Doctor(DR, "Dr One", "cardiology", "MC-1", True)],
        patients=[Patient(10, "Sara"), Patient(11, "Reza")],
        schedules=[
            Schedule(
                doctor_id=DR,
                clinic_id=clinic,
                timezone="Asia/Tehran",
                hours=tuple(WeeklyInterval(day, every_day) for day in range(7)),
                min_notice_minutes=0,
            )
            for clinic in (CLINIC, OTHER_CLINIC)
        ],
        appointments=missed,
    )
    uow.schedules.add_clinic(CLINIC, "Asia/Tehran")
    uow.schedules.add_clinic(OTHER_CLINIC, "Asia/Tehran")
    uow.policies.no_shows[CLINIC] = policy
    return uow, make_bus(uow, FixedClock(NOW))


def _book(uow: FakeUnitOfWork, bus: MessageBus, actor: Actor, *, hour: int = 10) -> Status:
    result = bus.handle(
        commands.BookAppointment(
            actor=actor,
            doctor_id=DR,
            clinic_id=CLINIC,
            start=datetime(2026, 9, 1, hour, 0, tzinfo=TEHRAN),
            patient_id=None if actor.role is Role.PATIENT else 10,
        )
    )
    assert isinstance(result.appointment_id, uuid.UUID)
    return uow.appointments.stored(result.appointment_id).status


def _two_missed() -> list[Appointment]:
    return [_missed(NOW - timedelta(days=20)), _missed(NOW - timedelta(days=50))]


def test_over_the_limit_a_patients_booking_awaits_the_doctor() -> None:
    uow, bus = _clinic(APPROVAL, *_two_missed())
    assert _book(uow, bus, PATIENT) is Status.PENDING


def test_the_desk_and_the_doctor_are_never_held_back() -> None:
    uow, bus = _clinic(BARRED, *_two_missed())
    assert _book(uow, bus, DESK, hour=10) is Status.BOOKED
    assert _book(uow, bus, DOCTOR, hour=11) is Status.BOOKED


def test_over_the_limit_with_no_online_booking_a_patient_is_refused() -> None:
    uow, bus = _clinic(BARRED, *_two_missed())
    with pytest.raises(OnlineBookingBarred):
        _book(uow, bus, PATIENT)
    assert len(uow.appointments.all_stored()) == 2  # nothing written


def test_strikes_are_per_clinic_and_per_patient() -> None:
    elsewhere = [_missed(NOW - timedelta(days=d), clinic_id=OTHER_CLINIC) for d in (5, 9)]
    someone_else = [_missed(NOW - timedelta(days=d), patient_id=11) for d in (6, 8)]
    uow, bus = _clinic(BARRED, *elsewhere, *someone_else)
    assert _book(uow, bus, PATIENT) is Status.BOOKED


def test_forgiving_one_brings_the_patient_under_the_limit() -> None:
    missed = _two_missed()
    uow, bus = _clinic(BARRED, *missed)
    bus.handle(commands.ForgiveNoShow(actor=DESK, appointment_id=missed[0].id, reason="Flood"))
    assert isinstance(uow.outbox[-1], NoShowForgiven)
    assert _book(uow, bus, PATIENT) is Status.BOOKED


@pytest.mark.parametrize("actor", [DESK, DOCTOR, ADMIN])
def test_staff_of_the_visit_forgive(actor: Actor) -> None:
    missed = _two_missed()
    uow, bus = _clinic(APPROVAL, *missed)
    bus.handle(commands.ForgiveNoShow(actor=actor, appointment_id=missed[0].id, reason="Ill"))
    assert uow.appointments.stored(missed[0].id).no_show_forgiven


@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        (PATIENT, NotAllowed),  # their own visit: they see it, may not forgive it
        (Actor(1011, Role.PATIENT, patient_id=11), NotFound),
        (OTHER_DESK, NotFound),
        (Actor(2002, Role.DOCTOR, doctor_id=DR, verified=False), NotFound),
        (Actor(2003, Role.DOCTOR, doctor_id=2, verified=True), NotFound),
    ],
)
def test_others_may_not_forgive(actor: Actor, refusal: type[Exception]) -> None:
    missed = _two_missed()
    uow, bus = _clinic(APPROVAL, *missed)
    with pytest.raises(refusal):
        bus.handle(commands.ForgiveNoShow(actor=actor, appointment_id=missed[0].id, reason="x"))
    assert not uow.appointments.stored(missed[0].id).no_show_forgiven
