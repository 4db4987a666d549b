"""The search's read model of free time (NextFreeSlot, FreeDay) says what the slot computation
says, whatever happens: random sequences of real commands go through the bus (book, cancel,
reschedule, new hours, time off added and removed, busy blocks from the doctor's calendar,
the clock moving on across days), the outbox is relayed to the real event handlers, the
periodic sweep runs, and after every step the rows are compared with ``queries.free_slots``
as a patient sees it. Runs on SQLite and, with DATABASE_URL, on PostgreSQL (`./run test`).
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scheduler.adapters import outbox
from scheduler.adapters.orm import directory as upkeep
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from scheduler.domain.day_parts import DayPart, part_of
from scheduler.domain.errors import DomainError
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role
from scheduler.services import commands
from scheduler.services.busy_times import SyncState
from scheduler.services.queries import free_slots
from tests import factories

pytestmark = pytest.mark.django_db

HORIZON_DAYS = 10
CALENDAR = "work"


class Clock:
    """The one clock of the bus, the unit of work and the read model: tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class World:
    """One doctor at one clinic (or two: ``elsewhere``), three patients, and the machinery as
    the servers wire it."""

    def __init__(self, *, requires_approval: bool = False, elsewhere: bool = False) -> None:
        self.clinic = factories.clinic()
        self.doctor = factories.doctor(
            self.clinic, horizon_days=HORIZON_DAYS, requires_approval=requires_approval
        )
        self.clinics = [self.clinic]
        if elsewhere:
            self.clinics.append(second_practice(self.doctor))
        self.patients = [factories.patient() for _ in range(3)]
        self.admin = factories.actor_of(factories.admin())
        zone = ZoneInfo(self.clinic.timezone)
        # Early in the clinic's morning, so that "today" has slots still ahead of the notice.
        self.clock = Clock(datetime.combine(datetime.now(zone).date(), time(7, 10), zone))
        self.bus = bootstrap.build_bus(clock=self.clock)
        self.directory = bootstrap.directory(clock=self.clock)
        deps = dataclasses.replace(bootstrap.dependencies(), directory=self.directory)
        self.handlers = bootstrap.event_handlers(deps)
        self.appointments: list[uuid.UUID] = []
        self.time_off: list[int] = []
        self.blocks: dict[str, tuple[datetime, datetime]] = {}
        self.directory.rebuild()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def at(self, days_ahead: int, hour: int, minute: int = 0) -> datetime:
        today = self.clock().astimezone(self.zone).date()
        return datetime.combine(today + timedelta(days=days_ahead), time(hour, minute), self.zone)

    def handle(self, command: commands.Command) -> object | None:
        try:
            return self.bus.handle(command)
        except DomainError:
            return None  # refused (taken, too soon, a day off...): nothing changed

    def relay(self) -> None:
        """The outbox relayed (events mark what they moved), then the sweep (which refreshes
        it), as a server's threads do."""
        while outbox.relay_pending(self.handlers):
            pass
        self.sweep()

    def sweep(self) -> None:
        while self.directory.refresh_due():
            pass

    def doctor_actor(self) -> Actor:
        return factories.actor_of(self.doctor)


def second_practice(doctor: rows.Doctor) -> rows.Clinic:
    """Mornings at a clinic on another clock (07:30-12:30 in London is 11:00-16:00 in Tehran,
    10:00-15:00 in summer): its days turn at another hour, and a visit at either clinic takes
    time at both."""
    other = factories.clinic(timezone="Europe/London", city="London")
    doctor.clinics.add(other)
    spans, _ = commands.every_week(range(7), hours=(time(7, 30), time(12, 30)))
    bootstrap.build_bus().handle(
        commands.ReplaceSchedule(
            actor=Actor(0, Role.ADMIN),
            doctor_id=doctor.pk,
            clinic_id=other.pk,
            hours=spans,
            horizon_days=HORIZON_DAYS,
        )
    )
    return other


Rows = tuple[tuple[datetime, datetime] | None, dict[date, tuple]]


