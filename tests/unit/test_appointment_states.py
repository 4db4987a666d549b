"""The Appointment aggregate: every (status, action) pair, history, events and versions."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain import events
from scheduler.domain.appointment import ACTIVE, Appointment, Change, Status
from scheduler.domain.errors import InvalidTransition
from scheduler.domain.intervals import Interval

START = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)  # 10:00 in Tehran
SLOT = Interval(START, START + timedelta(minutes=30))
LATER_SLOT = Interval(START + timedelta(hours=2), START + timedelta(hours=2, minutes=30))
DURING = START + timedelta(minutes=10)  # every time rule is satisfied while the visit runs
ACTOR = 77
TEHRAN = "Asia/Tehran"

Act = Callable[[Appointment, datetime], None]

ACTIONS: dict[str, Act] = {
    "confirm": lambda a, now: a.confirm(actor_user_id=ACTOR, now=now),
    "reject": lambda a, now: a.reject(actor_user_id=ACTOR, now=now, reason="full"),
    "cancel": lambda a, now: a.cancel(actor_user_id=ACTOR, now=now, reason="ill"),
    "check_in": lambda a, now: a.check_in(actor_user_id=ACTOR, now=now, zone=TEHRAN),
    "start": lambda a, now: a.start_consultation(actor_user_id=ACTOR, now=now),
    "complete": lambda a, now: a.complete(actor_user_id=ACTOR, now=now),
    "no_show": lambda a, now: a.mark_no_show(actor_user_id=ACTOR, now=now),
    "reschedule": lambda a, now: a.reschedule(slot=LATER_SLOT, actor_user_id=ACTOR, now=now),
}

# The specification, written out rather than read from TRANSITIONS.
LEGAL: dict[tuple[Status, str], tuple[Status, type[events.AppointmentEvent]]] = {
    (Status.PENDING, "confirm"): (Status.BOOKED, events.AppointmentConfirmed),
    (Status.PENDING, "reject"): (Status.REJECTED, events.AppointmentRejected),
    (Status.PENDING, "cancel"): (Status.CANCELLED, events.AppointmentCancelled),
    (Status.PENDING, "reschedule"): (Status.PENDING, events.AppointmentRescheduled),
    (Status.BOOKED, "cancel"): (Status.CANCELLED, events.AppointmentCancelled),
    (Status.BOOKED, "check_in"): (Status.ARRIVED, events.AppointmentCheckedIn),
    (Status.BOOKED, "complete"): (Status.FULFILLED, events.AppointmentCompleted),
    (Status.BOOKED, "no_show"): (Status.NOSHOW, events.AppointmentMarkedNoShow),
    (Status.BOOKED, "reschedule"): (Status.BOOKED, events.AppointmentRescheduled),
    (Status.ARRIVED, "start"): (Status.IN_CONSULTATION, events.AppointmentStarted),
    (Status.ARRIVED, "complete"): (Status.FULFILLED, events.AppointmentCompleted),
    (Status.ARRIVED, "no_show"): (Status.NOSHOW, events.AppointmentMarkedNoShow),  # left
    (Status.IN_CONSULTATION, "complete"): (Status.FULFILLED, events.AppointmentCompleted),
}

ALL_PAIRS = [(status, action) for status in Status for action in ACTIONS]


def appointment_in(status: Status, *, slot: Interval = SLOT, version: int = 3) -> Appointment:
    earlier = Change(START - timedelta(days=1), 1, "book", None, Status.BOOKED)
    return Appointment(
        id=uuid.uuid4(),
        doctor_id=1,
        patient_id=10,
        clinic_id=100,
        slot=slot,
        status=status,
        reason="checkup",
        version=version,
        history=[earlier],
    )


@dataclass(frozen=True)
class Snapshot:
    status: Status
    slot: Interval
    version: int
    history: list[Change]
    events: list[events.Event]

    @classmethod
    def of(cls, appointment: Appointment) -> Snapshot:
        return cls(
            appointment.status,
            appointment.slot,
            appointment.version,
            copy.copy(appointment.history),
            copy.copy(appointment.events),
        )


def test_the_table_covers_every_pair() -> None:
    assert len(ALL_PAIRS) == len(Status) * len(ACTIONS) == 80  # holds: no action applies
    assert set(LEGAL) <= set(ALL_PAIRS)


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p in LEGAL])
def test_a_legal_move_changes_status_history_version_and_records_one_event(
    status: Status, action: str
) -> None:
    appointment = appointment_in(status)
    target, event_type = LEGAL[(status, action)]

    ACTIONS[action](appointment, DURING)

    assert appointment.status is target
    assert appointment.version == 4
    assert len(appointment.history) == 2
    change = appointment.history[-1]
    assert (change.at, change.actor_user_id, change.action) == (DURING, ACTOR, action)
    assert (change.from_status, change.to_status) == (status, target)
    assert len(appointment.events) == 1
    (event,) = appointment.events
    assert type(event) is event_type
    assert isinstance(event, events.AppointmentEvent)
    assert event.appointment_id == appointment.id
    assert event.version == 4
    assert event.status == target.value
    assert event.occurred_at == DURING
    assert event.actor_user_id == ACTOR
    assert (event.start, event.end) == (appointment.slot.start, appointment.slot.end)
    assert (event.doctor_id, event.patient_id, event.clinic_id) == (1, 10, 100)


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_an_illegal_move_is_refused_and_changes_nothing(status: Status, action: str) -> None:
    appointment = appointment_in(status)
    before = Snapshot.of(appointment)

    with pytest.raises(InvalidTransition):
        ACTIONS[action](appointment, DURING)

    assert Snapshot.of(appointment) == before


def test_the_table_matches_the_aggregates_transitions_and_active_states() -> None:
    from scheduler.domain.appointment import TRANSITIONS

    moved = {
        (status, target) for (status, action), (target, _) in LEGAL.items() if target != status
    }
    assert moved == {(s, t) for s, targets in TRANSITIONS.items() for t in targets}
    assert {Status.PENDING, Status.BOOKED, Status.ARRIVED, Status.IN_CONSULTATION} == ACTIVE


# --- creation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs_confirmation", "status", "action", "event_type"),
    [
        (False, Status.BOOKED, "book", events.AppointmentBooked),
        (True, Status.PENDING, "request", events.AppointmentRequested),
    ],
)
def test_create_records_the_first_line_of_history_and_one_event(
    needs_confirmation: bool,
    status: Status,
    action: str,
    event_type: type[events.AppointmentEvent],
) -> None:
    appointment = Appointment.create(
        doctor_id=1,
        patient_id=10,
        clinic_id=100,
        slot=SLOT,
        reason="checkup",
        needs_confirmation=needs_confirmation,
        actor_user_id=ACTOR,
        now=START - timedelta(days=1),
    )

    assert appointment.status is status
    assert appointment.is_active
    assert appointment.version == 1
    assert appointment.history == [Change(START - timedelta(days=1), ACTOR, action, None, status)]
    (event,) = appointment.events
    assert type(event) is event_type
    assert event.version == 1


def test_a_life_numbers_its_events_one_by_one() -> None:
    appointment = Appointment.create(
        doctor_id=1,
        patient_id=10,
        clinic_id=100,
        slot=SLOT,
        reason="",
        needs_confirmation=True,
        actor_user_id=ACTOR,
        now=START - timedelta(days=2),
    )
    appointment.reschedule(slot=LATER_SLOT, actor_user_id=ACTOR, now=START - timedelta(days=2))
    appointment.confirm(actor_user_id=ACTOR, now=START - timedelta(days=1))
    appointment.check_in(actor_user_id=ACTOR, now=LATER_SLOT.start, zone=TEHRAN)
    appointment.complete(actor_user_id=ACTOR, now=LATER_SLOT.start + timedelta(minutes=20))

    assert [type(e).__name__ for e in appointment.events] == [
        "AppointmentRequested",
        "AppointmentRescheduled",
        "AppointmentConfirmed",
        "AppointmentCheckedIn",
        "AppointmentCompleted",
    ]
    assert [e.version for e in appointment.events if isinstance(e, events.AppointmentEvent)] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert [c.action for c in appointment.history] == [
        "request",
        "reschedule",
        "confirm",
        "check_in",
        "complete",
    ]
    assert appointment.status is Status.FULFILLED
    assert not appointment.is_active


# --- reschedule -------------------------------------------------------------------------------


def test_reschedule_keeps_the_id_and_tells_where_it_was() -> None:
    appointment = appointment_in(Status.BOOKED)
    original_id = appointment.id

    appointment.reschedule(slot=LATER_SLOT, actor_user_id=ACTOR, now=START - timedelta(hours=3))

    assert appointment.id == original_id
    assert appointment.slot == LATER_SLOT
    assert appointment.status is Status.BOOKED
    (event,) = appointment.events
    assert isinstance(event, events.AppointmentRescheduled)
    assert (event.previous_start, event.previous_end) == (SLOT.start, SLOT.end)
    assert (event.start, event.end) == (LATER_SLOT.start, LATER_SLOT.end)
    assert appointment.history[-1].note == f"from {SLOT.start.isoformat()}"


def test_reschedule_to_the_same_time_is_refused() -> None:
    appointment = appointment_in(Status.BOOKED)
    before = Snapshot.of(appointment)

    with pytest.raises(InvalidTransition):
        appointment.reschedule(slot=SLOT, actor_user_id=ACTOR, now=START - timedelta(hours=3))
    assert Snapshot.of(appointment) == before


def test_a_visit_that_is_over_cannot_be_rescheduled() -> None:
    appointment = appointment_in(Status.BOOKED)
    before = Snapshot.of(appointment)

    with pytest.raises(InvalidTransition):
        appointment.reschedule(slot=LATER_SLOT, actor_user_id=ACTOR, now=SLOT.end)
    assert Snapshot.of(appointment) == before


# --- time rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.PENDING, Status.BOOKED])
@pytest.mark.parametrize("after_end", [timedelta(0), timedelta(minutes=1), timedelta(days=3)])
def test_a_visit_that_is_over_cannot_be_cancelled(status: Status, after_end: timedelta) -> None:
    appointment = appointment_in(status)
    before = Snapshot.of(appointment)

    with pytest.raises(InvalidTransition):
        appointment.cancel(actor_user_id=ACTOR, now=SLOT.end + after_end)
    assert Snapshot.of(appointment) == before


def test_a_running_visit_can_still_be_cancelled() -> None:
    appointment = appointment_in(Status.BOOKED)

    appointment.cancel(actor_user_id=ACTOR, now=SLOT.end - timedelta(seconds=1), reason="left")

    assert appointment.status is Status.CANCELLED
    (event,) = appointment.events
    assert isinstance(event, events.AppointmentCancelled)
    assert event.reason == "left"
    assert appointment.history[-1].note == "left"


def test_a_request_for_a_visit_that_is_over_cannot_be_confirmed() -> None:
    appointment = appointment_in(Status.PENDING)

    with pytest.raises(InvalidTransition):
        appointment.confirm(actor_user_id=ACTOR, now=SLOT.end)
    assert appointment.status is Status.PENDING


@pytest.mark.parametrize(
    ("status", "action"),
    [(Status.BOOKED, "complete"), (Status.BOOKED, "no_show")],
)
def test_a_visit_cannot_be_closed_before_it_starts(status: Status, action: str) -> None:
    appointment = appointment_in(status)
    before = Snapshot.of(appointment)

    with pytest.raises(InvalidTransition):
        ACTIONS[action](appointment, START - timedelta(seconds=1))
    assert Snapshot.of(appointment) == before


def test_a_patient_who_checked_in_early_and_left_leaves_the_queue_at_once() -> None:
    appointment = appointment_in(Status.ARRIVED)

    appointment.mark_no_show(actor_user_id=ACTOR, now=START - timedelta(minutes=20))

    assert appointment.status is Status.NOSHOW


def test_a_patient_checked_in_may_be_seen_before_their_time() -> None:
    appointment = appointment_in(Status.ARRIVED)

    appointment.complete(actor_user_id=ACTOR, now=START - timedelta(minutes=20))

    assert appointment.status is Status.FULFILLED


@pytest.mark.parametrize("action", ["complete", "no_show"])
def test_a_visit_can_be_closed_from_its_start_on(action: str) -> None:
    appointment = appointment_in(Status.BOOKED)

    ACTIONS[action](appointment, START)

    assert not appointment.is_active


def test_reject_carries_its_reason() -> None:
    appointment = appointment_in(Status.PENDING)

    appointment.reject(actor_user_id=ACTOR, now=DURING, reason="not my specialty")

    (event,) = appointment.events
    assert isinstance(event, events.AppointmentRejected)
    assert event.reason == "not my specialty"


# -- the day of the visit, and taking back a mistake --------------------------------------------


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (START - timedelta(days=3), False),  # three days early
        (START - timedelta(hours=10, minutes=1), False),  # 23:59 Tehran the evening before
        (START - timedelta(hours=9, minutes=59), True),  # 00:01 Tehran that morning
        (START + timedelta(hours=10), True),  # that evening
        (START + timedelta(days=1), False),
    ],
)
def test_a_patient_checks_in_on_the_day_of_the_visit_in_the_clinics_calendar(
    now: datetime, allowed: bool
) -> None:
    appointment = appointment_in(Status.BOOKED)

    if allowed:
        appointment.check_in(actor_user_id=ACTOR, now=now, zone=TEHRAN)
        assert appointment.status is Status.ARRIVED
    else:
        with pytest.raises(InvalidTransition, match="on the day of the visit"):
            appointment.check_in(actor_user_id=ACTOR, now=now, zone=TEHRAN)
        assert appointment.status is Status.BOOKED


@pytest.mark.parametrize("action", ["check_in", "no_show", "complete"])
def test_a_check_in_completion_or_no_show_is_undone_within_ten_minutes_only(action: str) -> None:
    appointment = appointment_in(Status.BOOKED)
    ACTIONS[action](appointment, DURING)
    version = appointment.version

    with pytest.raises(InvalidTransition, match="10 minutes"):
        copy.deepcopy(appointment).undo(actor_user_id=ACTOR, now=DURING + timedelta(minutes=11))
    appointment.undo(actor_user_id=ACTOR, now=DURING + timedelta(minutes=9))

    assert appointment.status is Status.BOOKED
    assert appointment.version == version + 1
    assert appointment.history[-1].action == "undo"
    reverted = appointment.events[-1]
    assert isinstance(reverted, events.AppointmentReverted) and reverted.undone == action
    with pytest.raises(InvalidTransition, match="Only a check-in, a call-in, a completion"):
        appointment.undo(actor_user_id=ACTOR, now=DURING + timedelta(minutes=9))
