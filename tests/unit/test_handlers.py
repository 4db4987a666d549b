"""The use cases, driven through the message bus with the in-memory unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain import events
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import (
    IdempotencyMismatch,
    InBreak,
    InPast,
    InsideMinimumNotice,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    NotOnGrid,
    OutsideWorkingHours,
    SlotTaken,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.services import commands, queries
from scheduler.services.handlers import CommandResult
from scheduler.services.messagebus import MessageBus
from scheduler.services.unit_of_work import IdempotencyRecord
from tests.fakes import FakeAppointmentRepository, FakeUnitOfWork, FixedClock, make_bus

TEHRAN = ZoneInfo("Asia/Tehran")
MONDAY = date(2026, 6, 1)
TUESDAY = MONDAY + timedelta(days=1)

CLINIC, OTHER_CLINIC = 100, 200
DR_ONE, DR_TWO, DR_UNVERIFIED, DR_APPROVES = 1, 2, 3, 4

PATIENT_10 = Actor(1010, Role.PATIENT, patient_id=10)
PATIENT_11 = Actor(1011, Role.PATIENT, patient_id=11)
PATIENT_12 = Actor(1012, Role.PATIENT, patient_id=12)
DOCTOR_1 = Actor(2001, Role.DOCTOR, doctor_id=DR_ONE)
DOCTOR_4 = Actor(2004, Role.DOCTOR, doctor_id=DR_APPROVES)
DESK = Actor(3001, Role.RECEPTIONIST, clinic_id=CLINIC)
ADMIN = Actor(4001, Role.ADMIN)


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), TEHRAN)


def slot(day: date, clock: str) -> Interval:
    start = at(day, clock)
    return Interval(start, start + timedelta(minutes=30))


def every_day(start: str, end: str) -> tuple[WeeklyInterval, ...]:
    wall = WallInterval(time.fromisoformat(start), time.fromisoformat(end))
    return tuple(WeeklyInterval(day, wall) for day in range(7))


def schedule(doctor_id: int, clinic_id: int = CLINIC, **changes: Any) -> Schedule:
    """10:00-17:00 every day with lunch 13:00-14:00, 30-minute slots, in Tehran."""
    base = Schedule(
        doctor_id=doctor_id,
        clinic_id=clinic_id,
        timezone="Asia/Tehran",
        hours=every_day("10:00", "17:00"),
        breaks=every_day("13:00", "14:00"),
    )
    return replace(base, **changes)


@dataclass
class Clinic:
    uow: FakeUnitOfWork
    clock: FixedClock
    bus: MessageBus

    def book(
        self,
        actor: Actor,
        start: datetime,
        *,
        doctor_id: int = DR_ONE,
        clinic_id: int = CLINIC,
        patient_id: int | None = None,
        key: str | None = None,
    ) -> CommandResult:
        return self.bus.handle(
            commands.BookAppointment(
                actor=actor,
                doctor_id=doctor_id,
                clinic_id=clinic_id,
                start=start,
                patient_id=patient_id,
                # Staff naming a patient found them at the desk (access.patient_to_know has
                # its own tests, which go round this helper).
                patient_introduced=patient_id is not None,
                idempotency_key=key,
            )
        )

    def stored(self, appointment_id: uuid.UUID) -> Appointment:
        return self.uow.appointments.stored(appointment_id)

    def forget_the_past(self) -> None:
        """Start watching commits and events from here."""
        self.uow.outbox.clear()
        self.uow.committed = False


@pytest.fixture
def clinic() -> Clinic:
    doctor = Doctor(DR_ONE, "Dr One", "cardiology", "MC-1", True)
    uow = FakeUnitOfWork(
        doctors=[
            doctor,
            Doctor(DR_TWO, "Dr Two", "dermatology", "MC-2", True),
            Doctor(DR_UNVERIFIED, "Dr New", "surgery", "MC-3", False),
            Doctor(DR_APPROVES, "Dr Careful", "neurology", "MC-4", True),
        ],
        patients=[Patient(10, "Sara"), Patient(11, "Reza"), Patient(12, "Mina")],
        schedules=[
            schedule(DR_ONE),
            schedule(DR_ONE, OTHER_CLINIC, hours=every_day("10:00", "12:00"), breaks=()),
            schedule(DR_TWO),
            schedule(DR_UNVERIFIED),
            schedule(DR_APPROVES, requires_approval=True),
        ],
    )
    clock = FixedClock(at(MONDAY, "08:00"))
    return Clinic(uow, clock, make_bus(uow, clock))


# --- booking ----------------------------------------------------------------------------------


def test_a_patient_books_a_free_slot(clinic: Clinic) -> None:
    result = clinic.book(PATIENT_10, at(TUESDAY, "10:00"))

    assert result.replayed is False
    stored = clinic.stored(result.appointment_id)
    assert stored.status is Status.BOOKED
    assert stored.slot == slot(TUESDAY, "10:00")
    assert (stored.doctor_id, stored.patient_id, stored.clinic_id) == (DR_ONE, 10, CLINIC)
    assert clinic.uow.committed
    (event,) = clinic.uow.outbox
    assert isinstance(event, events.AppointmentBooked)
    assert (event.appointment_id, event.version, event.actor_user_id) == (
        result.appointment_id,
        1,
        PATIENT_10.user_id,
    )


def test_a_doctor_who_approves_requests_gets_a_pending_request(clinic: Clinic) -> None:
    result = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_APPROVES)

    assert clinic.stored(result.appointment_id).status is Status.PENDING
    assert [type(e) for e in clinic.uow.outbox] == [events.AppointmentRequested]


@pytest.mark.parametrize("staff", [DOCTOR_4, DESK, ADMIN])
def test_staff_bookings_need_no_approval(clinic: Clinic, staff: Actor) -> None:
    result = clinic.book(staff, at(TUESDAY, "10:00"), doctor_id=DR_APPROVES, patient_id=10)

    assert clinic.stored(result.appointment_id).status is Status.BOOKED
    assert [type(e) for e in clinic.uow.outbox] == [events.AppointmentBooked]


def test_a_pending_request_holds_its_slot(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_APPROVES)

    with pytest.raises(SlotTaken):
        clinic.book(PATIENT_11, at(TUESDAY, "10:00"), doctor_id=DR_APPROVES)


def test_events_reach_the_outbox_only_on_commit(clinic: Clinic) -> None:
    appointment = Appointment.create(
        doctor_id=DR_ONE,
        patient_id=10,
        clinic_id=CLINIC,
        slot=slot(TUESDAY, "10:00"),
        reason="",
        needs_confirmation=False,
        actor_user_id=None,
        now=clinic.clock(),
    )

    with clinic.uow as uow:
        uow.appointments.add(appointment)
    assert clinic.uow.outbox == []
    assert not clinic.uow.committed
    with pytest.raises(NotFound):
        clinic.uow.appointments.get(appointment.id)

    with clinic.uow as uow:
        uow.appointments.add(appointment)
        uow.commit()
    (event,) = clinic.uow.outbox
    assert isinstance(event, events.AppointmentBooked)
    assert event.appointment_id == appointment.id


def test_an_uncommitted_change_is_gone_after_rollback(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.forget_the_past()

    with clinic.uow as uow:
        uow.appointments.get(booked).cancel(actor_user_id=None, now=clinic.clock())

    assert clinic.stored(booked).status is Status.BOOKED
    assert clinic.uow.outbox == []
    with pytest.raises(SlotTaken):
        clinic.book(PATIENT_11, at(TUESDAY, "10:00"))


@pytest.mark.parametrize(
    ("start", "error"),
    [
        (at(TUESDAY, "09:00"), OutsideWorkingHours),
        (at(TUESDAY, "10:10"), NotOnGrid),
        (at(MONDAY, "08:30"), OutsideWorkingHours),
        (at(MONDAY, "10:00"), InPast),  # under way at 10:05
    ],
)
def test_a_refused_booking_commits_nothing(
    clinic: Clinic, start: datetime, error: type[Exception]
) -> None:
    clinic.clock.now = at(MONDAY, "10:05")

    with pytest.raises(error):
        clinic.book(PATIENT_10, start)

    assert not clinic.uow.committed
    assert clinic.uow.outbox == []
    assert clinic.uow.appointments.all_stored() == []


def test_a_patient_books_ahead_of_the_minimum_notice(clinic: Clinic) -> None:
    clinic.clock.now = at(TUESDAY, "09:30")

    with pytest.raises(InsideMinimumNotice):
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"))
    clinic.book(PATIENT_10, at(TUESDAY, "10:30"))


def test_the_desk_books_a_walk_in_into_the_running_slot(clinic: Clinic) -> None:
    clinic.clock.now = at(TUESDAY, "10:10")

    with pytest.raises(InPast):
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"))
    result = clinic.book(DESK, at(TUESDAY, "10:00"), patient_id=10)

    assert clinic.stored(result.appointment_id).status is Status.BOOKED


# --- conflicts --------------------------------------------------------------------------------


def test_slot_taken_when_the_doctor_is_busy_offers_the_three_nearest_free_slots(
    clinic: Clinic,
) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:30"))
    clinic.book(PATIENT_11, at(TUESDAY, "11:00"))
    clinic.forget_the_past()

    with pytest.raises(SlotTaken) as caught:
        clinic.book(PATIENT_12, at(TUESDAY, "11:00"))

    assert caught.value.details["holder"] == "doctor"
    # 11:30 is 30 minutes away, 10:00 and 12:00 an hour; 12:30 (90 minutes) is fourth.
    assert caught.value.details["alternatives"] == [
        slot(TUESDAY, "10:00"),
        slot(TUESDAY, "11:30"),
        slot(TUESDAY, "12:00"),
    ]
    assert not clinic.uow.committed
    assert clinic.uow.outbox == []


def test_alternatives_come_in_time_order_not_in_order_of_distance(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "16:30"))

    with pytest.raises(SlotTaken) as caught:
        clinic.book(PATIENT_11, at(TUESDAY, "16:30"))

    assert caught.value.details["alternatives"] == [
        slot(TUESDAY, "15:00"),
        slot(TUESDAY, "15:30"),
        slot(TUESDAY, "16:00"),
    ]


def test_slot_taken_when_the_patient_is_busy_with_another_doctor(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_ONE)
    clinic.book(PATIENT_11, at(TUESDAY, "10:30"), doctor_id=DR_TWO)  # Dr Two busy at 10:30
    clinic.book(PATIENT_10, at(TUESDAY, "11:00"), doctor_id=DR_ONE)  # Sara busy at 11:00
    clinic.forget_the_past()

    with pytest.raises(SlotTaken) as caught:
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_TWO)

    assert caught.value.details["holder"] == "patient"
    # Free for both Dr Two and Sara: neither 10:00 (Sara), 10:30 (Dr Two) nor 11:00 (Sara).
    assert caught.value.details["alternatives"] == [
        slot(TUESDAY, "11:30"),
        slot(TUESDAY, "12:00"),
        slot(TUESDAY, "12:30"),
    ]
    assert clinic.uow.outbox == []


def test_a_doctor_is_busy_across_clinics(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), clinic_id=CLINIC)

    with pytest.raises(SlotTaken) as caught:
        clinic.book(PATIENT_11, at(TUESDAY, "10:00"), clinic_id=OTHER_CLINIC)

    assert caught.value.details["holder"] == "doctor"
    assert slot(TUESDAY, "10:00") not in caught.value.details["alternatives"]
    assert caught.value.details["alternatives"] == [
        slot(TUESDAY, "10:30"),
        slot(TUESDAY, "11:00"),
        slot(TUESDAY, "11:30"),
    ]


def test_a_cancelled_slot_can_be_booked_again(clinic: Clinic) -> None:
    first = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.bus.handle(commands.CancelAppointment(actor=PATIENT_10, appointment_id=first))

    second = clinic.book(PATIENT_11, at(TUESDAY, "10:00")).appointment_id

    assert second != first
    assert clinic.stored(second).status is Status.BOOKED


# --- idempotency ------------------------------------------------------------------------------


def test_replaying_a_key_returns_the_first_booking(clinic: Clinic) -> None:
    first = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")
    clinic.forget_the_past()

    again = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")

    assert again == CommandResult(first.appointment_id, replayed=True)
    assert len(clinic.uow.appointments.all_stored()) == 1
    assert clinic.uow.outbox == []


def test_a_key_used_for_another_booking_is_a_mismatch(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")

    with pytest.raises(IdempotencyMismatch) as caught:
        clinic.book(PATIENT_10, at(TUESDAY, "10:30"), key="k-1")

    assert caught.value.details == {"field": "Idempotency-Key"}
    assert len(clinic.uow.appointments.all_stored()) == 1


def test_keys_belong_to_their_user(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")

    other = clinic.book(PATIENT_11, at(TUESDAY, "10:30"), key="k-1")

    assert other.replayed is False
    assert len(clinic.uow.appointments.all_stored()) == 2


def test_the_same_booking_under_a_new_key_is_a_conflict(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")

    with pytest.raises(SlotTaken):
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-2")


class LateKeys(FakeAppointmentRepository):
    """A repository that does not see keys the first ``blind`` times it is asked.

    It plays a retry that ran alongside its own first attempt: the first attempt's key was not
    yet committed when the retry looked, but its appointment was by the time the retry wrote.
    """

    def __init__(self, blind: int) -> None:
        super().__init__()
        self.blind = blind

    def recall_key(self, user_id: int, key: str) -> IdempotencyRecord | None:
        if self.blind > 0:
            self.blind -= 1
            return None
        return super().recall_key(user_id, key)


def test_a_retry_that_raced_its_first_attempt_gets_the_first_result(clinic: Clinic) -> None:
    late = LateKeys(blind=0)
    clinic.uow.appointments = late
    first = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")
    late.blind = 1

    again = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")

    assert again == CommandResult(first.appointment_id, replayed=True)


def test_a_retry_whose_key_is_written_meanwhile_gets_the_first_result(clinic: Clinic) -> None:
    late = LateKeys(blind=0)
    clinic.uow.appointments = late
    first = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1").appointment_id
    clinic.bus.handle(commands.CancelAppointment(actor=PATIENT_10, appointment_id=first))
    clinic.forget_the_past()
    late.blind = 1  # the retry books the freed slot, then finds the key taken on commit

    again = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), key="k-1")

    assert again == CommandResult(first, replayed=True)
    assert [a.id for a in clinic.uow.appointments.all_stored()] == [first]
    assert clinic.uow.outbox == []


# --- reschedule -------------------------------------------------------------------------------


def test_reschedule_keeps_the_id_and_frees_the_old_slot(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.forget_the_past()

    result = clinic.bus.handle(
        commands.RescheduleAppointment(
            actor=PATIENT_10, appointment_id=booked, start=at(TUESDAY, "15:00")
        )
    )

    assert result == CommandResult(booked)
    moved = clinic.stored(booked)
    assert moved.slot == slot(TUESDAY, "15:00")
    assert moved.status is Status.BOOKED
    (event,) = clinic.uow.outbox
    assert isinstance(event, events.AppointmentRescheduled)
    assert event.previous_start == at(TUESDAY, "10:00")
    assert event.version == 2
    clinic.book(PATIENT_11, at(TUESDAY, "10:00"))  # the old slot is free again


def test_reschedule_to_an_overlapping_neighbour_excludes_itself(clinic: Clinic) -> None:
    schedule_45 = schedule(DR_TWO, slot_minutes=45, breaks=())
    clinic.uow.schedules.add(schedule_45)
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_TWO).appointment_id

    clinic.bus.handle(
        commands.RescheduleAppointment(
            actor=PATIENT_10, appointment_id=booked, start=at(TUESDAY, "10:45")
        )
    )

    assert clinic.stored(booked).slot.start == at(TUESDAY, "10:45")


def test_reschedule_into_a_taken_slot_is_refused_with_alternatives(clinic: Clinic) -> None:
    mine = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.book(PATIENT_11, at(TUESDAY, "15:00"))
    clinic.forget_the_past()

    with pytest.raises(SlotTaken) as caught:
        clinic.bus.handle(
            commands.RescheduleAppointment(
                actor=PATIENT_10, appointment_id=mine, start=at(TUESDAY, "15:00")
            )
        )

    assert caught.value.details["alternatives"] == [
        slot(TUESDAY, "14:00"),
        slot(TUESDAY, "14:30"),
        slot(TUESDAY, "15:30"),
    ]
    assert clinic.stored(mine).slot == slot(TUESDAY, "10:00")
    assert clinic.uow.outbox == []


@pytest.mark.parametrize(
    ("start", "error"),
    [
        (at(TUESDAY, "10:00"), InvalidTransition),  # where it already is
        (at(TUESDAY, "13:00"), InBreak),
        (at(TUESDAY, "10:20"), NotOnGrid),
        (at(MONDAY, "08:30"), OutsideWorkingHours),
    ],
)
def test_reschedule_follows_the_booking_rules(
    clinic: Clinic, start: datetime, error: type[Exception]
) -> None:
    mine = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.forget_the_past()

    with pytest.raises(error):
        clinic.bus.handle(
            commands.RescheduleAppointment(actor=PATIENT_10, appointment_id=mine, start=start)
        )
    assert clinic.stored(mine).slot == slot(TUESDAY, "10:00")
    assert not clinic.uow.committed


def test_someone_elses_appointment_cannot_be_rescheduled_or_even_seen(clinic: Clinic) -> None:
    mine = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id

    with pytest.raises(NotFound):
        clinic.bus.handle(
            commands.RescheduleAppointment(
                actor=PATIENT_11, appointment_id=mine, start=at(TUESDAY, "11:00")
            )
        )


# --- the other actions ------------------------------------------------------------------------

Build = Callable[[uuid.UUID], commands.AppointmentAction]


@pytest.mark.parametrize(
    ("doctor_id", "build", "after_start", "status", "event_type"),
    [
        (
            DR_APPROVES,
            lambda a: commands.ConfirmAppointment(actor=DOCTOR_4, appointment_id=a),
            timedelta(hours=-20),
            Status.BOOKED,
            events.AppointmentConfirmed,
        ),
        (
            DR_APPROVES,
            lambda a: commands.RejectAppointment(actor=DESK, appointment_id=a, reason="full"),
            timedelta(hours=-20),
            Status.REJECTED,
            events.AppointmentRejected,
        ),
        (
            DR_ONE,
            lambda a: commands.CancelAppointment(actor=PATIENT_10, appointment_id=a),
            timedelta(hours=-20),
            Status.CANCELLED,
            events.AppointmentCancelled,
        ),
        (
            DR_ONE,
            lambda a: commands.CheckInAppointment(actor=DESK, appointment_id=a),
            timedelta(minutes=-10),
            Status.ARRIVED,
            events.AppointmentCheckedIn,
        ),
        (
            DR_ONE,
            lambda a: commands.CompleteAppointment(actor=DOCTOR_1, appointment_id=a),
            timedelta(minutes=25),
            Status.FULFILLED,
            events.AppointmentCompleted,
        ),
        (
            DR_ONE,
            lambda a: commands.MarkNoShow(actor=DESK, appointment_id=a),
            timedelta(minutes=15),
            Status.NOSHOW,
            events.AppointmentMarkedNoShow,
        ),
    ],
)
def test_each_action_moves_the_appointment_and_commits_its_event(
    clinic: Clinic,
    doctor_id: int,
    build: Build,
    after_start: timedelta,
    status: Status,
    event_type: type[events.AppointmentEvent],
) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=doctor_id).appointment_id
    clinic.clock.now = at(TUESDAY, "10:00") + after_start
    clinic.forget_the_past()

    result = clinic.bus.handle(build(booked))

    assert result == CommandResult(booked)
    assert clinic.stored(booked).status is status
    assert clinic.stored(booked).version == 2
    assert [type(e) for e in clinic.uow.outbox] == [event_type]
    assert clinic.uow.committed


def test_an_action_carries_its_reason_into_the_event(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.forget_the_past()

    clinic.bus.handle(
        commands.CancelAppointment(actor=PATIENT_10, appointment_id=booked, reason="fever")
    )

    (event,) = clinic.uow.outbox
    assert isinstance(event, events.AppointmentCancelled)
    assert event.reason == "fever"


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (commands.ConfirmAppointment, NotAllowed),  # the patient is not staff
        (commands.CheckInAppointment, NotAllowed),
        (commands.CompleteAppointment, NotAllowed),
    ],
)
def test_a_patient_may_not_run_the_desk(
    clinic: Clinic, command: type[commands.AppointmentAction], error: type[Exception]
) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_APPROVES).appointment_id
    clinic.forget_the_past()

    with pytest.raises(error):
        clinic.bus.handle(command(actor=PATIENT_10, appointment_id=booked))
    assert clinic.stored(booked).status is Status.PENDING
    assert clinic.uow.outbox == []


def test_the_desk_may_not_complete_a_visit(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.clock.now = at(TUESDAY, "10:20")

    with pytest.raises(NotAllowed):
        clinic.bus.handle(commands.CompleteAppointment(actor=DESK, appointment_id=booked))


def test_a_doctor_sees_one_patient_at_a_time(clinic: Clinic) -> None:
    first = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    second = clinic.book(PATIENT_11, at(TUESDAY, "10:30")).appointment_id
    clinic.clock.now = at(TUESDAY, "09:50")
    for visit in (first, second):
        clinic.bus.handle(commands.CheckInAppointment(actor=DESK, appointment_id=visit))
    clinic.bus.handle(commands.StartConsultation(actor=DESK, appointment_id=first))

    with pytest.raises(InvalidTransition, match="still with another patient"):
        clinic.bus.handle(commands.StartConsultation(actor=DESK, appointment_id=second))
    clinic.clock.now = at(TUESDAY, "10:20")
    clinic.bus.handle(commands.CompleteAppointment(actor=DOCTOR_1, appointment_id=first))
    clinic.bus.handle(commands.StartConsultation(actor=DESK, appointment_id=second))

    assert clinic.stored(second).status is Status.IN_CONSULTATION


def test_the_desk_may_not_undo_a_completion(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.clock.now = at(TUESDAY, "10:20")
    clinic.bus.handle(commands.CompleteAppointment(actor=DOCTOR_1, appointment_id=booked))

    with pytest.raises(NotAllowed, match="undo a complete"):
        clinic.bus.handle(commands.UndoAppointmentChange(actor=DESK, appointment_id=booked))
    clinic.bus.handle(commands.UndoAppointmentChange(actor=DOCTOR_1, appointment_id=booked))
    assert clinic.stored(booked).status is Status.BOOKED


def test_an_illegal_action_commits_nothing(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id
    clinic.bus.handle(commands.CancelAppointment(actor=PATIENT_10, appointment_id=booked))
    clinic.forget_the_past()

    with pytest.raises(InvalidTransition):
        clinic.bus.handle(commands.ConfirmAppointment(actor=DOCTOR_1, appointment_id=booked))
    assert clinic.stored(booked).status is Status.CANCELLED
    assert clinic.uow.outbox == []
    assert not clinic.uow.committed


@pytest.mark.parametrize("actor", [PATIENT_10, DESK, ADMIN])
def test_an_unknown_appointment_is_not_found(clinic: Clinic, actor: Actor) -> None:
    with pytest.raises(NotFound):
        clinic.bus.handle(commands.CancelAppointment(actor=actor, appointment_id=uuid.uuid4()))


def test_other_patients_cannot_tell_an_appointment_exists(clinic: Clinic) -> None:
    booked = clinic.book(PATIENT_10, at(TUESDAY, "10:00")).appointment_id

    with pytest.raises(NotFound):
        clinic.bus.handle(commands.CancelAppointment(actor=PATIENT_11, appointment_id=booked))


# --- what a booking names ---------------------------------------------------------------------


def test_an_unknown_doctor_is_invalid_input(clinic: Clinic) -> None:
    with pytest.raises(InvalidInput) as caught:
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=999)
    assert caught.value.details["field"] == "doctor_id"


def test_an_unverified_doctor_takes_no_bookings(clinic: Clinic) -> None:
    with pytest.raises(InvalidInput) as caught:
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_UNVERIFIED)
    assert caught.value.details["field"] == "doctor_id"
    assert clinic.uow.appointments.all_stored() == []


def test_an_unknown_patient_is_invalid_input(clinic: Clinic) -> None:
    with pytest.raises(InvalidInput) as caught:
        clinic.book(DESK, at(TUESDAY, "10:00"), patient_id=999)
    assert caught.value.details["field"] == "patient_id"


def test_a_doctor_not_at_the_clinic_is_invalid_input(clinic: Clinic) -> None:
    with pytest.raises(InvalidInput) as caught:
        clinic.book(
            ADMIN, at(TUESDAY, "10:00"), doctor_id=DR_TWO, clinic_id=OTHER_CLINIC, patient_id=10
        )
    assert caught.value.details["field"] == "clinic_id"


def test_a_patient_cannot_book_for_another_patient(clinic: Clinic) -> None:
    with pytest.raises(NotAllowed):
        clinic.book(PATIENT_10, at(TUESDAY, "10:00"), patient_id=11)
    assert clinic.uow.appointments.all_stored() == []


def test_a_doctor_books_only_into_their_own_schedule(clinic: Clinic) -> None:
    with pytest.raises(NotAllowed):
        clinic.book(DOCTOR_1, at(TUESDAY, "10:00"), doctor_id=DR_TWO, patient_id=10)
    clinic.book(DOCTOR_1, at(TUESDAY, "10:00"), patient_id=10)


# --- reads ------------------------------------------------------------------------------------


def test_free_slots_lose_what_is_booked_and_what_the_patient_holds(clinic: Clinic) -> None:
    clinic.book(PATIENT_10, at(TUESDAY, "10:00"), doctor_id=DR_ONE)
    clinic.book(PATIENT_11, at(TUESDAY, "10:30"), doctor_id=DR_TWO)

    with clinic.uow as uow:
        for_anyone = queries.free_slots(
            uow,
            doctor_id=DR_TWO,
            clinic_id=CLINIC,
            first_day=TUESDAY,
            last_day=TUESDAY,
            now=clinic.clock(),
        )
        for_sara = queries.free_slots(
            uow,
            doctor_id=DR_TWO,
            clinic_id=CLINIC,
            first_day=TUESDAY,
            last_day=TUESDAY,
            now=clinic.clock(),
            patient_id=10,
        )

    assert slot(TUESDAY, "10:30") not in for_anyone
    assert slot(TUESDAY, "10:00") in for_anyone
    assert slot(TUESDAY, "10:00") not in for_sara
    assert len(for_anyone) == 11
    assert len(for_sara) == 10
