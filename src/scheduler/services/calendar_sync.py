"""Two-way sync with a doctor's outside calendar (Google Calendar in adapters.gcal).

Push: an appointment that is booked (or later) has exactly one event in the doctor's chosen
calendar; its id is derived from the appointment id, so a retry updates instead of duplicating.
The job re-reads the appointment and writes where it stands *now*; if it moved while the job
was writing, the job writes again, so jobs that run late or out of order still end right.

Pull: the events of the doctor's busy calendars become busy blocks (``busy_times``), read
incrementally with the calendar's sync token; an expired token means a full read. Each calendar
is read on its own: one that fails (or is gone) is recorded on that calendar, the others go on.
Only the bookable future is kept: from a day back to the booking horizon and a margin.

Nothing here blocks a booking: these run after commit, in jobs, and a calendar that is away
only delays the mirror.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from scheduler.domain.appointment import Status
from scheduler.domain.errors import NotFound
from scheduler.domain.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentConfirmed,
    AppointmentEvent,
    AppointmentRescheduled,
    Event,
)
from scheduler.domain.intervals import Interval
from scheduler.services.busy_times import SyncState
from scheduler.services.calendar_values import DEFAULT_DETAIL, CalendarInfo, Detail
from scheduler.services.ports import Dependencies
from scheduler.services.unit_of_work import UnitOfWork

# The appointment events that create, move or delete the mirrored event.
PUSHED_EVENTS: tuple[type[Event], ...] = (
    AppointmentBooked,
    AppointmentConfirmed,
    AppointmentRescheduled,
    AppointmentCancelled,
)
# Statuses whose appointment shows in the doctor's calendar: confirmed, whatever came after.
MIRRORED = frozenset({Status.BOOKED, Status.ARRIVED, Status.FULFILLED, Status.NOSHOW})
# A full read starts this far back; older blocks are dropped: they can hide no bookable slot.
LOOK_BACK = timedelta(days=1)
# A full read reaches this far past the booking horizon, so it is needed once in this while:
# until then incremental reads keep the window, and drop what lies past its end.
READ_MARGIN = timedelta(days=7)
# Rewrites of one appointment in one job, should it keep moving while the job writes.
MAX_WRITES = 3


# -- faults -------------------------------------------------------------------------------------


class CalendarError(Exception):
    """The calendar could not do what was asked."""


class CalendarUnavailable(CalendarError):
    """Worth retrying later with back-off: rate limits, quota, 5xx, the network.
    ``retry_after``: seconds the calendar asked us to wait (HTTP Retry-After), if it said."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CalendarAccessRevoked(CalendarError):
    """The doctor took the access back (or it expired): the connection is broken."""


class CalendarRejected(CalendarError):
    """A permanent refusal (bad request, no permission on that calendar): retrying won't help."""


class CalendarGone(CalendarRejected):
    """The calendar is not there for this account any more (unsubscribed, deleted, access
    lost): reading it again costs a call and finds nothing."""


class SyncTokenExpired(CalendarError):
    """The calendar no longer knows the sync token (410 Gone): read everything again."""


class EventMissing(CalendarError):
    """There is no event with that id to change."""


class EventExists(CalendarError):
    """An event with that id exists already (or did: deleted ids stay taken)."""


class EventLocked(CalendarRejected):
    """The event exists but may not be changed: Google's answer for one deleted in its web UI,
    which a PATCH cannot bring back."""


# -- values -------------------------------------------------------------------------------------


REASON_LABEL_CHARS = 30


@dataclass(frozen=True)
class BusyCalendar:
    """One of the doctor's calendars whose events count as busy."""

    id: str
    free_busy_only: bool = False  # shared as free/busy only: no events to list, only busy times
    gone: bool = False  # not there any more: not read until the doctor chooses it again


@dataclass(frozen=True)
class CalendarLink:
    """A doctor's connection as the sync sees it."""

    doctor_id: int
    target_calendar: str  # "" = appointments are not pushed
    busy_calendars: tuple[BusyCalendar, ...] = ()
    detail: Detail = DEFAULT_DETAIL
    broken: bool = False
    horizon_days: int = 60  # the longest booking horizon of the doctor's schedules


@dataclass(frozen=True)
class EventPlace:
    """Where an appointment's event is: its calendar ("" = none now) and the generation of its
    id (a new one when Google will not let the old id be used again)."""

    calendar_id: str
    generation: int = 0


