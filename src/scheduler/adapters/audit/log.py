"""Audit entries written: one per event a unit of work commits (inside its transaction), and
one per record read (services.audit.AuditLog)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from scheduler.adapters.audit.models import SYSTEM, VISITOR, AuditEntry
from scheduler.adapters.audit.origin import current
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.actors import role_of
from scheduler.adapters.orm.inserts import insert
from scheduler.domain.events import (
    AccountEvent,
    AppointmentEvent,
    AvailabilityChanged,
    CalendarsChosen,
    DoctorVerified,
    Event,
    ReviewEvent,
    VisitNoteEvent,
    WaitlistEvent,
)
from scheduler.domain.model import Role
from scheduler.services.audit import Record


@dataclass(frozen=True)
class Who:
    actor_id: int | None
    actor_username: str
    actor_role: str
    ip: str | None


def who() -> Who:
    """Whoever the request or socket at hand acts for; the site itself outside of one."""
    origin = current.get()
    if origin is None:
        return Who(None, "", SYSTEM, None)
    user = origin.user()
    if isinstance(user, rows.User):
        role = role_of(user) or VISITOR
        # A patient by id only: the trail is kept for good, past their asking to be forgotten,
        # and a username is often their name or email. Staff answer for what they did by name.
        name = "" if role == Role.PATIENT.value else user.get_username()
        return Who(user.pk, name, role, origin.ip)
    return Who(None, "", VISITOR, origin.ip)


def record_changes(events: Sequence[Event]) -> None:
    """An entry per event, by whoever acts now: call inside the transaction committing them."""
    if not events:
        return
    by = who()
    insert(
        [
            _entry(
                by, type(event).__name__, *_subject(event), detail=_ids(event), at=event.occurred_at
            )
            for event in events
        ]
    )


class DjangoAuditLog:
    """The ``AuditLog`` port: reads recorded as they happen, each in its own write."""

    def record_reads(self, kind: Record, object_ids: Sequence[str]) -> None:
        if not object_ids:
            return
        by, at = who(), datetime.now(UTC)
        AuditEntry.objects.bulk_create(
            _entry(by, f"{kind.value}.read", kind.value, object_id, detail={}, at=at)
            for object_id in object_ids
        )


def _entry(
    by: Who, action: str, object_type: str, object_id: str, *, detail: dict[str, str], at: datetime
) -> AuditEntry:
    return AuditEntry(
        at=at,
        actor_id=by.actor_id,
        actor_username=by.actor_username,
        actor_role=by.actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=by.ip,
        detail=detail,
    )


def _subject(event: Event) -> tuple[str, str]:
    """The record an event is about, as (type, id)."""
    match event:
        case AppointmentEvent():
            return Record.APPOINTMENT.value, str(event.appointment_id)
        case AvailabilityChanged() | DoctorVerified() | CalendarsChosen():
            return "doctor", str(event.doctor_id)
        case AccountEvent():
            return "user", str(event.user_id)
        case WaitlistEvent():
            return "waitlist_entry", str(event.entry_id)
        case ReviewEvent():
            return "review", str(event.review_id)
        case VisitNoteEvent():
            return Record.VISIT_NOTE.value, str(event.appointment_id)
    raise TypeError(f"no audited record for {type(event).__name__}")


def _ids(event: Event) -> dict[str, str]:
    """The event's ids (its own, and those of whom and what it concerns): never a name, a
    number or a reason, which the trail would then keep past a request to be forgotten."""
    return {
        field.name: str(value)
        for field in fields(event)
        if field.name.endswith("_id")
        and isinstance(value := getattr(event, field.name), int | uuid.UUID)
    }
