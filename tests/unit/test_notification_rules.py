"""Who is told what and when (domain.notifications), and the event handler that asks for it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scheduler.domain import events
from scheduler.domain.events import AppointmentEvent
from scheduler.domain.intervals import Interval
from scheduler.domain.notifications import (
    DEFAULT_REMINDER_OFFSETS,
    Audience,
    Kind,
    PlannedMessage,
    plan,
    skip_reason,
)
from scheduler.services.handlers import EVENT_HANDLERS, notify_people
from scheduler.services.ports import Dependencies, SlotChange

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
HOURS = timedelta(hours=1)


def event(
    kind: type[AppointmentEvent], *, status: str = "booked", start: datetime = START, **extra: Any
) -> Any:
    return kind(
        occurred_at=NOW,
        appointment_id=uuid.uuid4(),
        version=1,
        doctor_id=1,
        patient_id=2,
        clinic_id=3,
        start=start,
        end=start + timedelta(minutes=30),
        status=status,
        actor_user_id=None,
        **extra,
    )


def kinds(messages: Sequence[PlannedMessage]) -> list[Kind]:
    return [message.kind for message in messages]


def test_a_booking_confirms_at_once_and_plans_a_reminder_per_offset() -> None:
    messages = plan(event(events.AppointmentBooked), DEFAULT_REMINDER_OFFSETS)

    assert kinds(messages) == [Kind.BOOKED, Kind.REMINDER, Kind.REMINDER]
    assert messages[0].scheduled_for == NOW
    assert [m.scheduled_for for m in messages[1:]] == [START - 24 * HOURS, START - 2 * HOURS]
    assert {m.about_start for m in messages} == {START}


def test_a_reminder_whose_moment_passed_before_the_booking_is_not_planned() -> None:
    late = event(events.AppointmentBooked, start=NOW + 3 * HOURS)

    messages = plan(late, DEFAULT_REMINDER_OFFSETS)

    assert [m.scheduled_for for m in messages if m.kind is Kind.REMINDER] == [NOW + HOURS]


def test_a_request_tells_the_patient_and_the_doctor_and_reminds_nobody_yet() -> None:
    messages = plan(event(events.AppointmentRequested, status="pending"), DEFAULT_REMINDER_OFFSETS)

    assert kinds(messages) == [Kind.REQUESTED, Kind.DOCTOR_REQUEST]
    assert [m.kind.audience for m in messages] == [Audience.PATIENT, Audience.DOCTOR]


def test_a_confirmation_plans_the_reminders() -> None:
    messages = plan(event(events.AppointmentConfirmed), [timedelta(hours=5)])

    assert kinds(messages) == [Kind.CONFIRMED, Kind.REMINDER]


def test_a_cancellation_tells_both_with_the_reason_and_reminds_nobody() -> None:
    messages = plan(
        event(events.AppointmentCancelled, status="cancelled", reason="ill"),
        DEFAULT_REMINDER_OFFSETS,
    )

    assert kinds(messages) == [Kind.CANCELLED, Kind.DOCTOR_CANCELLED]
    assert {m.reason for m in messages} == {"ill"}


def test_a_reschedule_says_where_from_and_plans_reminders_for_the_new_time() -> None:
    before = START - timedelta(days=1)
    moved = event(
        events.AppointmentRescheduled,
        previous_start=before,
        previous_end=before + timedelta(minutes=30),
    )

    messages = plan(moved, [2 * HOURS])

    assert kinds(messages) == [Kind.RESCHEDULED, Kind.REMINDER]
    assert messages[0].previous_start == before
    assert messages[1].scheduled_for == START - 2 * HOURS


def test_a_rescheduled_request_still_pending_gets_no_reminder() -> None:
    moved = event(
        events.AppointmentRescheduled,
        status="pending",
        previous_start=NOW,
        previous_end=NOW + timedelta(minutes=30),
    )

    assert kinds(plan(moved, DEFAULT_REMINDER_OFFSETS)) == [Kind.RESCHEDULED]


@pytest.mark.parametrize(
    "kind",
    [events.AppointmentCheckedIn, events.AppointmentCompleted, events.AppointmentMarkedNoShow],
)
def test_the_visit_itself_sends_nothing(kind: type[AppointmentEvent]) -> None:
    assert plan(event(kind), DEFAULT_REMINDER_OFFSETS) == []


def test_one_offset_given_twice_is_one_reminder() -> None:
    messages = plan(event(events.AppointmentBooked), [2 * HOURS, 2 * HOURS])

    assert kinds(messages) == [Kind.BOOKED, Kind.REMINDER]


# -- when it falls due ---------------------------------------------------------------------


def reason(
    kind: Kind, status: str = "booked", *, start: datetime = START, now: datetime = NOW
) -> str | None:
    return skip_reason(kind, about_start=START, status=status, start=start, now=now)


def test_a_reminder_for_a_visit_as_planned_goes_out() -> None:
    assert reason(Kind.REMINDER) is None


@pytest.mark.parametrize("status", ["cancelled", "rejected", "pending", "arrived", "noshow"])
def test_a_reminder_for_a_visit_not_booked_is_skipped(status: str) -> None:
    assert reason(Kind.REMINDER, status) == f"the appointment is {status}"


def test_a_reminder_for_a_moved_visit_is_skipped() -> None:
    assert reason(Kind.REMINDER, start=START + HOURS) == "the appointment was moved"


def test_a_reminder_that_comes_after_the_start_is_skipped() -> None:
    assert reason(Kind.REMINDER, now=START) == "the visit has begun"


def test_a_confirmation_for_a_visit_cancelled_since_is_skipped() -> None:
    assert reason(Kind.BOOKED, "cancelled") == "the appointment is cancelled"
    assert reason(Kind.BOOKED, "booked") is None


def test_a_request_answered_before_the_message_went_out_is_skipped() -> None:
    assert reason(Kind.DOCTOR_REQUEST, "booked") == "the request was answered (booked)"
    assert reason(Kind.DOCTOR_REQUEST, "pending") is None


@pytest.mark.parametrize("kind", [Kind.CANCELLED, Kind.REJECTED, Kind.DOCTOR_CANCELLED])
def test_news_of_an_end_is_always_sent(kind: Kind) -> None:
    assert reason(kind, "cancelled", start=START + HOURS, now=START + HOURS) is None


# -- the handler ---------------------------------------------------------------------------


@dataclass
class FakeNotifier:
    offsets: Sequence[timedelta] = DEFAULT_REMINDER_OFFSETS
    scheduled: list[tuple[AppointmentEvent, list[PlannedMessage]]] = field(default_factory=list)
    offset_reads: int = 0

    def reminder_offsets(self, clinic_id: int) -> Sequence[timedelta]:
        self.offset_reads += 1
        return self.offsets

    def schedule(self, event: AppointmentEvent, messages: Sequence[PlannedMessage]) -> None:
        self.scheduled.append((event, list(messages)))


class NoLog:
    def record(self, event: events.Event) -> None:
        pass


class NoSlots:
    def publish(self, change: SlotChange) -> None:
        pass

    def repaint(self, doctor_id: int, window: Interval, change_id: uuid.UUID) -> None:
        pass


def deps(notifier: FakeNotifier) -> Dependencies:
    return Dependencies(log=NoLog(), slots=NoSlots(), notifier=notifier)


def test_the_handler_plans_with_the_clinics_offsets() -> None:
    notifier = FakeNotifier(offsets=[timedelta(hours=6)])
    booked = event(events.AppointmentBooked)

    notify_people(booked, deps(notifier))

    [(seen, messages)] = notifier.scheduled
    assert seen is booked
    assert [m.scheduled_for for m in messages] == [NOW, START - 6 * HOURS]


def test_the_handler_reads_no_offsets_for_an_event_without_reminders() -> None:
    notifier = FakeNotifier()

    notify_people(event(events.AppointmentCancelled), deps(notifier))

    assert notifier.offset_reads == 0
    assert kinds(notifier.scheduled[0][1]) == [Kind.CANCELLED, Kind.DOCTOR_CANCELLED]


def test_the_handler_is_routed_for_the_events_that_tell_someone() -> None:
    routed = {kind for kind, handlers in EVENT_HANDLERS.items() if notify_people in handlers}

    assert routed == {
        events.AppointmentRequested,
        events.AppointmentBooked,
        events.AppointmentConfirmed,
        events.AppointmentRejected,
        events.AppointmentCancelled,
        events.AppointmentRescheduled,
        events.AppointmentDisplaced,
    }
