"""A doctor's hours and time off as commands on the bus, with the in-memory unit of work: who
may change them, what the domain refuses, visits in the way, and the events that repaint."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain import events
from scheduler.domain.appointment import Status
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound, ScheduleConflict
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.services import commands
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

TEHRAN = ZoneInfo("Asia/Tehran")
MONDAY = date(2026, 6, 1)
TUESDAY = MONDAY + timedelta(days=1)
DR, OTHER_DR, CLINIC = 1, 2, 100
DOCTOR = Actor(2001, Role.DOCTOR, doctor_id=DR)
OTHER_DOCTOR = Actor(2002, Role.DOCTOR, doctor_id=OTHER_DR)
DESK = Actor(3001, Role.RECEPTIONIST, clinic_id=CLINIC)
ADMIN = Actor(4001, Role.ADMIN)
PATIENT = Actor(1010, Role.PATIENT, patient_id=10)


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), TEHRAN)


class World:
    def __init__(self) -> None:
        hours = tuple(WeeklyInterval(day, WallInterval(time(10), time(17))) for day in range(7))
        self.uow = FakeUnitOfWork(
            doctors=[
                Doctor(DR, "Dr One", "cardiology", "MC-1", True),
                Doctor(OTHER_DR, "Dr Two", "cardiology", "MC-2", True),
            ],
            patients=[Patient(10, "Sara Ahmadi")],
            schedules=[
                Schedule(doctor_id=DR, clinic_id=CLINIC, timezone="Asia/Tehran", hours=hours)
            ],
        )
        self.clock = FixedClock(at(MONDAY, "08:00"))

    def handle(self, command: commands.Command) -> object:
        return make_bus(self.uow, self.clock).handle(command)

    def book(self, start: datetime) -> uuid.UUID:
        result = self.handle(
            commands.BookAppointment(actor=PATIENT, doctor_id=DR, clinic_id=CLINIC, start=start)
        )
        self.uow.outbox.clear()
        return result.appointment_id  # type: ignore[attr-defined, no-any-return]

    def replace(self, actor: Actor = DOCTOR, **changes: object) -> object:
        weekdays = changes.pop("weekdays", range(7))
        hours, breaks = commands.every_week(weekdays, hours=(time(9), time(15)))  # type: ignore[arg-type]
        fields: dict[str, object] = {"hours": hours, "breaks": breaks, **changes}
        return self.handle(
            commands.ReplaceSchedule(actor=actor, doctor_id=DR, clinic_id=CLINIC, **fields)  # type: ignore[arg-type]
        )

    def schedule(self) -> Schedule:
        with self.uow:
            return self.uow.schedules.get(DR, CLINIC)


@pytest.fixture
def world() -> World:
    return World()


def repaints(world: World) -> list[tuple[datetime, datetime]]:
    return [
        (event.start, event.end)
        for event in world.uow.outbox
        if isinstance(event, events.AvailabilityChanged)
    ]


# -- the schedule -------------------------------------------------------------------------------


def test_new_hours_are_stored_and_every_open_grid_to_the_horizon_repaints(world: World) -> None:
    world.replace(slot_minutes=20, horizon_days=30)

    stored = world.schedule()
    assert (stored.slot_minutes, stored.horizon_days) == (20, 30)
    assert stored.working_spans(TUESDAY) == [WallInterval(time(9), time(15))]
    now = world.clock()
    assert repaints(world) == [(now, now + timedelta(days=60))]  # the longer of old and new


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"min_notice_minutes": -5}, "min_notice_minutes"),
        ({"hours": (commands.WeeklySpan(0, time(12), time(9)),)}, "hours"),
        (
            {
                "overrides": (
                    commands.OverrideSpan(TUESDAY),
                    commands.OverrideSpan(TUESDAY, time(9), time(10)),
                )
            },
            "overrides",
        ),
    ],
)
def test_what_the_domain_refuses_names_its_field_and_changes_nothing(
    world: World, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.replace(**changes)

    assert refused.value.details["field"] == field
    assert world.schedule().working_spans(TUESDAY) == [WallInterval(time(10), time(17))]
    assert world.uow.outbox == []


@pytest.mark.parametrize("actor", [OTHER_DOCTOR, DESK, PATIENT])
def test_only_the_doctor_or_an_admin_changes_the_hours(world: World, actor: Actor) -> None:
    with pytest.raises(NotAllowed):
        world.replace(actor=actor)
    world.replace(actor=ADMIN)


def test_hours_that_leave_a_booked_visit_out_are_refused_with_the_visit(world: World) -> None:
    late = world.book(at(TUESDAY, "16:00"))  # the new hours end at 15:00
    world.book(at(TUESDAY, "10:00"))  # within them: not in the way

    with pytest.raises(ScheduleConflict) as refused:
        world.replace()

    ((appointment_id, slot),) = refused.value.details["appointments"]
    assert appointment_id == late and slot.start == at(TUESDAY, "16:00")
    assert world.schedule().working_spans(TUESDAY) == [WallInterval(time(10), time(17))]
    assert world.uow.outbox == []


def test_forced_hours_keep_the_visit_and_ask_its_patient_to_move(world: World) -> None:
    late = world.book(at(TUESDAY, "16:00"))

    result = world.replace(force=True)

    assert result.displaced == (late,)  # type: ignore[attr-defined]
    stored = world.uow.appointments.stored(late)
    assert stored.status is Status.BOOKED and stored.history[-1].action == "displace"
    (displaced,) = [e for e in world.uow.outbox if isinstance(e, events.AppointmentDisplaced)]
    assert (displaced.appointment_id, displaced.patient_id) == (late, 10)
    # A new version: a watcher that saw the booking does not drop this as a copy of it.
    assert displaced.version == stored.version == 2
    assert world.schedule().working_spans(TUESDAY) == [WallInterval(time(9), time(15))]


# -- time off -----------------------------------------------------------------------------------


def test_time_off_takes_its_slots_out_and_repaints_its_span(world: World) -> None:
    away = Interval(at(TUESDAY, "00:00"), at(TUESDAY + timedelta(days=1), "00:00"))

    world.handle(commands.AddTimeOff(actor=DOCTOR, doctor_id=DR, start=away.start, end=away.end))

    assert world.schedule().time_off == (away,)
    assert repaints(world) == [(away.start, away.end)]


def test_time_off_over_a_visit_is_refused_unless_forced(world: World) -> None:
    visit = world.book(at(TUESDAY, "11:00"))
    away = commands.AddTimeOff(
        actor=DOCTOR,
        doctor_id=DR,
        start=at(TUESDAY, "00:00"),
        end=at(TUESDAY, "23:00"),
        reason="Conference",
    )

    with pytest.raises(ScheduleConflict):
        world.handle(away)
    assert world.schedule().time_off == ()

    world.handle(commands.AddTimeOff(**{**away.__dict__, "force": True}))
    (displaced,) = [e for e in world.uow.outbox if isinstance(e, events.AppointmentDisplaced)]
    assert (displaced.appointment_id, displaced.reason) == (visit, "Conference")


def test_time_off_that_ends_before_it_starts_is_bad_input(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.handle(
            commands.AddTimeOff(
                actor=DOCTOR, doctor_id=DR, start=at(TUESDAY, "12:00"), end=at(TUESDAY, "11:00")
            )
        )
    assert refused.value.details["field"] == "end"


def test_removing_time_off_gives_the_slots_back_and_only_the_doctors_own(world: World) -> None:
    added = world.handle(
        commands.AddTimeOff(
            actor=DOCTOR, doctor_id=DR, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "12:00")
        )
    )
    world.uow.outbox.clear()
    time_off_id = added.time_off_id  # type: ignore[attr-defined]

    with pytest.raises(NotFound):
        world.handle(
            commands.RemoveTimeOff(actor=OTHER_DOCTOR, doctor_id=OTHER_DR, time_off_id=time_off_id)
        )
    world.handle(commands.RemoveTimeOff(actor=DOCTOR, doctor_id=DR, time_off_id=time_off_id))

    assert world.schedule().time_off == ()
    assert repaints(world) == [(at(TUESDAY, "10:00"), at(TUESDAY, "12:00"))]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(MONDAY - timedelta(days=3), "10:00"), at(MONDAY - timedelta(days=2), "10:00")),
        (at(TUESDAY, "10:00"), at(TUESDAY + timedelta(days=6 * 366), "10:00")),
    ],
    ids=["over already", "ending past five years"],
)
def test_time_off_ends_in_the_future_and_within_five_years(
    world: World, start: datetime, end: datetime
) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.handle(commands.AddTimeOff(actor=DOCTOR, doctor_id=DR, start=start, end=end))
    assert refused.value.details["field"] == "end"
    assert world.uow.outbox == []


def test_hours_saved_unchanged_repaint_nothing(world: World) -> None:
    world.replace()
    world.uow.outbox.clear()

    world.replace()

    assert world.uow.outbox == []


def test_a_visit_displaced_once_does_not_block_later_changes_nor_ask_again(
    world: World,
) -> None:
    late = world.book(at(TUESDAY, "16:00"))
    world.replace(force=True)
    world.uow.outbox.clear()

    result = world.replace(slot_minutes=20)  # the visit is still outside: asked already

    assert result.displaced == ()  # type: ignore[attr-defined]
    assert not [e for e in world.uow.outbox if isinstance(e, events.AppointmentDisplaced)]
    assert world.uow.appointments.stored(late).awaiting_move


def test_hours_at_a_clinic_the_doctor_does_not_work_at_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.handle(
            commands.ReplaceSchedule(
                actor=ADMIN,
                doctor_id=OTHER_DR,
                clinic_id=CLINIC,
                hours=(commands.WeeklySpan(0, time(9), time(12)),),
            )
        )
    assert refused.value.details["field"] == "clinic_id"


# -- what the hours must hold -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("breaks", "text"),
    [
        ((commands.WeeklySpan(0, time(16), time(17)),), "outside that day's working hours"),
        ((commands.WeeklySpan(1, time(8), time(9)),), "outside that day's working hours"),
        (
            (
                commands.WeeklySpan(0, time(11), time(12)),
                commands.WeeklySpan(0, time(11, 30), time(12, 30)),
            ),
            "Breaks on Monday overlap",
        ),
    ],
    ids=["after the hours", "before the hours", "overlapping"],
)
def test_breaks_lie_within_the_days_hours_and_apart(
    world: World, breaks: tuple[commands.WeeklySpan, ...], text: str
) -> None:
    with pytest.raises(InvalidInput, match=text):
        world.replace(breaks=breaks)


def test_a_break_may_cut_across_a_morning_and_an_afternoon(world: World) -> None:
    hours = (commands.WeeklySpan(0, time(9), time(12)), commands.WeeklySpan(0, time(14), time(17)))
    world.replace(hours=hours, breaks=(commands.WeeklySpan(0, time(11), time(15)),))

    monday = TUESDAY - timedelta(days=1)
    assert world.schedule().working_spans(monday) == [
        WallInterval(time(9), time(11)),
        WallInterval(time(15), time(17)),
    ]


def test_a_new_visit_length_keeps_the_visits_already_booked(world: World) -> None:
    visit = world.book(at(TUESDAY, "10:30"))  # off the 20-minute grid from 09:00, within hours

    result = world.replace(slot_minutes=20)

    assert result.displaced == ()  # type: ignore[attr-defined]
    assert world.uow.appointments.stored(visit).status is Status.BOOKED


def test_a_visit_running_past_the_new_end_of_the_day_is_in_the_way(world: World) -> None:
    visit = world.book(at(TUESDAY, "14:30"))  # 14:30-15:00: the new hours end at 15:00

    assert world.replace().displaced == ()  # type: ignore[attr-defined]

    hours = tuple(commands.WeeklySpan(day, time(9), time(14, 45)) for day in range(7))
    with pytest.raises(ScheduleConflict) as refused:
        world.replace(hours=hours)
    assert [visit_id for visit_id, _ in refused.value.details["appointments"]] == [visit]
