"""Whatever people do, nobody holds two appointments at once.

Random sequences of book / cancel / reschedule go through the bus (three doctors on different
slot lengths, so slots of different doctors overlap partially; four patients; two days). After
every command the committed appointments are checked: no doctor and no patient has two active
appointments that overlap. Each command's outcome is also predicted from the stored state, so
the services neither let a conflict through nor refuse a free slot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain import availability
from scheduler.domain.appointment import RESCHEDULABLE, Appointment, Status
from scheduler.domain.errors import DomainError, InvalidTransition, SlotTaken
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.rules import timing_problem
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.services import commands
from scheduler.services.messagebus import MessageBus
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

TEHRAN = "Asia/Tehran"
CLINIC = 100
DAYS = [date(2026, 6, 2), date(2026, 6, 3)]
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo(TEHRAN))
DESK = Actor(3001, Role.RECEPTIONIST, clinic_id=CLINIC)
PATIENTS = [10, 11, 12, 13]
# doctor id -> (slot minutes, requires approval)
DOCTORS = {1: (30, False), 2: (20, False), 3: (45, True)}


def make_schedule(doctor_id: int) -> Schedule:
    minutes, approval = DOCTORS[doctor_id]
    hours = WallInterval(time(10), time(13))
    return Schedule(
        doctor_id=doctor_id,
        clinic_id=CLINIC,
        timezone=TEHRAN,
        hours=tuple(WeeklyInterval(day, hours) for day in range(7)),
        slot_minutes=minutes,
        requires_approval=approval,
    )


SCHEDULES = {doctor_id: make_schedule(doctor_id) for doctor_id in DOCTORS}
GRIDS = {
    doctor_id: [slot for day in DAYS for slot in availability.day_grid(schedule, day)]
    for doctor_id, schedule in SCHEDULES.items()
}


def patient_actor(patient_id: int) -> Actor:
    return Actor(1000 + patient_id, Role.PATIENT, patient_id=patient_id)


@dataclass(frozen=True)
class Book:
    doctor_id: int
    slot: int  # index into the doctor's grid (modulo its length)
    patient_id: int
    by_desk: bool


@dataclass(frozen=True)
class Cancel:
    appointment: int  # index into the appointments made so far (modulo their number)
    by_desk: bool


@dataclass(frozen=True)
class Reschedule:
    appointment: int
    slot: int
    by_desk: bool


Step = Book | Cancel | Reschedule

steps = st.one_of(
    st.builds(
        Book,
        doctor_id=st.sampled_from(list(DOCTORS)),
        slot=st.integers(0, 50),
        patient_id=st.sampled_from(PATIENTS),
        by_desk=st.booleans(),
    ),
    st.builds(Cancel, appointment=st.integers(0, 50), by_desk=st.booleans()),
    st.builds(
        Reschedule, appointment=st.integers(0, 50), slot=st.integers(0, 50), by_desk=st.booleans()
    ),
)


def fresh_clinic() -> tuple[FakeUnitOfWork, MessageBus]:
    uow = FakeUnitOfWork(
        doctors=[Doctor(d, f"Dr {d}", "general", f"MC-{d}", True) for d in DOCTORS],
        patients=[Patient(p, f"Patient {p}") for p in PATIENTS],
        schedules=SCHEDULES.values(),
    )
    return uow, make_bus(uow, FixedClock(NOW))


def clashes(stored: list[Appointment], slot: Interval, *, doctor_id: int, patient_id: int) -> bool:
    return any(
        a.is_active
        and (a.doctor_id == doctor_id or a.patient_id == patient_id)
        and a.slot.overlaps(slot)
        for a in stored
    )


def state(uow: FakeUnitOfWork) -> set[tuple[uuid.UUID, Status, Interval, int]]:
    return {(a.id, a.status, a.slot, a.version) for a in uow.appointments.all_stored()}


def assert_nobody_is_double_booked(uow: FakeUnitOfWork) -> None:
    active = [a for a in uow.appointments.all_stored() if a.is_active]
    for first, second in combinations(active, 2):
        if first.slot.overlaps(second.slot):
            assert first.doctor_id != second.doctor_id, (first, second)
            assert first.patient_id != second.patient_id, (first, second)


def run(step: Step, uow: FakeUnitOfWork, bus: MessageBus, made: list[uuid.UUID]) -> None:
    stored = uow.appointments.all_stored()
    before = state(uow)
    expected: type[DomainError] | None
    match step:
        case Book(doctor_id=doctor_id, patient_id=patient_id, by_desk=by_desk):
            slot = GRIDS[doctor_id][step.slot % len(GRIDS[doctor_id])]
            clash = clashes(stored, slot, doctor_id=doctor_id, patient_id=patient_id)
            expected = SlotTaken if clash else None
            command: commands.Command = commands.BookAppointment(
                actor=DESK if by_desk else patient_actor(patient_id),
                doctor_id=doctor_id,
                clinic_id=CLINIC,
                start=slot.start,
                patient_id=patient_id,
                patient_introduced=by_desk,  # found at the desk by their phone
            )
        case Cancel(by_desk=by_desk) if made:
            target = uow.appointments.stored(made[step.appointment % len(made)])
            expected = None if target.is_active else InvalidTransition
            command = commands.CancelAppointment(
                actor=DESK if by_desk else patient_actor(target.patient_id),
                appointment_id=target.id,
            )
        case Reschedule(by_desk=by_desk) if made:
            target = uow.appointments.stored(made[step.appointment % len(made)])
            grid = GRIDS[target.doctor_id]
            slot = grid[step.slot % len(grid)]
            others = [a for a in stored if a.id != target.id]
            if target.status not in RESCHEDULABLE:
                expected = InvalidTransition
            elif clashes(others, slot, doctor_id=target.doctor_id, patient_id=target.patient_id):
                expected = SlotTaken
            elif slot == target.slot:
                expected = InvalidTransition
            else:
                expected = None
            command = commands.RescheduleAppointment(
                actor=DESK if by_desk else patient_actor(target.patient_id),
                appointment_id=target.id,
                start=slot.start,
            )
        case _:
            return  # nothing to cancel or move yet

    try:
        result = bus.handle(command)
    except DomainError as error:
        assert type(error) is expected, (step, error)
        assert state(uow) == before, step
    else:
        assert expected is None, (step, "went through")
        if isinstance(step, Book):
            made.append(result.appointment_id)
            booked = uow.appointments.stored(result.appointment_id)
            pending = DOCTORS[step.doctor_id][1] and not step.by_desk
            assert booked.status is (Status.PENDING if pending else Status.BOOKED)
    assert_nobody_is_double_booked(uow)


@settings(max_examples=200, deadline=None)
@given(st.lists(steps, max_size=30))
def test_no_doctor_and_no_patient_is_ever_in_two_places(sequence: list[Step]) -> None:
    uow, bus = fresh_clinic()
    made: list[uuid.UUID] = []

    for step in sequence:
        run(step, uow, bus, made)

    assert len(uow.outbox) >= len(made)  # every appointment made was announced


# Busy time of any shape in and around the hours of the two days, on a 5-minute grid so that
# edges often meet a slot's: short and long, overlapping, touching, across slots.
busy_blocks = st.lists(
    st.tuples(
        st.sampled_from([9 * 60, 24 * 60 + 9 * 60]),  # 09:00 of either day, minutes from midnight
        st.integers(min_value=0, max_value=5 * 12),  # five-minute steps on from there
        st.integers(min_value=1, max_value=5 * 12),  # its length in five-minute steps
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(busy_blocks, st.sampled_from(sorted(DOCTORS)), st.booleans())
def test_free_slots_are_the_grid_less_whatever_overlaps_busy_time(
    blocks: list[tuple[int, int, int]], doctor_id: int, staff: bool
) -> None:
    # The free slots are found in one sorted pass; this is their definition, slot by slot.
    midnight = datetime.combine(DAYS[0], time(), ZoneInfo(TEHRAN))
    busy = [
        Interval(
            midnight + timedelta(minutes=day + 5 * step),
            midnight + timedelta(minutes=day + 5 * (step + length)),
        )
        for day, step, length in blocks
    ]
    schedule = SCHEDULES[doctor_id]
    expected = [
        slot
        for slot in GRIDS[doctor_id]
        if timing_problem(schedule, slot, NOW, staff=staff) is None
        and not any(slot.overlaps(block) for block in busy)
    ]
    found = availability.free_slots(
        schedule, first_day=DAYS[0], last_day=DAYS[-1], busy=busy, now=NOW, staff=staff
    )
    assert found == expected