@dataclass(frozen=True)
class CalendarEntry:
    """One appointment as an event in the doctor's calendar."""

    event_id: str
    appointment_id: uuid.UUID
    start: datetime
    end: datetime
    summary: str
    description: str


@dataclass(frozen=True)
class BusyChanges:
    """What a read of a calendar found. ``full``: ``blocks`` is everything (a first read or a
    resync); otherwise only what changed since the token, None for events no longer busy."""

    blocks: Mapping[str, Interval | None]
    next_sync_token: str | None
    full: bool


@dataclass(frozen=True)
class Outcome:
    """What a job did, for its log line and the tests."""

    action: str  # "inserted", "updated", "deleted", "pulled", "skipped", "failed"
    writes: int = 0
    details: tuple[str, ...] = field(default_factory=tuple)


# -- ports --------------------------------------------------------------------------------------


class CalendarGateway(Protocol):
    """One doctor's outside calendar account."""

    def calendars(self) -> list[CalendarInfo]: ...

    def insert_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        """Create the event with ``entry.event_id``; EventExists if that id is taken."""

    def patch_event(self, calendar_id: str, entry: CalendarEntry) -> None:
        """Change the event (and bring it back if it was deleted); EventMissing if none."""

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Delete the event; one that is gone already counts as deleted."""

    def busy_changes(
        self, calendar_id: str, sync_token: str | None, *, window: Interval
    ) -> BusyChanges:
        """Busy times since ``sync_token`` (None: all of ``window``), all pages read; an
        incremental read cannot be bounded, so it may bring changes outside the window.
        SyncTokenExpired when the token is no longer valid; CalendarGone for a lost calendar."""

    def free_busy(self, calendar_id: str, *, window: Interval) -> list[Interval]:
        """The busy times of a calendar shared as free/busy only, within ``window``."""


class CalendarLinks(Protocol):
    """Where the doctors' connections are kept, and their sync state."""

    def get(self, doctor_id: int) -> CalendarLink | None: ...

    def gateway(self, doctor_id: int) -> CalendarGateway: ...

    def succeeded(self, doctor_id: int, at: datetime) -> None: ...

    def failed(self, doctor_id: int, at: datetime, error: str, *, broken: bool) -> None: ...

    def calendar_read(self, doctor_id: int, calendar_id: str, at: datetime) -> None: ...

    def calendar_failed(
        self, doctor_id: int, calendar_id: str, at: datetime, error: str, *, gone: bool
    ) -> None: ...

    def placed(self, appointment_id: uuid.UUID) -> EventPlace | None:
        """Where the appointment's event was last written; None: never."""

    def place(self, doctor_id: int, appointment_id: uuid.UUID, place: EventPlace) -> None: ...


# -- push ---------------------------------------------------------------------------------------


def event_id_for(appointment_id: uuid.UUID, generation: int = 0) -> str:
    """Google accepts ids of base32hex characters (a-v, 0-9), 5 to 1024 long: hex is a subset,
    and "v" (outside hex) marks a later generation."""
    return appointment_id.hex if generation == 0 else f"{appointment_id.hex}v{generation}"


def push_appointment(
    appointment_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    links: CalendarLinks,
    now: datetime,
) -> Outcome:
    """Make the doctor's calendar show the appointment as it stands now (or not at all).

    The event lives where it was last written: if the doctor chose another calendar since, it
    is deleted there and written to the new one. Faults go to the connection's state;
    CalendarUnavailable is raised again for the job to retry.
    """
    first = _mirror(uow, appointment_id, links, None)
    if first is None:
        return Outcome("skipped")
    link, entry = first
    place = links.placed(appointment_id) or EventPlace("")
    action = "skipped"
    writes = 0
    try:
        gateway = links.gateway(link.doctor_id)
        while writes < MAX_WRITES:
            moved, action = _write(gateway, link.target_calendar, appointment_id, entry, place)
            if moved != place:
                links.place(link.doctor_id, appointment_id, moved)
                place = moved
            writes += action != "skipped"
            again = _mirror(uow, appointment_id, links, link)
            if again is None or again[1] == entry:
                break
            entry = again[1]
    except CalendarError as error:
        _record_fault(links, link.doctor_id, now, error)
        if isinstance(error, CalendarUnavailable):
            raise
        return Outcome("failed", writes, (repr(error),))
    links.succeeded(link.doctor_id, now)
    return Outcome(action, writes)


