"""Every appointment event reaches the slot publisher; the groups and messages it makes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.adapters import realtime
from scheduler.domain import events
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role
from scheduler.services.handlers import EVENT_HANDLERS, publish_slot_change
from scheduler.services.ports import Dependencies, SlotChange

TEHRAN = ZoneInfo("Asia/Tehran")
AT = datetime(2026, 3, 21, 23, 30, tzinfo=TEHRAN)  # half an hour before a Tehran midnight


@dataclass
class RecordingPublisher:
    changes: list[SlotChange] = field(default_factory=list)
    repaints: list[tuple[int, Interval]] = field(default_factory=list)

    def publish(self, change: SlotChange) -> None:
        self.changes.append(change)

    def repaint(self, doctor_id: int, window: Interval, change_id: uuid.UUID) -> None:
        self.repaints.append((doctor_id, window))


class SilentLog:
    def record(self, event: events.Event) -> None:
        pass


def event_of(kind: type[events.AppointmentEvent], **extra: object) -> events.AppointmentEvent:
    values: dict[str, object] = {
        "occurred_at": AT,
        "appointment_id": uuid.uuid4(),
        "version": 3,
        "doctor_id": 7,
        "patient_id": 11,
        "clinic_id": 2,
        "start": AT,
        "end": AT + timedelta(minutes=30),
        "status": "booked",
        "actor_user_id": None,
    }
    values.update(extra)
    return kind(**values)  # type: ignore[arg-type]


def test_every_appointment_event_is_published() -> None:
    assert all(publish_slot_change in handlers for handlers in EVENT_HANDLERS.values())


@pytest.mark.parametrize(
    ("kind", "status", "taken"),
    [
        (events.AppointmentRequested, "pending", True),
        (events.AppointmentBooked, "booked", True),
        (events.AppointmentCheckedIn, "arrived", True),
        (events.AppointmentCancelled, "cancelled", False),
        (events.AppointmentRejected, "rejected", False),
        (events.AppointmentMarkedNoShow, "noshow", False),
        (events.AppointmentCompleted, "fulfilled", False),
    ],
)
def test_a_slot_is_taken_while_its_appointment_is_active(
    kind: type[events.AppointmentEvent], status: str, taken: bool
) -> None:
    publisher = RecordingPublisher()
    event = event_of(kind, status=status)

    publish_slot_change(event, Dependencies(log=SilentLog(), slots=publisher))

    [change] = publisher.changes
    assert change.taken is taken
    assert change.status == status
    assert change.version == 3
    assert change.appointment_id == event.appointment_id
    assert change.slot == Interval(event.start, event.end)
    assert change.released is None


def test_a_reschedule_releases_the_previous_slot() -> None:
    publisher = RecordingPublisher()
    before = AT - timedelta(days=1)
    event = event_of(
        events.AppointmentRescheduled,
        previous_start=before,
        previous_end=before + timedelta(minutes=30),
    )

    publish_slot_change(event, Dependencies(log=SilentLog(), slots=publisher))

    assert publisher.changes[0].released == Interval(before, before + timedelta(minutes=30))


def _change(**extra: object) -> SlotChange:
    values: dict[str, object] = {
        "appointment_id": uuid.uuid4(),
        "version": 2,
        "doctor_id": 7,
        "clinic_id": 2,
        "patient_id": 11,
        "status": "booked",
        "slot": Interval(AT, AT + timedelta(minutes=30)),
    }
    values.update(extra)
    return SlotChange(**values)  # type: ignore[arg-type]


def test_groups_are_the_doctors_local_day_the_clinics_desk_and_the_patient() -> None:
    sends = realtime.fan_out(_change(), TEHRAN)

    assert [group for group, _ in sends] == ["slots.7.2026-03-21", "desk.2", "patient.11"]
    assert [message["type"] for _, message in sends] == [
        "slots.changed",
        "desk.changed",
        "patient.changed",
    ]
    assert sends[2][1]["appointment"] == sends[1][1]["appointment"]
    # 01:00 in Tehran is still the day before in UTC: the clinic's calendar decides
    early = datetime(2026, 3, 22, 1, 0, tzinfo=TEHRAN)
    assert early.astimezone(ZoneInfo("UTC")).date().isoformat() == "2026-03-21"
    moved = _change(slot=Interval(early, early + timedelta(minutes=30)))
    assert realtime.fan_out(moved, TEHRAN)[0][0] == "slots.7.2026-03-22"


def test_a_move_across_days_reaches_both_days_with_one_message() -> None:
    before = Interval(AT - timedelta(days=2), AT - timedelta(days=2, minutes=-30))
    sends = realtime.fan_out(_change(released=before), TEHRAN)

    groups = [group for group, _ in sends]
    assert groups == ["slots.7.2026-03-19", "slots.7.2026-03-21", "desk.2", "patient.11"]
    assert sends[0][1] == sends[1][1]
    assert sends[0][1]["slot"]["released"] == realtime.interval_record(before)
    assert sends[2][1]["appointment"]["previous"] == realtime.interval_record(before)


def test_group_names_are_valid_for_channels() -> None:
    valid = re.compile(r"^[A-Za-z0-9\-_.]{1,99}$")
    names = [
        realtime.slot_group(2**63 - 1, AT.date()),
        realtime.desk_group(2**63 - 1),
        realtime.patient_group(2**63 - 1),
    ]
    assert all(valid.match(name) for name in names)


def test_the_public_part_names_no_appointment_and_no_patient() -> None:
    change = _change()
    [(_, slot_message), _desk, _patient] = realtime.fan_out(change, TEHRAN)

    public = slot_message["slot"]
    assert str(change.appointment_id) not in str(public)
    assert "patient_id" not in public
    assert public["key"] == realtime.appointment_key(change.appointment_id)
    assert public["key"] != realtime.appointment_key(uuid.uuid4())


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        (None, False),
        (Actor(1, Role.PATIENT, patient_id=11), True),  # the patient's own booking
        (Actor(1, Role.PATIENT, patient_id=12), False),
        (Actor(1, Role.DOCTOR, doctor_id=7), True),
        (Actor(1, Role.DOCTOR, doctor_id=8), False),
        (Actor(1, Role.RECEPTIONIST, clinic_id=2), True),
        (Actor(1, Role.RECEPTIONIST, clinic_id=3), False),
        (Actor(1, Role.ADMIN), True),
    ],
)
def test_the_booking_part_goes_only_to_who_may_see_it(viewer: Actor | None, sees: bool) -> None:
    change = _change()
    view = realtime.slot_view(realtime.slot_record(change), realtime.booking_record(change), viewer)

    assert (view["booking"] is not None) is sees
    assert view["state"] == "taken"


def test_busy_time_from_a_calendar_asks_the_grids_of_its_days_to_repaint() -> None:
    publisher = RecordingPublisher()
    window = Interval(AT, AT + timedelta(hours=1))  # 23:30 to 00:30 in Tehran

    publish_slot_change(
        events.AvailabilityChanged(occurred_at=AT, doctor_id=7, start=window.start, end=window.end),
        Dependencies(log=SilentLog(), slots=publisher),
    )

    assert publisher.repaints == [(7, window)]
    groups = realtime.repaints(7, window, [(2, TEHRAN), (3, TEHRAN)], uuid.uuid4())
    assert [group for group, _ in groups] == [
        "slots.7.2026-03-21",
        "slots.7.2026-03-22",
        "desk.2",
        "desk.3",
    ]
