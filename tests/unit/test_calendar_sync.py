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
from scheduler.services.busy_times import SyncState, merged
from scheduler.services.calendar_sync import (
    BusyCalendar,
    BusyChanges,
    CalendarAccessRevoked,
    CalendarEntry,
    CalendarGone,
    CalendarLink,
    CalendarRejected,
    CalendarUnavailable,
    EventExists,
    EventLocked,
    EventMissing,
    EventPlace,
    SyncTokenExpired,
)
from scheduler.services.calendar_values import CalendarInfo, Detail
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
    deleted: set[tuple[str, str]] = field(default_factory=set)  # ids stay taken per calendar
    calls: list[str] = field(default_factory=list)
    faults: list[Exception] = field(default_factory=list)
    busy: dict[str, dict[str, Interval | None]] = field(default_factory=dict)
    token_valid: bool = True
    on_write: list[object] = field(default_factory=list)
    locked: set[str] = field(default_factory=set)  # deleted in the web UI: no PATCH revives
    calendar_faults: dict[str, Exception] = field(default_factory=dict)
    windows: list[Interval] = field(default_factory=list)

    def _fault(self, call: str) -> None:
        self.calls.append(call)
        if self.faults:
            raise self.faults.pop(0)

    def calendars(self) -> list[CalendarInfo]:
        return [CalendarInfo(CAL, "Dr", primary=True, writable=True)]

    def insert_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        self._fault("insert")
        mine = self.events.setdefault(calendar_id, {})
        if entry.event_id in mine or (calendar_id, entry.event_id) in self.deleted:
            raise EventExists("409")
        mine[entry.event_id] = entry
        self._written()

    def patch_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        self._fault("patch")
        if entry.event_id in self.locked:
            raise EventLocked("HTTP 403 forbidden")
        mine = self.events.setdefault(calendar_id, {})
        if entry.event_id not in mine and (calendar_id, entry.event_id) not in self.deleted:
            raise EventMissing("404")
        self.deleted.discard((calendar_id, entry.event_id))
        mine[entry.event_id] = entry
        self._written()

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self._fault("delete")
        if self.events.get(calendar_id, {}).pop(event_id, None) is not None:
            self.deleted.add((calendar_id, event_id))

    def busy_changes(
        self, calendar_id: str, sync_token: str | None, *, window: Interval
    ) -> BusyChanges:
        self._fault(f"list {sync_token}")
        if calendar_id in self.calendar_faults:
            raise self.calendar_faults[calendar_id]
        self.windows.append(window)
        if sync_token and not self.token_valid:
            self.token_valid = True
            raise SyncTokenExpired("410")
        blocks = self.busy.get(calendar_id, {})
        if sync_token:
            return BusyChanges(blocks, f"{sync_token}+", full=False)
        return BusyChanges({k: v for k, v in blocks.items() if v}, "t1", full=True)

    def free_busy(self, calendar_id: str, *, window: Interval) -> list[Interval]:
        self._fault("freebusy")
        self.windows.append(window)
        return [block for block in self.busy.get(calendar_id, {}).values() if block]

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
    calendar_state: dict[str, str] = field(default_factory=dict)
    places: dict[uuid.UUID, EventPlace] = field(default_factory=dict)

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

    def calendar_read(self, doctor_id: int, calendar_id: str, at: datetime) -> None:
        self.calendar_state[calendar_id] = "read"

    def calendar_failed(
        self, doctor_id: int, calendar_id: str, at: datetime, error: str, *, gone: bool
    ) -> None:
        self.calendar_state[calendar_id] = error
        if gone and self.link:
            calendars = tuple(
                replace(calendar, gone=True) if calendar.id == calendar_id else calendar
                for calendar in self.link.busy_calendars
            )
            self.link = replace(self.link, busy_calendars=calendars)

    def placed(self, appointment_id: uuid.UUID) -> EventPlace | None:
        return self.places.get(appointment_id)

    def place(self, doctor_id: int, appointment_id: uuid.UUID, place: EventPlace) -> None:
        self.places[appointment_id] = place


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

    def push(self, appointment_id: uuid.UUID) -> str:
        return calendar_sync.push_appointment(
            appointment_id, uow=self.uow, links=self.links, now=self.clock()
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
    links = FakeLinks(gateway, CalendarLink(DR, CAL, busy_calendars=(BusyCalendar(CAL),)))
    return World(uow, FixedClock(at("08:00", TUESDAY - timedelta(days=1))), gateway, links)


# -- push ---------------------------------------------------------------------------------------


def test_a_booking_is_inserted_under_an_id_derived_from_the_appointment(world: World) -> None:
    appointment_id = world.book(at("10:00"))

    assert world.push(appointment_id) == "inserted"

    entry = world.gateway.events[CAL][appointment_id.hex]
    assert (entry.start, entry.end) == (at("10:00"), at("10:30"))
    assert entry.summary == "Appointment · Sara · Chest pain"
    assert world.gateway.calls == ["insert"]
    assert world.links.state == [("ok", False)]


def test_running_the_job_again_updates_the_one_event(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.push(appointment_id)

    assert world.push(appointment_id) == "updated"
    assert world.push(appointment_id) == "updated"

    assert list(world.gateway.events[CAL]) == [appointment_id.hex]
    assert world.gateway.calls == ["insert", "patch", "patch"]
    assert world.links.places[appointment_id] == EventPlace(CAL)


def test_a_job_whose_place_was_not_recorded_finds_its_event_by_the_derived_id(
    world: World,
) -> None:
    appointment_id = world.book(at("10:00"))
    world.push(appointment_id)
    world.links.places.clear()  # the job died between Google's answer and the record

    assert world.push(appointment_id) == "updated"
    assert world.gateway.calls == ["insert", "insert", "patch"]  # 409, so it updates
    assert list(world.gateway.events[CAL]) == [appointment_id.hex]


def test_a_reschedule_patches_and_inserts_when_google_lost_the_event(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.links.places[appointment_id] = EventPlace(CAL)  # written once; Google lost it since
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
    world.push(appointment_id)
    world.handle(commands.CancelAppointment(actor=PATIENT, appointment_id=appointment_id))

    assert world.push(appointment_id) == "deleted"
    assert world.push(appointment_id) == "skipped"  # known to be gone: no call
    assert world.gateway.events[CAL] == {}
    assert world.gateway.calls == ["insert", "delete"]


def test_an_event_deleted_in_the_google_web_ui_comes_back_under_the_next_generation(
    world: World,
) -> None:
    appointment_id = world.book(at("10:00"))
    world.push(appointment_id)
    world.gateway.events[CAL].pop(appointment_id.hex)
    world.gateway.locked.add(appointment_id.hex)  # deleted in the UI: 409 on insert, 403 on patch
    world.handle(
        commands.RescheduleAppointment(
            actor=DOCTOR, appointment_id=appointment_id, start=at("11:00")
        )
    )

    assert world.push(appointment_id) == "inserted"

    revived = f"{appointment_id.hex}v1"
    assert list(world.gateway.events[CAL]) == [revived]
    assert world.gateway.events[CAL][revived].start == at("11:00")
    assert world.links.places[appointment_id] == EventPlace(CAL, generation=1)
    assert set(revived) <= set("0123456789abcdefghijklmnopqrstuv")
    world.handle(commands.CancelAppointment(actor=PATIENT, appointment_id=appointment_id))
    assert world.push(appointment_id) == "deleted"
    assert world.gateway.events[CAL] == {}


def test_a_new_target_calendar_takes_the_event_from_where_it_is(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.push(appointment_id)
    assert world.links.link is not None
    world.links.link = replace(world.links.link, target_calendar="work")

    assert world.push(appointment_id) == "inserted"
    assert world.gateway.events[CAL] == {}
    assert list(world.gateway.events["work"]) == [appointment_id.hex]

    world.links.link = replace(world.links.link, target_calendar="")  # no calendar receives
    assert world.push(appointment_id) == "deleted"
    assert world.gateway.events["work"] == {}
    assert world.links.places[appointment_id] == EventPlace("")


def test_a_job_that_finds_the_appointment_moved_meanwhile_writes_again(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.gateway.on_write.append(
        lambda: world.handle(
            commands.RescheduleAppointment(
                actor=DOCTOR, appointment_id=appointment_id, start=at("12:00")
            )
        )
    )

    world.push(appointment_id)

    assert world.gateway.calls == ["insert", "patch"]
    assert world.gateway.events[CAL][appointment_id.hex].start == at("12:00")


@pytest.mark.parametrize(
    "link",
    [None, CalendarLink(DR, CAL, broken=True), CalendarLink(DR, "")],
    ids=["no connection", "broken", "no target calendar and nothing written"],
)
def test_nothing_is_pushed_without_a_working_target(
    world: World, link: CalendarLink | None
) -> None:
    world.links.link = link
    appointment_id = world.book(at("10:00"))

    assert world.push(appointment_id) == "skipped"
    assert world.gateway.calls == []


def test_a_transient_fault_is_recorded_and_raised_for_a_retry(world: World) -> None:
    appointment_id = world.book(at("10:00"))
    world.gateway.faults.append(CalendarUnavailable("HTTP 429 rateLimitExceeded"))

    with pytest.raises(CalendarUnavailable):
        world.push(appointment_id)

    assert world.links.state == [("CalendarUnavailable: HTTP 429 rateLimitExceeded", False)]
    assert world.push(appointment_id) == "inserted"


@pytest.mark.parametrize(
    ("fault", "broken"),
    [(CalendarAccessRevoked("invalid_grant"), True), (CalendarRejected("HTTP 400"), False)],
)
def test_a_permanent_fault_is_recorded_and_not_retried(
    world: World, fault: Exception, broken: bool
) -> None:
    appointment_id = world.book(at("10:00"))
    world.gateway.faults.append(fault)

    assert world.push(appointment_id) == "failed"

    assert world.links.state[-1][1] is broken


def test_tokens_that_cannot_be_opened_break_the_connection_instead_of_failing_the_job(
    world: World,
) -> None:
    appointment_id = world.book(at("10:00"))
    world.links.tokens_unreadable = True  # the token key was changed

    assert world.push(appointment_id) == "failed"
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
        def push(self, doctor_id: int, appointment_id: uuid.UUID) -> None:
            pushed.append((doctor_id, appointment_id))

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
            if handler is calendar_sync.push_to_calendar:
                handler(event, deps)

    assert pushed == [(DR, appointment_id)] * 4


# -- pull ---------------------------------------------------------------------------------------


def test_a_first_pull_stores_the_busy_times_and_announces_them(world: World) -> None:
    world.gateway.busy[CAL] = {"a": span("11:00", "12:00"), "b": span("15:00", "15:30")}

    assert world.pull().action == "pulled"

    with world.uow:
        assert world.uow.busy_blocks.of_calendar(DR, CAL) == world.gateway.busy[CAL]
        assert world.uow.busy_blocks.sync_state(DR, CAL).token == "t1"
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
        assert world.uow.busy_blocks.sync_state(DR, CAL).token == "t1+"
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


def busy_world(world: World, *calendars: BusyCalendar) -> World:
    world.links.link = CalendarLink(DR, CAL, busy_calendars=calendars, horizon_days=30)
    return world


def test_a_lost_calendar_is_marked_gone_and_the_ones_after_it_are_still_read(
    world: World,
) -> None:
    busy_world(world, BusyCalendar("lost"), BusyCalendar("work"), BusyCalendar("family"))
    world.gateway.calendar_faults["lost"] = CalendarGone("HTTP 404 notFound")
    world.gateway.busy["work"] = {"w": span("11:00", "12:00")}
    world.gateway.busy["family"] = {"f": span("15:00", "16:00")}

    assert world.pull().action == "pulled"

    with world.uow:
        busy = world.uow.busy_blocks.for_doctor(DR, span("10:00", "17:00"))
    assert busy == [span("11:00", "12:00"), span("15:00", "16:00")]
    assert world.links.calendar_state == {
        "lost": "CalendarGone: HTTP 404 notFound",
        "work": "read",
        "family": "read",
    }
    assert world.links.state == [("ok", False)]  # the connection itself is fine
    calls = len(world.gateway.calls)
    world.pull()
    assert len(world.gateway.calls) == calls + 2  # the gone one costs no call any more


def test_a_calendar_that_is_away_is_retried_after_the_others_were_read(world: World) -> None:
    busy_world(world, BusyCalendar("busy-api"), BusyCalendar("work"))
    world.gateway.calendar_faults["busy-api"] = CalendarUnavailable("HTTP 429", retry_after=30)
    world.gateway.busy["work"] = {"w": span("11:00", "12:00")}

    with pytest.raises(CalendarUnavailable) as raised:
        world.pull()

    assert raised.value.retry_after == 30
    with world.uow:
        assert world.uow.busy_blocks.of_calendar(DR, "work") == {"w": span("11:00", "12:00")}
    assert world.links.calendar_state["busy-api"] == "CalendarUnavailable: HTTP 429"


def test_only_the_bookable_future_is_read_and_kept(world: World) -> None:
    busy_world(world, BusyCalendar(CAL))
    now = world.clock()
    inside, beyond = now + timedelta(days=20), now + timedelta(days=60)
    world.gateway.busy[CAL] = {
        "soon": Interval(inside, inside + timedelta(hours=1)),
        "far": Interval(beyond, beyond + timedelta(hours=1)),
    }

    world.pull()

    (window,) = world.gateway.windows
    assert window == Interval(now - timedelta(days=1), now + timedelta(days=37))  # +7 margin
    with world.uow:
        assert set(world.uow.busy_blocks.of_calendar(DR, CAL)) == {"soon"}
        assert world.uow.busy_blocks.sync_state(DR, CAL) == SyncState("t1", window.end)
    world.pull()  # incremental: no bounds go to Google, so what lies beyond is dropped here
    with world.uow:
        assert set(world.uow.busy_blocks.of_calendar(DR, CAL)) == {"soon"}
    assert world.gateway.calls == ["list None", "list t1"]

    world.clock.now = now + timedelta(days=8)  # the window no longer covers the horizon
    world.pull()
    assert world.gateway.calls[-1] == "list None"
    assert world.gateway.windows[-1].end == world.clock() + timedelta(days=37)


def test_a_free_busy_only_calendar_is_read_by_free_busy_each_time(world: World) -> None:
    busy_world(world, BusyCalendar("colleague", free_busy_only=True))
    world.gateway.busy["colleague"] = {"x": span("11:00", "12:00")}

    world.pull()
    world.pull()

    assert world.gateway.calls == ["freebusy", "freebusy"]
    with world.uow:
        assert list(world.uow.busy_blocks.of_calendar(DR, "colleague").values()) == [
            span("11:00", "12:00")
        ]
        assert world.uow.busy_blocks.sync_state(DR, "colleague") == SyncState()


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