def _mirror(
    uow: UnitOfWork,
    appointment_id: uuid.UUID,
    links: CalendarLinks,
    known: CalendarLink | None,
) -> tuple[CalendarLink, CalendarEntry | None] | None:
    """The connection and the event the appointment should have now (None: no event, which
    also takes away one written before the doctor stopped choosing a target); None when the
    connection cannot be written to."""
    with uow:
        try:
            appointment = uow.appointments.get(appointment_id)
        except NotFound:
            return None
        link = known or links.get(appointment.doctor_id)
        if link is None or link.broken:
            return None
        if appointment.status not in MIRRORED or not link.target_calendar:
            return link, None
        patient = uow.patients.get(appointment.patient_id)
    summary, description = event_text(link.detail, patient.name, appointment.reason)
    return link, CalendarEntry(
        event_id=event_id_for(appointment.id),
        appointment_id=appointment.id,
        start=appointment.slot.start,
        end=appointment.slot.end,
        summary=summary,
        description=description,
    )


def _write(
    gateway: CalendarGateway,
    target: str,
    appointment_id: uuid.UUID,
    entry: CalendarEntry | None,
    place: EventPlace,
) -> tuple[EventPlace, str]:
    """One write towards ``entry`` in ``target``: where the event is afterwards, and what was
    done."""
    if place.calendar_id and (entry is None or place.calendar_id != target):
        gateway.delete_event(place.calendar_id, event_id_for(appointment_id, place.generation))
        place = replace(place, calendar_id="")
        if entry is None:
            return place, "deleted"
    if entry is None:
        return place, "skipped"
    # An event written before is changed first; a new one (or one moved here) inserted first.
    generation, action = _upsert(
        gateway, target, entry, place.generation, insert_first=not place.calendar_id
    )
    return EventPlace(target, generation), action


def _upsert(
    gateway: CalendarGateway,
    calendar_id: str,
    entry: CalendarEntry,
    generation: int,
    *,
    insert_first: bool,
) -> tuple[int, str]:
    event = replace(entry, event_id=event_id_for(entry.appointment_id, generation))
    try:
        return generation, _insert_or_patch(gateway, calendar_id, event, insert_first)
    except EventLocked:
        # Deleted in Google's web UI: the id stays taken and cannot be brought back. The next
        # generation's id is as deterministic, so a retry still finds the one event.
        generation += 1
        event = replace(entry, event_id=event_id_for(entry.appointment_id, generation))
        return generation, _insert_or_patch(gateway, calendar_id, event, True)


def _insert_or_patch(
    gateway: CalendarGateway, calendar_id: str, entry: CalendarEntry, insert_first: bool
) -> str:
    if insert_first:
        try:
            gateway.insert_event(calendar_id, entry)
            return "inserted"
        except EventExists:
            gateway.patch_event(calendar_id, entry)
            return "updated"
    try:
        gateway.patch_event(calendar_id, entry)
        return "updated"
    except EventMissing:
        try:
            gateway.insert_event(calendar_id, entry)
            return "inserted"
        except EventExists:  # inserted meanwhile by another job
            gateway.patch_event(calendar_id, entry)
            return "updated"


def event_text(detail: Detail, patient_name: str, reason: str) -> tuple[str, str]:
    """Summary and description of the event: no more of the patient than ``detail`` allows.

    Appointments carry a free-text reason, not a category; the "reason" levels show its first
    line cut to a short label, the full level the whole text.
    """
    first_name = next(iter(patient_name.split()), "")
    label = _label(reason)
    footer = "Booked through Nobat."
    match detail:
        case Detail.NONE:
            return "Appointment", footer
        case Detail.FIRST_NAME:
            return _join("Appointment", first_name), footer
        case Detail.FIRST_NAME_REASON:
            return _join("Appointment", first_name, label), footer
        case Detail.FULL:
            body = f"{reason.strip()}\n\n{footer}" if reason.strip() else footer
            return _join("Appointment", patient_name.strip(), label), body
    raise ValueError(detail)


def _label(reason: str) -> str:
    line = reason.strip().splitlines()[0].strip() if reason.strip() else ""
    if len(line) <= REASON_LABEL_CHARS:
        return line
    cut = line[:REASON_LABEL_CHARS].rsplit(" ", 1)[0] or line[:REASON_LABEL_CHARS]
    return cut.rstrip(" ,.;:-") + "…"


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


# -- pull ---------------------------------------------------------------------------------------


