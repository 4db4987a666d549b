"""Two-way sync with a doctor's outside calendar (Google Calendar in adapters.gcal).

Push: an appointment that is booked (or later) has exactly one event in the doctor's chosen
calendar; its id is derived from the appointment id, so a retry updates instead of duplicating.
The job re-reads the appointment and writes where it stands *now*; if it moved while the job
was writing, the job writes again, so jobs that run late or out of order still end right.

Pull: the events of the doctor's busy calendars become busy blocks (``busy_times``), read
incrementally with the calendar's sync token; an expired token means a full read.

Nothing here blocks a booking: these run after commit, in jobs, and a calendar that is away
only delays the mirror.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
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
# Rewrites of one appointment in one job, should it keep moving while the job writes.
MAX_WRITES = 3


# -- faults -------------------------------------------------------------------------------------


class CalendarError(Exception):
    """The calendar could not do what was asked."""


class CalendarUnavailable(CalendarError):
    """Worth retrying later with back-off: rate limits, quota, 5xx, the network."""


class CalendarAccessRevoked(CalendarError):
    """The doctor took the access back (or it expired): the connection is broken."""


class CalendarRejected(CalendarError):
    """A permanent refusal (bad request, no permission on that calendar): retrying won't help."""


class SyncTokenExpired(CalendarError):
    """The calendar no longer knows the sync token (410 Gone): read everything again."""


class EventMissing(CalendarError):
    """There is no event with that id to change."""


class EventExists(CalendarError):
    """An event with that id exists already (or did: deleted ids stay taken)."""


# -- values -------------------------------------------------------------------------------------


class Detail(StrEnum):
    """How much of the patient the doctor lets the calendar event show."""

    NONE = "none"  # "Appointment"
    FIRST_NAME = "first_name"
    FIRST_NAME_REASON = "first_name_reason"  # the default
    FULL = "full"  # full name and the whole reason


DEFAULT_DETAIL = Detail.FIRST_NAME_REASON
REASON_LABEL_CHARS = 30


@dataclass(frozen=True)
class CalendarLink:
    """A doctor's connection as the sync sees it."""

    doctor_id: int
    target_calendar: str  # "" = appointments are not pushed
    busy_calendars: tuple[str, ...] = ()
    detail: Detail = DEFAULT_DETAIL
    broken: bool = False


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
class CalendarInfo:
    id: str
    summary: str
    primary: bool = False
    writable: bool = False


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
        self, calendar_id: str, sync_token: str | None, *, since: datetime
    ) -> BusyChanges:
        """Busy times since ``sync_token`` (None: all from ``since``), all pages read.
        SyncTokenExpired when the token is no longer valid."""


class CalendarLinks(Protocol):
    """Where the doctors' connections are kept, and their sync state."""

    def get(self, doctor_id: int) -> CalendarLink | None: ...

    def gateway(self, doctor_id: int) -> CalendarGateway: ...

    def succeeded(self, doctor_id: int, at: datetime) -> None: ...

    def failed(self, doctor_id: int, at: datetime, error: str, *, broken: bool) -> None: ...


# -- push ---------------------------------------------------------------------------------------


def event_id_for(appointment_id: uuid.UUID) -> str:
    """Google accepts ids of base32hex characters (a-v, 0-9), 5 to 1024 long: hex is a subset."""
    return appointment_id.hex


def push_appointment(
    appointment_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    links: CalendarLinks,
    now: datetime,
    created: bool = False,
) -> Outcome:
    """Make the doctor's calendar show the appointment as it stands now (or not at all).

    ``created`` hints that the event is probably new (booked or confirmed just now): insert
    first, else change first; either falls back to the other. Faults go to the connection's
    state; CalendarUnavailable is raised again for the job to retry.
    """
    first = _mirror(uow, appointment_id, links, None)
    if first is None:
        return Outcome("skipped")
    link, entry = first
    action = "skipped"
    writes = 0
    try:
        gateway = links.gateway(link.doctor_id)
        while writes < MAX_WRITES:
            action = _write(gateway, link.target_calendar, appointment_id, entry, created)
            writes += 1
            created = False  # it exists now: a rewrite changes it
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
    """The connection and the event the appointment should have now (None: no event); None
    when there is nothing to push to."""
    with uow:
        try:
            appointment = uow.appointments.get(appointment_id)
        except NotFound:
            return None
        link = known or links.get(appointment.doctor_id)
        if link is None or link.broken or not link.target_calendar:
            return None
        if appointment.status not in MIRRORED:
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
    calendar_id: str,
    appointment_id: uuid.UUID,
    entry: CalendarEntry | None,
    created: bool,
) -> str:
    if entry is None:
        gateway.delete_event(calendar_id, event_id_for(appointment_id))
        return "deleted"
    if created:
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
    broken connection keeps its last known blocks: the doctor's known commitments still hold.
    """
    link = links.get(doctor_id)
    if link is not None and link.broken:
        return Outcome("skipped")
    chosen = link.busy_calendars if link is not None else ()
    with uow:
        stale = uow.busy_blocks.calendars(doctor_id) - set(chosen)
        for calendar_id in sorted(stale):
            uow.busy_blocks.replace(doctor_id, calendar_id, {}, sync_token=None, now=now)
        uow.commit()
    if link is None or not chosen:
        return Outcome("skipped")
    details = []
    try:
        gateway = links.gateway(doctor_id)
        for calendar_id in chosen:
            details.append(_pull_calendar(doctor_id, calendar_id, uow, gateway, now))
    except CalendarError as error:
        _record_fault(links, doctor_id, now, error)
        if isinstance(error, CalendarUnavailable):
            raise
        return Outcome("failed", details=(*details, repr(error)))
    links.succeeded(doctor_id, now)
    return Outcome("pulled", details=tuple(details))


def _pull_calendar(
    doctor_id: int, calendar_id: str, uow: UnitOfWork, gateway: CalendarGateway, now: datetime
) -> str:
    with uow:
        token = uow.busy_blocks.sync_token(doctor_id, calendar_id)
    since = now - LOOK_BACK
    try:
        changes = gateway.busy_changes(calendar_id, token, since=since)
    except SyncTokenExpired:
        changes = gateway.busy_changes(calendar_id, None, since=since)
    with uow:
        blocks: dict[str, Interval | None] = (
            {} if changes.full else dict(uow.busy_blocks.of_calendar(doctor_id, calendar_id))
        )
        blocks.update(changes.blocks)
        kept = {key: block for key, block in blocks.items() if block and block.end > since}
        uow.busy_blocks.replace(
            doctor_id, calendar_id, kept, sync_token=changes.next_sync_token, now=now
        )
        uow.commit()
    return f"{calendar_id}: {'full' if changes.full else 'incremental'}, {len(kept)} busy"


def _record_fault(links: CalendarLinks, doctor_id: int, now: datetime, error: Exception) -> None:
    broken = isinstance(error, CalendarAccessRevoked)
    links.failed(doctor_id, now, f"{type(error).__name__}: {error}", broken=broken)


# -- the event handler -------------------------------------------------------------------------


def push_to_google_calendar(event: Event, deps: Dependencies) -> None:
    """Queue the mirror of the appointment in the doctor's own calendar."""
    if isinstance(event, AppointmentEvent):
        created = isinstance(event, AppointmentBooked | AppointmentConfirmed)
        deps.calendar.push(event.doctor_id, event.appointment_id, created=created)
