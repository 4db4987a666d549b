"""Calendar sync use cases with the in-memory unit of work and a fake gateway: what is pushed,
what is pulled, how faults end, and busy times in the availability."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain import events
from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import DoctorAway
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Doctor, Patient, Role
from scheduler.domain.schedule import Schedule, WallInterval, WeeklyInterval
from scheduler.services import calendar_sync, commands, queries
from scheduler.services.busy_times import merged
from scheduler.services.calendar_sync import (
    BusyChanges,
    CalendarAccessRevoked,
    CalendarEntry,
    CalendarInfo,
    CalendarLink,
    CalendarRejected,
    CalendarUnavailable,
    Detail,
    EventExists,
    EventMissing,
    SyncTokenExpired,
)
from scheduler.services.handlers import EVENT_HANDLERS
from scheduler.services.ports import Dependencies
from tests.fakes import FakeUnitOfWork, FixedClock, make_bus

TEHRAN = ZoneInfo("Asia/Tehran")
TUESDAY = date(2026, 6, 2)
DR, CLINIC = 1, 100
PATIENT = Actor(1010, Role.PATIENT, patient_id=10)
DOCTOR = Actor(2001, Role.DOCTOR, doctor_id=DR)
CAL = "dr@example.test"


def at(clock: str, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), TEHRAN)


def span(start: str, end: str) -> Interval:
    return Interval(at(start), at(end))


@dataclass
class FakeGateway:
    """Google as a dict of events per calendar, with faults queued per operation."""

    events: dict[str, dict[str, CalendarEntry]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    faults: list[Exception] = field(default_factory=list)
    busy: dict[str, dict[str, Interval | None]] = field(default_factory=dict)
    token_valid: bool = True
    on_write: list[object] = field(default_factory=list)

    def _fault(self, call: str) -> None:
        self.calls.append(call)
        if self.faults:
            raise self.faults.pop(0)

    def calendars(self) -> list[CalendarInfo]:
        return [CalendarInfo(CAL, "Dr", primary=True, writable=True)]

    def insert_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        self._fault("insert")
        mine = self.events.setdefault(calendar_id, {})
        if entry.event_id in mine or entry.event_id in self.deleted:
            raise EventExists("409")
        mine[entry.event_id] = entry
        self._written()

    def patch_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        self._fault("patch")
        mine = self.events.setdefault(calendar_id, {})
        if entry.event_id not in mine and entry.event_id not in self.deleted:
            raise EventMissing("404")
        self.deleted.discard(entry.event_id)
        mine[entry.event_id] = entry
        self._written()

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._fault("delete")
        if self.events.get(calendar_id, {}).pop(event_id, None) is not None:
            self.deleted.add(event_id)

    def busy_changes(
        self, calendar_id: str, sync_token: str | None, *, since: datetime
    ) -> BusyChanges:
        self._fault(f"list {sync_token}")
        if sync_token and not self.token_valid:
            self.token_valid = True
            raise SyncTokenExpired("410")
        blocks = self.busy.get(calendar_id, {})
        if sync_token:
            return BusyChanges(blocks, f"{sync_token}+", full=False)
        return BusyChanges({k: v for k, v in blocks.items() if v}, "t1", full=True)

    def _written(self) -> None:
        while self.on_write:
            action = self.on_write.pop(0)
            assert callable(action)
            action()


@dataclass
class FakeLinks:
    gateway_: FakeGateway
    link: CalendarLink | None
    state: list[tuple[str, bool]] = field(default_factory=list)
    tokens_unreadable: bool = False

    def get(self, doctor_id: int) -> CalendarLink | None:
        return self.link if self.link and self.link.doctor_id == doctor_id else None

    def gateway(self, doctor_id: int) -> FakeGateway:
        if self.tokens_unreadable:
            raise CalendarAccessRevoked("The stored tokens cannot be opened with the token key.")
        return self.gateway_

    def succeeded(self, doctor_id: int, at: datetime) -> None:
        self.state.append(("ok", False))

    def failed(self, doctor_id: int, at: datetime, error: str, *, broken: bool) -> None:
        self.state.append((error, broken))
        if broken and self.link:
            self.link = replace(self.link, broken=True)


@dataclass
class World:
    uow: FakeUnitOfWork
    clock: FixedClock
    gateway: FakeGateway
    links: FakeLinks

    def book(self, start: datetime, reason: str = "Chest pain") -> uuid.UUID:
        command = commands.BookAppointment(
            actor=PATIENT, doctor_id=DR, clinic_id=CLINIC, start=start, reason=reason
        )
        return make_bus(self.uow, self.clock).handle(command).appointment_id

    def handle(self, command: commands.Command) -> None:
        make_bus(self.uow, self.clock).handle(command)

    def push(self, appointment_id: uuid.UUID, *, created: bool = False) -> str:
        return calendar_sync.push_appointment(
            appointment_id, uow=self.uow, links=self.links, now=self.clock(), created=created
        ).action

    def pull(self) -> calendar_sync.Outcome:
        return calendar_sync.pull_busy(DR, uow=self.uow, links=self.links, now=self.clock())


@pytest.fixture
def world() -> World:
    hours = tuple(WeeklyInterval(day, WallInterval(time(10), time(17))) for day in range(7))
    uow = FakeUnitOfWork(
        doctors=[Doctor(DR, "Dr One", "cardiology", "MC-1", True)],
        patients=[Patient(10, "Sara Ahmadi")],
        schedules=[Schedule(doctor_id=DR, clinic_id=CLINIC, timezone="Asia/Tehran", hours=hours)],
    )
    gateway = FakeGateway()
    links = FakeLinks(gateway, CalendarLink(DR, CAL, busy_calendars=(CAL,)))
    return World(uow, FixedClock(at("08:00", TUESDAY - timedelta(days=1))), gateway, links)


# -- push ---------------------------------------------------------------------------------------


def test_a_booking_is_inserted_under_an_id_derived_from_the_appointment(world: World) -> None:
    appointment_id = world.book(at("10:00"))

    assert world.push(appointment_id, created=True) == "inserted"

    entry = world.gateway.events[CAL][appointment_id.hex]
    assert (entry.start, entry.end) == (at("10:00"), at("10:30"))
    assert entry.summary == "Appointment · Sara · Chest pain"
    assert world.gateway.calls == ["insert"]
    assert world.links.state == [("ok", False)]


def test_running_the_job_again_updates_the_one_event(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.push(appointment_id, created=True)

    assert world.push(appointment_id, created=True) == "updated"
    assert world.push(appointment_id) == "updated"

    assert list(world.gateway.events[CAL]) == [appointment_id.hex]
    assert world.gateway.calls == ["insert", "insert", "patch", "patch"]


def test_a_reschedule_patches_and_inserts_when_google_lost_the_event(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.handle(
        commands.RescheduleAppointment(
            actor=DOCTOR, appointment_id=appointment_id, start=at("11:00")
        )
    )

    assert world.push(appointment_id) == "inserted"  # patch: 404, then insert
    assert world.gateway.calls == ["patch", "insert"]
    assert world.gateway.events[CAL][appointment_id.hex].start == at("11:00")


def test_a_cancelled_or_pending_appointment_has_no_event(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.push(appointment_id, created=True)
    world.handle(commands.CancelAppointment(actor=PATIENT, appointment_id=appointment_id))

    assert world.push(appointment_id) == "deleted"
    assert world.push(appointment_id) == "deleted"  # gone already: still done
    assert world.gateway.events[CAL] == {}


def test_a_job_that_finds_the_appointment_moved_meanwhile_writes_again(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.gateway.on_write.append(
        lambda: world.handle(
            commands.RescheduleAppointment(
                actor=DOCTOR, appointment_id=appointment_id, start=at("12:00")
            )
        )
    )

    world.push(appointment_id, created=True)

    assert world.gateway.calls == ["insert", "patch"]
    assert world.gateway.events[CAL][appointment_id.hex].start == at("12:00")


@pytest.mark.parametrize(
    "link",
    [None, CalendarLink(DR, CAL, broken=True), CalendarLink(DR, "")],
    ids=["no connection", "broken", "no target calendar"],
)
def test_nothing_is_pushed_without_a_working_target(
    world: World, link: CalendarLink | None
) -> None:
    world.links.link = link
    appointment_id = world.book(at("10:00"))

    assert world.push(appointment_id, created=True) == "skipped"
    assert world.gateway.calls == []


def test_a_transient_fault_is_recorded_and_raised_for_a_retry(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.gateway.faults.append(CalendarUnavailable("HTTP 429 rateLimitExceeded"))

    with pytest.raises(CalendarUnavailable):
        world.push(appointment_id, created=True)

    assert world.links.state == [("CalendarUnavailable: HTTP 429 rateLimitExceeded", False)]
    assert world.push(appointment_id, created=True) == "inserted"


@pytest.mark.parametrize(
    ("fault", "broken"),
    [(CalendarAccessRevoked("invalid_grant"), True), (CalendarRejected("HTTP 400"), False)],
)
def test_a_permanent_fault_is_recorded_and_not_retried(
    world: World, fault: Exception, broken: bool
) -> None:
    appointment_id = world.book(at("10:00"))
    world.gateway.faults.append(fault)

    assert world.push(appointment_id, created=True) == "failed"

    assert world.links.state[-1][1] is broken


def test_tokens_that_cannot_be_opened_break_the_connection_instead_of_failing_the_job(
    world: World,
) -> None:
    appointment_id = world.book(at("10:00"))
    world.links.tokens_unreadable = True  # the token key was changed

    assert world.push(appointment_id, created=True) == "failed"
    assert world.pull().action == "skipped"  # broken now: nothing more is tried

    assert world.links.state == [
        ("CalendarAccessRevoked: The stored tokens cannot be opened with the token key.", True)
    ]


@pytest.mark.parametrize(
    ("detail", "summary", "shows_reason"),
    [
        (Detail.NONE, "Appointment", False),
        (Detail.FIRST_NAME, "Appointment · Sara", False),
        (Detail.FIRST_NAME_REASON, "Appointment · Sara · Pain in the left knee after a…", False),
        (Detail.FULL, "Appointment · Sara Ahmadi · Pain in the left knee after a…", True),
    ],
)
def test_the_event_shows_no_more_of_the_patient_than_the_doctor_chose(
    detail: Detail, summary: str, shows_reason: bool
) -> None:
    reason = "Pain in the left knee after a fall, and swelling\nsince Monday"
    title, description = calendar_sync.event_text(detail, "Sara Ahmadi", reason)

    assert title == summary
    assert ("since Monday" in description) is shows_reason
    assert "Ahmadi" not in description


def test_the_handler_queues_a_push_for_the_four_events_only() -> None:
    pushed: list[tuple[int, uuid.UUID, bool]] = []

    class Recorder:
        def push(self, doctor_id: int, appointment_id: uuid.UUID, *, created: bool) -> None:
            pushed.append((doctor_id, appointment_id, created))

    deps = cast(Dependencies, SimpleNamespace(calendar=Recorder()))
    appointment_id = uuid.uuid4()
    base = {
        "occurred_at": at("08:00"),
        "appointment_id": appointment_id,
        "version": 1,
        "doctor_id": DR,
        "patient_id": 10,
        "clinic_id": CLINIC,
        "start": at("10:00"),
        "end": at("10:30"),
        "status": "booked",
        "actor_user_id": None,
    }
    for event in (
        events.AppointmentBooked(**base),
        events.AppointmentConfirmed(**base),
        events.AppointmentRescheduled(**base, previous_start=at("09:00"), previous_end=at("09:30")),
        events.AppointmentCancelled(**base),
        events.AppointmentCheckedIn(**base),
        events.AppointmentRequested(**base),
    ):
        for handler in EVENT_HANDLERS[type(event)]:
            if handler is calendar_sync.push_to_google_calendar:
                handler(event, deps)

    assert pushed == [
        (DR, appointment_id, True),
        (DR, appointment_id, True),
        (DR, appointment_id, False),
        (DR, appointment_id, False),
    ]


# -- pull ---------------------------------------------------------------------------------------


def test_a_first_pull_stores_the_busy_times_and_announces_them(world: World) -> None:
    world.gateway.busy[CAL] = {"a": span("11:00", "12:00"), "b": span("15:00", "15:30")}

    assert world.pull().action == "pulled"

    with world.uow:
        assert world.uow.busy_blocks.of_calendar(DR, CAL) == world.gateway.busy[CAL]
        assert world.uow.busy_blocks.sync_token(DR, CAL) == "t1"
    (changed,) = world.uow.outbox  # one span: the blocks are within a day of each other
    assert isinstance(changed, events.AvailabilityChanged)
    assert (changed.doctor_id, changed.start, changed.end) == (DR, at("11:00"), at("15:30"))


def test_an_incremental_pull_applies_changes_and_announces_only_what_moved(
    world: World,
) -> None:
    world.gateway.busy[CAL] = {"a": span("11:00", "12:00"), "b": span("15:00", "15:30")}
    world.pull()
    world.uow.outbox.clear()
    world.gateway.busy[CAL] = {"a": None, "c": span("16:00", "16:30")}

    world.pull()

    with world.uow:
        assert world.uow.busy_blocks.of_calendar(DR, CAL) == {
            "b": span("15:00", "15:30"),
            "c": span("16:00", "16:30"),
        }
        assert world.uow.busy_blocks.sync_token(DR, CAL) == "t1+"
    assert [(e.start, e.end) for e in world.uow.outbox] == [(at("11:00"), at("16:30"))]  # type: ignore[attr-defined]
    world.uow.outbox.clear()
    world.gateway.busy[CAL] = {}
    world.pull()
    assert world.uow.outbox == []  # nothing moved, nothing announced


def test_an_expired_sync_token_means_a_full_read(world: World) -> None:
    world.gateway.busy[CAL] = {"a": span("11:00", "12:00")}
    world.pull()
    world.gateway.token_valid = False
    world.gateway.busy[CAL] = {"b": span("12:00", "13:00")}

    world.pull()

    assert world.gateway.calls == ["list None", "list t1", "list None"]
    with world.uow:
        assert world.uow.busy_blocks.of_calendar(DR, CAL) == {"b": span("12:00", "13:00")}


def test_blocks_of_a_calendar_no_longer_chosen_or_of_a_gone_connection_are_dropped(
    world: World,
) -> None:
    world.gateway.busy[CAL] = {"a": span("11:00", "12:00")}
    world.pull()
    world.links.link = CalendarLink(DR, CAL, busy_calendars=())

    assert world.pull().action == "skipped"
    with world.uow:
        assert world.uow.busy_blocks.calendars(DR) == set()
    world.links.link = None
    assert world.pull().action == "skipped"


def test_a_broken_connection_keeps_its_last_known_busy_times(world: World) -> None:
    world.gateway.busy[CAL] = {"a": span("11:00", "12:00")}
    world.pull()
    world.gateway.faults.append(CalendarAccessRevoked("invalid_grant"))

    assert world.pull().action == "failed"
    assert world.links.state[-1] == ("CalendarAccessRevoked: invalid_grant", True)
    assert world.pull().action == "skipped"
    with world.uow:
        assert world.uow.busy_blocks.for_doctor(DR, span("10:00", "17:00")) == [
            span("11:00", "12:00")
        ]


def test_merged_joins_what_overlaps_or_lies_within_the_gap() -> None:
    parts = [span("10:00", "11:00"), span("10:30", "12:00"), span("14:00", "15:00")]

    assert merged(parts) == [span("10:00", "12:00"), span("14:00", "15:00")]
    assert merged(parts, gap=timedelta(hours=3)) == [span("10:00", "15:00")]


# -- busy times in the availability -------------------------------------------------------------


def test_busy_times_take_their_slots_out_and_a_booking_there_is_refused(world: World) -> None:
    world.uow.busy_blocks.add(DR, CAL, {"x": span("11:00", "11:45")})

    with world.uow:
        free = queries.free_slots(
            world.uow,
            doctor_id=DR,
            clinic_id=CLINIC,
            first_day=TUESDAY,
            last_day=TUESDAY,
            now=world.clock(),
        )
    starts = {slot.start for slot in free}
    assert at("11:00") not in starts and at("11:30") not in starts
    assert at("10:30") in starts and at("12:00") in starts

    with pytest.raises(DoctorAway) as refused:
        world.book(at("11:30"))
    assert refused.value.details == {"source": "calendar"}
    appointment_id = world.book(at("10:00"))
    with pytest.raises(DoctorAway):
        world.handle(
            commands.RescheduleAppointment(
                actor=PATIENT, appointment_id=appointment_id, start=at("11:00")
            )
        )


def test_the_appointment_event_carries_the_appointment_not_the_calendar(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    with world.uow:
        appointment: Appointment = world.uow.appointments.get(appointment_id)
    assert calendar_sync.event_id_for(appointment.id) == appointment_id.hex
    assert set(appointment_id.hex) <= set("0123456789abcdefghijklmnopqrstuv")