def pull_busy(doctor_id: int, *, uow: UnitOfWork, links: CalendarLinks, now: datetime) -> Outcome:
    """Bring the doctor's busy blocks up to date with their busy calendars.

    Blocks of calendars no longer chosen (or of a connection that is gone) are dropped. A
    broken connection keeps its last known blocks: the doctor's known commitments still hold;
    so does a calendar that is gone, until the doctor stops choosing it. Each calendar is read
    on its own and its fault recorded on it; a transient one is raised again after the others
    were read, for the job to retry.
    """
    link = links.get(doctor_id)
    if link is not None and link.broken:
        return Outcome("skipped")
    chosen = link.busy_calendars if link is not None else ()
    with uow:
        stale = uow.busy_blocks.calendars(doctor_id) - {calendar.id for calendar in chosen}
        for calendar_id in sorted(stale):
            uow.busy_blocks.replace(doctor_id, calendar_id, {}, sync=SyncState(), now=now)
        uow.commit()
    readable = [calendar for calendar in chosen if not calendar.gone]
    if link is None or not readable:
        return Outcome("skipped")
    details: list[str] = []
    transient: list[CalendarUnavailable] = []
    try:
        gateway = links.gateway(doctor_id)
        for calendar in readable:
            try:
                details.append(_pull_calendar(doctor_id, calendar, link, uow, gateway, now))
            except CalendarAccessRevoked:
                raise  # the whole connection, not this calendar
            except CalendarError as error:
                text = _describe(error)
                details.append(f"{calendar.id}: {text}")
                gone = isinstance(error, CalendarGone)
                links.calendar_failed(doctor_id, calendar.id, now, text, gone=gone)
                if isinstance(error, CalendarUnavailable):
                    transient.append(error)
            else:
                links.calendar_read(doctor_id, calendar.id, now)
    except CalendarError as error:
        _record_fault(links, doctor_id, now, error)
        return Outcome("failed", details=(*details, repr(error)))
    if transient:
        # Retried as a whole (the calendars read meanwhile are read again, cheaply): no sooner
        # than the longest wait any of them asked for.
        longest = max(transient, key=lambda fault: fault.retry_after or 0)
        _record_fault(links, doctor_id, now, longest)
        raise longest
    links.succeeded(doctor_id, now)
    return Outcome("pulled", details=tuple(details))


def _pull_calendar(
    doctor_id: int,
    calendar: BusyCalendar,
    link: CalendarLink,
    uow: UnitOfWork,
    gateway: CalendarGateway,
    now: datetime,
) -> str:
    since = now - LOOK_BACK
    with uow:
        state = uow.busy_blocks.sync_state(doctor_id, calendar.id)
    needed_until = now + timedelta(days=link.horizon_days)
    if state.token and state.read_until and state.read_until >= needed_until:
        window = Interval(since, state.read_until)
        try:
            changes = gateway.busy_changes(calendar.id, state.token, window=window)
        except SyncTokenExpired:
            changes = None
    else:
        changes = None
    if changes is None:  # a full read, reaching past the horizon by the margin
        window = Interval(since, needed_until + READ_MARGIN)
        if calendar.free_busy_only:
            busy = gateway.free_busy(calendar.id, window=window)
            changes = BusyChanges(
                {f"{b.start.isoformat()}/{b.end.isoformat()}": b for b in busy}, None, full=True
            )
        else:
            changes = gateway.busy_changes(calendar.id, None, window=window)
    with uow:
        blocks: dict[str, Interval | None] = (
            {} if changes.full else dict(uow.busy_blocks.of_calendar(doctor_id, calendar.id))
        )
        blocks.update(changes.blocks)
        kept = {
            key: block
            for key, block in blocks.items()
            if block and block.end > since and block.start < window.end
        }
        # A calendar read by free/busy has no token: each pull is a full read of the window.
        sync = SyncState(changes.next_sync_token, window.end if changes.next_sync_token else None)
        uow.busy_blocks.replace(doctor_id, calendar.id, kept, sync=sync, now=now)
        uow.commit()
    return f"{calendar.id}: {'full' if changes.full else 'incremental'}, {len(kept)} busy"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _record_fault(links: CalendarLinks, doctor_id: int, now: datetime, error: Exception) -> None:
    broken = isinstance(error, CalendarAccessRevoked)
    links.failed(doctor_id, now, _describe(error), broken=broken)


# -- the event handler -------------------------------------------------------------------------


def push_to_calendar(event: Event, deps: Dependencies) -> None:
    """Queue the mirror of the appointment in the doctor's own calendar."""
    if isinstance(event, AppointmentEvent):
        deps.calendar.push(event.doctor_id, event.appointment_id)