def expected(world: World, clinic: rows.Clinic) -> Rows:
    """What a patient can book, straight from the slot computation, as the rows put it."""
    now = world.clock()
    zone = ZoneInfo(clinic.timezone)
    today = now.astimezone(zone).date()
    with bootstrap.unit_of_work(clock=world.clock) as uow:
        slots = free_slots(
            uow,
            doctor_id=world.doctor.pk,
            clinic_id=clinic.pk,
            first_day=today,
            last_day=today + timedelta(days=HORIZON_DAYS - 1),
            now=now,
        )
    days: dict[date, dict[str, object]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        day = days.setdefault(local.date(), {"count": 0})
        day[part_of(local.time())] = slot.start
        day["count"] += 1  # type: ignore[operator]
    first = (slots[0].start, slots[0].end) if slots else None
    return first, {
        day: (
            parts.get(DayPart.MORNING),
            parts.get(DayPart.AFTERNOON),
            parts.get(DayPart.EVENING),
            parts["count"],
        )
        for day, parts in days.items()
    }


def stored(world: World, clinic: rows.Clinic | None = None) -> Rows:
    pair = {"doctor": world.doctor, "clinic": clinic or world.clinic}
    row = rows.NextFreeSlot.objects.get(**pair)
    first = (row.start, row.end) if row.start is not None and row.end is not None else None
    return first, {
        day.day: (day.morning_last, day.afternoon_last, day.evening_last, day.free_slots)
        for day in rows.FreeDay.objects.filter(**pair)
    }


def assert_in_step(world: World) -> None:
    for clinic in world.clinics:
        assert stored(world, clinic) == expected(world, clinic)


# -- the property ------------------------------------------------------------------------------

days_ahead = st.integers(min_value=0, max_value=HORIZON_DAYS)
hours = st.sampled_from([9, 10, 11, 12, 14, 15, 16, 17, 18])
minutes = st.sampled_from([0, 30])
picks = st.integers(min_value=0, max_value=5)

steps = st.one_of(
    st.tuples(st.just("book"), days_ahead, hours, minutes, picks),
    st.tuples(st.just("cancel"), picks),
    st.tuples(st.just("reschedule"), picks, days_ahead, hours, minutes),
    st.tuples(
        st.just("hours"),
        st.sets(st.integers(min_value=0, max_value=6), min_size=1),
        st.sampled_from([(8, 13), (10, 17), (14, 20)]),
        st.sampled_from([0, 60, 180]),
    ),
    st.tuples(st.just("time_off"), days_ahead, hours, st.integers(min_value=1, max_value=30)),
    st.tuples(st.just("back_at_work"), picks),
    st.tuples(st.just("busy"), days_ahead, hours, st.integers(min_value=1, max_value=4)),
    st.tuples(st.just("calendar_cleared")),
    st.tuples(st.just("later"), st.integers(min_value=1, max_value=40)),
)


def run(world: World, step: tuple) -> None:
    match step:
        case ("book", ahead, hour, minute, who):
            patient = world.patients[who % len(world.patients)]
            booked = world.handle(
                commands.BookAppointment(
                    actor=factories.actor_of(patient),
                    doctor_id=world.doctor.pk,
                    clinic_id=world.clinic.pk,
                    start=world.at(ahead, hour, minute),
                )
            )
            if booked is not None:
                world.appointments.append(booked.appointment_id)  # type: ignore[attr-defined]
        case ("cancel", which) if world.appointments:
            world.handle(
                commands.CancelAppointment(
                    actor=world.admin,
                    appointment_id=world.appointments[which % len(world.appointments)],
                )
            )
        case ("reschedule", which, ahead, hour, minute) if world.appointments:
            world.handle(
                commands.RescheduleAppointment(
                    actor=world.admin,
                    appointment_id=world.appointments[which % len(world.appointments)],
                    start=world.at(ahead, hour, minute),
                )
            )
        case ("hours", weekdays, (opens, closes), notice):
            spans, _ = commands.every_week(sorted(weekdays), hours=(time(opens), time(closes)))
            world.handle(
                commands.ReplaceSchedule(
                    actor=world.admin,
                    doctor_id=world.doctor.pk,
                    clinic_id=world.clinic.pk,
                    hours=spans,
                    horizon_days=HORIZON_DAYS,
                    min_notice_minutes=notice,
                    force=True,
                )
            )
        case ("time_off", ahead, hour, length):
            start = world.at(ahead, hour)
            added = world.handle(
                commands.AddTimeOff(
                    actor=world.doctor_actor(),
                    doctor_id=world.doctor.pk,
                    start=start,
                    end=start + timedelta(hours=length),
                    force=True,
                )
            )
            if added is not None:
                world.time_off.append(added.time_off_id)  # type: ignore[attr-defined]
        case ("back_at_work", which) if world.time_off:
            world.handle(
                commands.RemoveTimeOff(
                    actor=world.doctor_actor(),
                    doctor_id=world.doctor.pk,
                    time_off_id=world.time_off.pop(which % len(world.time_off)),
                )
            )
        case ("busy", ahead, hour, length):
            start = world.at(ahead, hour)
            world.blocks[f"b{len(world.blocks)}"] = (start, start + timedelta(hours=length))
            calendar_read(world)
        case ("calendar_cleared",):
            world.blocks.clear()
            calendar_read(world)
        case ("later", hours_on):
            world.clock.now += timedelta(hours=hours_on)
    world.relay()


def calendar_read(world: World) -> None:
    """The doctor's calendar read anew, as the calendar sync stores it (adapters.gcal.sync)."""
    with bootstrap.unit_of_work(clock=world.clock) as uow:
        uow.busy_blocks.replace(
            world.doctor.pk,
            CALENDAR,
            {key: Interval(start, end) for key, (start, end) in world.blocks.items()},
            sync=SyncState(),
            now=world.clock(),
        )
        uow.commit()


@contextmanager
def undone() -> Iterator[None]:
    """Each example on a clean slate: what it wrote is rolled back after it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=1, max_size=12), st.booleans(), st.booleans())
# The day turns while the next free slot is still ahead: only the sweep's day rule sees it.
@example([("time_off", 0, 9, 30), ("later", 17), ("later", 8)], False, False)
def test_the_read_model_matches_the_slot_computation_after_any_commands(
    sequence: list[tuple], requires_approval: bool, elsewhere: bool
) -> None:
    with undone():
        world = World(requires_approval=requires_approval, elsewhere=elsewhere)
        assert_in_step(world)
        for step in sequence:
            run(world, step)
            assert_in_step(world)


# -- each kind of change, on its own -----------------------------------------------------------


@pytest.fixture
def world() -> World:
    return World()


def book(world: World, ahead: int = 1, hour: int = 10, who: int = 0) -> uuid.UUID:
    result = world.bus.handle(
        commands.BookAppointment(
            actor=factories.actor_of(world.patients[who]),
            doctor_id=world.doctor.pk,
            clinic_id=world.clinic.pk,
            start=world.at(ahead, hour),
        )
    )
    world.relay()
    return result.appointment_id


def free_count(world: World, ahead: int) -> int:
    day = world.at(ahead, 0).date()
    found = rows.FreeDay.objects.filter(doctor=world.doctor, clinic=world.clinic, day=day).first()
    return found.free_slots if found else 0


def next_start(world: World) -> datetime | None:
    return rows.NextFreeSlot.objects.get(doctor=world.doctor, clinic=world.clinic).start


def test_a_rebuild_lists_a_verified_doctor_with_hours(world: World) -> None:
    # 10:00-17:00 with lunch 13-14: twelve half-hour slots a day, from 10:00 today (07:10 now).
    assert next_start(world) == world.at(0, 10)
    assert free_count(world, 0) == free_count(world, 1) == 12
    tomorrow = stored(world)[1][world.at(1, 0).date()]
    assert tomorrow == (world.at(1, 11, 30), world.at(1, 16, 30), None, 12)
    assert rows.FreeDay.objects.filter(doctor=world.doctor).count() == HORIZON_DAYS


def test_an_event_only_marks_its_pair_and_the_sweep_refreshes_it(world: World) -> None:
    """The relay also carries the live slot grids' changes: it does not wait for a doctor's
    whole horizon to be recomputed."""
    world.bus.handle(
        commands.BookAppointment(
            actor=factories.actor_of(world.patients[0]),
            doctor_id=world.doctor.pk,
            clinic_id=world.clinic.pk,
            start=world.at(0, 10),
        )
    )
    while outbox.relay_pending(world.handlers):
        pass

    row = rows.NextFreeSlot.objects.get(doctor=world.doctor)
    assert (row.refreshed_at, row.start) == (upkeep.STALE, world.at(0, 10))

    assert world.directory.refresh_due() == 1
    assert next_start(world) == world.at(0, 10, 30)


def test_a_booking_takes_its_slot_and_a_cancellation_gives_it_back(world: World) -> None:
    taken = book(world, ahead=0, hour=10)
    assert next_start(world) == world.at(0, 10, 30)
    assert free_count(world, 0) == 11

    world.bus.handle(commands.CancelAppointment(actor=world.admin, appointment_id=taken))
    world.relay()

    assert next_start(world) == world.at(0, 10)
    assert free_count(world, 0) == 12


def test_a_visit_at_one_clinic_takes_the_doctors_time_at_the_other() -> None:
    world = World(elsewhere=True)
    there = rows.NextFreeSlot.objects.filter(clinic=world.clinics[1])
    first = there.get().start
    assert first is not None

    world.bus.handle(
        commands.BookAppointment(
            actor=factories.actor_of(world.patients[0]),
            doctor_id=world.doctor.pk,
            clinic_id=world.clinic.pk,
            start=first,
        )
    )
    world.relay()

    assert there.get().start == first + timedelta(minutes=30)
    assert_in_step(world)


def test_a_request_holds_the_slot_and_a_rejection_frees_it() -> None:
    world = World(requires_approval=True)
    asked = book(world, ahead=0, hour=10)
    assert next_start(world) == world.at(0, 10, 30)

    world.bus.handle(
        commands.RejectAppointment(actor=factories.actor_of(world.doctor), appointment_id=asked)
    )
    world.relay()

    assert next_start(world) == world.at(0, 10)


def test_a_move_frees_the_old_slot_and_takes_the_new_one(world: World) -> None:
    moved = book(world, ahead=0, hour=10)
    world.bus.handle(
        commands.RescheduleAppointment(
            actor=world.admin, appointment_id=moved, start=world.at(2, 15)
        )
    )
    world.relay()

    assert next_start(world) == world.at(0, 10)
    assert (free_count(world, 0), free_count(world, 2)) == (12, 11)


def test_new_hours_move_the_next_free_slot(world: World) -> None:
    spans, breaks = commands.every_week(range(7), hours=(time(15), time(18)))
    world.bus.handle(
        commands.ReplaceSchedule(
            actor=world.admin,
            doctor_id=world.doctor.pk,
            clinic_id=world.clinic.pk,
            hours=spans,
            breaks=breaks,
            horizon_days=HORIZON_DAYS,
        )
    )
    world.relay()

    assert next_start(world) == world.at(0, 15)
    morning, afternoon, evening, count = stored(world)[1][world.at(0, 0).date()]
    assert (morning, afternoon, evening, count) == (
        None,
        world.at(0, 16, 30),
        world.at(0, 17, 30),
        6,
    )


def test_time_off_empties_its_days_and_its_removal_fills_them_again(world: World) -> None:
    added = world.bus.handle(
        commands.AddTimeOff(
            actor=world.doctor_actor(),
            doctor_id=world.doctor.pk,
            start=world.at(0, 0),
            end=world.at(2, 0),
        )
    )
    world.relay()
    assert next_start(world) == world.at(2, 10)
    assert not rows.FreeDay.objects.filter(day__lt=world.at(2, 0).date()).exists()

    world.bus.handle(
        commands.RemoveTimeOff(
            actor=world.doctor_actor(), doctor_id=world.doctor.pk, time_off_id=added.time_off_id
        )
    )
    world.relay()
    assert next_start(world) == world.at(0, 10)


def test_busy_blocks_from_the_doctors_calendar_count(world: World) -> None:
    world.blocks["meeting"] = (world.at(0, 9), world.at(0, 12))
    calendar_read(world)
    world.relay()
    assert next_start(world) == world.at(0, 12)

    world.blocks.clear()
    calendar_read(world)
    world.relay()
    assert next_start(world) == world.at(0, 10)


def test_an_unverified_doctor_is_not_listed_until_verified_again(world: World) -> None:
    world.bus.handle(
        commands.VerifyDoctor(actor=world.admin, doctor_id=world.doctor.pk, verified=False)
    )
    world.relay()
    assert not rows.NextFreeSlot.objects.filter(doctor=world.doctor).exists()
    assert not rows.FreeDay.objects.filter(doctor=world.doctor).exists()

    world.bus.handle(commands.VerifyDoctor(actor=world.admin, doctor_id=world.doctor.pk))
    world.relay()
    assert next_start(world) == world.at(0, 10)


def test_a_doctor_whose_account_is_closed_leaves_the_read_model(world: World) -> None:
    """Found in review: the rows of a closed account were kept up to date, for a search that
    no longer shows them."""
    world.bus.handle(commands.DeactivateUser(actor=world.admin, user_id=world.doctor.user_id))
    world.relay()

    assert not rows.NextFreeSlot.objects.filter(doctor=world.doctor).exists()
    assert not rows.FreeDay.objects.filter(doctor=world.doctor).exists()
    world.directory.rebuild()  # and a rebuild puts none back
    assert not rows.NextFreeSlot.objects.filter(doctor=world.doctor).exists()


def test_a_no_show_and_its_undo_leave_the_past_slot_out(world: World) -> None:
    visit = book(world, ahead=0, hour=10)
    world.clock.now = world.at(0, 10, 20)
    doctor = factories.actor_of(world.doctor)
    world.bus.handle(commands.MarkNoShow(actor=doctor, appointment_id=visit))
    world.bus.handle(commands.UndoAppointmentChange(actor=doctor, appointment_id=visit))
    world.relay()

    assert_in_step(world)
    assert next_start(world) == world.at(0, 11, 30)  # 60 minutes' notice from 10:20


def test_the_sweep_refreshes_a_next_slot_that_came_within_the_notice(world: World) -> None:
    world.clock.now = world.at(0, 9, 30)  # 10:00 is now 30 minutes away, inside the notice
    assert world.directory.refresh_due() == 1
    assert next_start(world) == world.at(0, 10, 30)
    assert world.directory.refresh_due() == 0  # done, until time moves on again


def test_the_sweep_turns_the_day_over_though_the_next_free_slot_is_days_away(
    world: World,
) -> None:
    """Nothing booked has passed, but a new day entered the horizon and today left it."""
    world.bus.handle(
        commands.AddTimeOff(
            actor=world.doctor_actor(),
            doctor_id=world.doctor.pk,
            start=world.at(0, 0),
            end=world.at(3, 0),
        )
    )
    world.relay()
    last_day = world.at(HORIZON_DAYS - 1, 0).date()
    world.clock.now = world.at(1, 0, 5)  # just past the clinic's midnight

    world.sweep()

    days = sorted(rows.FreeDay.objects.filter(doctor=world.doctor).values_list("day", flat=True))
    assert days[-1] == last_day + timedelta(days=1)
    assert next_start(world) == world.at(2, 10)  # "today" is a day later now
    assert_in_step(world)


def test_the_sweep_does_a_bounded_batch_each_call() -> None:
    worlds = [World() for _ in range(3)]
    clock = worlds[0].clock
    clock.now += timedelta(days=1)
    directory = bootstrap.directory(clock=clock)

    assert len(upkeep.due(clock(), limit=2)) == 2
    assert directory.refresh_due() == 3
    assert directory.refresh_due() == 0


def test_an_event_delivered_twice_changes_nothing(world: World) -> None:
    book(world, ahead=0, hour=10)
    before = stored(world)
    rows.StoredEvent.objects.update(delivery=rows.StoredEvent.Delivery.PENDING)

    world.relay()

    assert stored(world) == before


def test_rebuild_directory_command_fills_the_rows(world: World) -> None:
    rows.NextFreeSlot.objects.all().delete()
    rows.FreeDay.objects.all().delete()
    out = io.StringIO()

    call_command("rebuild_directory", stdout=out)

    assert "1 doctor-clinic pair(s) refreshed" in out.getvalue()
    assert rows.NextFreeSlot.objects.filter(doctor=world.doctor).exists()
