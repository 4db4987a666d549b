"""What each live screen shows, as the sockets send it on connect (and on request), built in
one place: the same snapshots go over HTTP (api/live.py) to a browser whose sockets are blocked.
Synchronous: consumers call these through ``database_sync_to_async``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from scheduler.adapters import phones, realtime, visit_links
from scheduler.adapters.local_dates import latin_digits
from scheduler.adapters.orm import selectors, snapshots
from scheduler.config.bootstrap import audit_log, unit_of_work, utc_now
from scheduler.domain import access, queue
from scheduler.domain.appointment import ACTIVE, Status
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.intervals import DAY_RANGE_TEXT, within_range
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.services.audit import Record, read_by_others

DEFAULT_GRID_DAYS = 7


def grid_window(
    doctor_id: int, viewer: Actor | None, params: Mapping[str, str]
) -> snapshots.GridWindow:
    """The days a grid watches, from ``?from=YYYY-MM-DD&days=N``."""
    return snapshots.grid_window(
        doctor_id=doctor_id,
        viewer=viewer,
        first_day=_date(params.get("from"), name="from"),
        days=_int(params.get("days"), default=DEFAULT_GRID_DAYS, name="days"),
        now=utc_now(),
    )


def grid(window: snapshots.GridWindow, viewer: Actor | None) -> dict[str, Any]:
    """The grid's snapshot; the bookings it shows who holds are read, for the audit trail."""
    snapshot = snapshots.slot_grid(
        window=window, viewer=viewer, now=utc_now(), uow=unit_of_work(read_only=True)
    )
    message = grid_snapshot_message(snapshot, viewer)
    shown = [slot["booking"] for slot in message["slots"] if slot["booking"] is not None]
    _audit_reads(viewer, ((b["id"], b["patient_id"]) for b in shown))
    return message


def desk(clinic_id: int, viewer: Actor, day: date | None) -> dict[str, Any]:
    """The desk's day; every appointment on it is read, for the audit trail."""
    snapshot = snapshots.desk_day(clinic_id=clinic_id, viewer=viewer, day=day, now=utc_now())
    message = desk_snapshot_message(snapshot)
    _audit_reads(viewer, ((a["id"], a["patient_id"]) for a in message["appointments"]))
    return message


def _audit_reads(viewer: Actor | None, records: Iterable[tuple[object, int]]) -> None:
    # Snapshots only: the deltas after one carry ids and times, no names, phones or reasons.
    audit_log().record_reads(Record.APPOINTMENT, read_by_others(viewer, records))


def own_group(viewer: Actor | None) -> str:
    """The group of the patient signed in (their own visits' changes)."""
    return realtime.patient_group(access.own_patient_id(viewer))


def own_appointments(viewer: Actor | None) -> dict[str, Any]:
    """The patient's visits not yet over, as "my appointments" shows them live: each one's
    status, time and version (a delta is then told from one already seen), and whether it is
    still to come (active: the page's Upcoming; a cancelled one is not). Their own: nothing
    for the audit trail."""
    patient_id = access.own_patient_id(viewer)
    ahead = selectors.own_appointments(patient_id=patient_id).filter(end__gt=utc_now())
    return {
        "type": "snapshot",
        "appointments": [
            {
                "id": str(row.pk),
                "version": row.version,
                "status": row.status,
                "active": Status(row.status) in ACTIVE,
                "start": realtime.instant(row.start),
                "end": realtime.instant(row.end),
                "previous": None,
            }
            for row in ahead
        ],
    }


def visit_of(token: str) -> uuid.UUID:
    """The appointment a visit link names; NotFound for a link this site did not sign."""
    appointment_id = visit_links.appointment_of(token)
    if appointment_id is None:
        raise NotFound(gettext_noop("This link is not valid."))
    return appointment_id


def visit(appointment_id: uuid.UUID) -> tuple[snapshots.VisitPlace, dict[str, Any]]:
    place = snapshots.visit_place(appointment_id=appointment_id, now=utc_now())
    return place, visit_message(place)


def day_param(params: Mapping[str, str]) -> date | None:
    return _date(params.get("date"), name="date")


def grid_snapshot_message(grid: snapshots.GridSnapshot, viewer: Actor | None) -> dict[str, Any]:
    window = grid.window
    return {
        "type": "snapshot",
        "doctor_id": window.doctor_id,
        "first_day": window.first_day.isoformat(),
        "last_day": window.last_day.isoformat(),
        "clinics": [{"id": c.id, "name": c.name, "timezone": c.timezone} for c in window.clinics],
        "free": [
            {"clinic_id": clinic_id, **realtime.interval_record(slot)}
            for clinic_id, slot in grid.free
        ],
        "slots": [
            realtime.slot_view(
                realtime.slot_record(b.change),
                {**realtime.booking_record(b.change), **_who_and_why(b)},
                viewer,
            )
            for b in grid.bookings
        ],
    }


def desk_snapshot_message(desk: snapshots.DeskSnapshot) -> dict[str, Any]:
    return {
        "type": "snapshot",
        "clinic": {
            "id": desk.clinic.id,
            "name": desk.clinic.name,
            "timezone": desk.clinic.timezone,
        },
        "date": desk.day.isoformat(),
        "doctors": [
            {"id": d.pk, "name": str(d), "specialty": str(d.specialty)} for d in desk.doctors
        ],
        "appointments": [
            {
                **realtime.desk_record(b.change),
                **_who_and_why(b),
                "queue": queue_record(desk.queue.get(b.change.appointment_id)),
            }
            for b in desk.bookings
        ],
    }


def _who_and_why(b: snapshots.Booking) -> dict[str, Any]:
    """A booking's details, for those who may see who holds it."""
    return {
        "patient_name": b.patient_name,
        "patient_phone": b.patient_phone,
        "patient_phone_shown": phones.readable(b.patient_phone),
        "reason": b.reason,
        "undo_until": realtime.instant(b.undo_until) if b.undo_until else None,
        "asked_to_move": b.asked_to_move,
    }


def queue_record(line: queue.Line | None) -> dict[str, Any] | None:
    """Where a visit stands in the waiting room; moments, not minutes: the page counts."""
    if line is None:
        return None
    return {
        "place": line.place.value,
        "position": line.position,
        "waiting_since": realtime.instant(line.waiting_since) if line.waiting_since else None,
        "expected_call": realtime.instant(line.expected_call) if line.expected_call else None,
    }


def visit_message(place: snapshots.VisitPlace) -> dict[str, Any]:
    return {
        "type": "snapshot",
        "status": place.status,
        "start": realtime.instant(place.start),
        "queue": queue_record(place.line),
        "asked_to_move": place.last.asked_to_move,
        "reason": place.last.reason_told,
    }


def _date(value: str | None, *, name: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(latin_digits(value))
    except ValueError:
        raise InvalidInput(gettext_noop("Give dates as YYYY-MM-DD."), field=name) from None
    if not within_range(day):
        raise InvalidInput(DAY_RANGE_TEXT, field=name)
    return day


def _int(value: str | None, *, default: int, name: str) -> int:
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            gettext_noop("'%(name)s' must be a whole number."), params={"name": name}, field=name
        ) from None
