"""Video visits: the clinic's provider template, a room per visit, and the link open to the
visit's two people from 10 minutes before the start until the end."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain import access, video_visits
from scheduler.domain.appointment import Status, VisitMode
from scheduler.domain.errors import InvalidInput
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.services import commands
from scheduler.services.messagebus import MessageBus
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

TEHRAN = ZoneInfo("Asia/Tehran")
START = datetime(2026, 9, 1, 10, 0, tzinfo=TEHRAN)
SLOT = Interval(START, START + timedelta(minutes=20))
TEMPLATE = "https://meet.example.org/{room}"


@pytest.mark.parametrize(
    "template",
    [
        "http://meet.example.org/{room}",
        "https://meet.example.org/fixed",
        "javascript:alert(1)//{room}",
        "https:///{room}",
        "https://meet.example.org/{room} x",
        "https://meet.example.org/" + "a" * 300 + "{room}",
    ],
)
def test_a_bad_template_is_refused(template: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        video_visits.check_template(template)
    assert refused.value.details == {"field": "video_url_template"}


@pytest.mark.parametrize("template", ["", TEMPLATE, "https://v.example.org/r?name={room}&x=1"])
def test_a_good_template_passes(template: str) -> None:
    video_visits.check_template(template)


def test_rooms_are_unguessable_and_new_each_time() -> None:
    rooms = {video_visits.new_room() for _ in range(50)}
    assert len(rooms) == 50 and all(len(room) >= 32 for room in rooms)


def _url(now: datetime, status: Status = Status.BOOKED) -> str | None:
    return video_visits.video_url(
        template=TEMPLATE, room="nobat-abc", slot=SLOT, status=status, now=now
    )


def test_the_link_opens_10_minutes_before_and_closes_at_the_end() -> None:
    opens = START - timedelta(minutes=10)
    assert video_visits.opens_at(SLOT) == opens
    assert _url(opens - timedelta(microseconds=1)) is None
    assert _url(opens) == "https://meet.example.org/nobat-abc"
    assert _url(SLOT.end - timedelta(microseconds=1)) is not None
    assert _url(SLOT.end) is None


@pytest.mark.parametrize("status", [Status.PENDING, Status.CANCELLED, Status.NOSHOW])
def test_no_link_for_a_visit_not_confirmed_or_over(status: Status) -> None:
    assert _url(START, status) is None


def test_no_link_without_a_template_or_a_room() -> None:
    assert (
        video_visits.video_url(template="", room="r", slot=SLOT, status=Status.BOOKED, now=START)
        is None
    )
    assert (
        video_visits.video_url(
            template=TEMPLATE, room="", slot=SLOT, status=Status.BOOKED, now=START
        )
        is None
    )


@pytest.mark.parametrize(
    ("actor", "joins"),
    [
        (Actor(1, Role.PATIENT, patient_id=10), True),
        (Actor(2, Role.PATIENT, patient_id=11), False),
        (Actor(3, Role.DOCTOR, doctor_id=1, verified=True), True),
        (Actor(4, Role.DOCTOR, doctor_id=1, verified=False), False),
        (Actor(5, Role.DOCTOR, doctor_id=2, verified=True), False),
        (Actor(6, Role.RECEPTIONIST, clinic_id=100), False),
        (Actor(7, Role.ADMIN), False),
    ],
)
def test_only_the_patient_and_the_doctor_join(actor: Actor, joins: bool) -> None:
    assert access.may_join_video(actor, doctor_id=1, patient_id=10) is joins


def _bus(template: str) -> tuple[FakeUnitOfWork, MessageBus]:
    uow = FakeUnitOfWork(
        doctors=[Doctor(1, "Dr One", "cardiology", "MC-1", True)],
        patients=[Patient(10, "Sara")],
        schedules=[
            Schedule(
                doctor_id=1,
                clinic_id=100,
                timezone="Asia/Tehran",
                hours=tuple(WeeklyInterval(d, WallInterval(time(9), time(17))) for d in range(7)),
                min_notice_minutes=0,
            )
        ],
    )
    uow.schedules.add_clinic(100, "Asia/Tehran")
    uow.policies.video_templates[100] = template
    return uow, make_bus(uow, FixedClock(START - timedelta(days=1)))


def _book(template: str, mode: VisitMode) -> tuple[VisitMode, str]:
    uow, bus = _bus(template)
    result = bus.handle(
        commands.BookAppointment(
            actor=Actor(1010, Role.PATIENT, patient_id=10),
            doctor_id=1,
            clinic_id=100,
            start=START,
            visit_mode=mode,
        )
    )
    stored = uow.appointments.stored(result.appointment_id)
    return stored.visit_mode, stored.video_room


def test_a_video_visit_gets_a_room_and_one_in_person_none() -> None:
    mode, room = _book(TEMPLATE, VisitMode.VIDEO)
    assert mode is VisitMode.VIDEO and room.startswith("nobat-")
    assert _book(TEMPLATE, VisitMode.IN_PERSON) == (VisitMode.IN_PERSON, "")


def test_a_video_visit_where_none_is_offered_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        _book("", VisitMode.VIDEO)
    assert refused.value.details == {"field": "visit_mode"}


def test_a_move_keeps_the_visit_mode_and_its_room() -> None:
    uow, bus = _bus(TEMPLATE)
    patient = Actor(1010, Role.PATIENT, patient_id=10)
    booked = bus.handle(
        commands.BookAppointment(
            actor=patient, doctor_id=1, clinic_id=100, start=START, visit_mode=VisitMode.VIDEO
        )
    )
    room = uow.appointments.stored(booked.appointment_id).video_room
    bus.handle(
        commands.RescheduleAppointment(
            actor=patient, appointment_id=booked.appointment_id, start=START + timedelta(hours=2)
        )
    )
    moved = uow.appointments.stored(booked.appointment_id)
    assert (moved.visit_mode, moved.video_room) == (VisitMode.VIDEO, room)
    assert moved.slot.start == START + timedelta(hours=2)
