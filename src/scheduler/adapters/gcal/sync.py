"""The jobs' bodies on the real adapters: push one appointment, pull one doctor's busy times,
disconnect. Actors (adapters.gcal.actors), the `gcal_sync` command and the doctor page call
these; so can a shell."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from scheduler.adapters.gcal import connections, watch
from scheduler.adapters.gcal.connections import DjangoCalendarLinks, gateway_for
from scheduler.adapters.gcal.models import CalendarConnection
from scheduler.adapters.orm.unit_of_work import DjangoUnitOfWork
from scheduler.services import calendar_sync
from scheduler.services.calendar_sync import CalendarAccessRevoked, Outcome


def now() -> datetime:
    return datetime.now(UTC)


def push(appointment_id: uuid.UUID) -> Outcome:
    return calendar_sync.push_appointment(
        appointment_id,
        uow=DjangoUnitOfWork(),
        links=DjangoCalendarLinks(),
        now=now(),
    )


def pull(doctor_id: int) -> Outcome:
    """Busy times up to date (their AvailabilityChanged go out through the outbox), then the
    push channels renewed where the deployment has a public URL."""
    links = DjangoCalendarLinks()
    moment = now()
    connections.pull_started(doctor_id)
    outcome = calendar_sync.pull_busy(doctor_id, uow=DjangoUnitOfWork(), links=links, now=moment)
    row = connections.connection_of(doctor_id)
    if watch.enabled() and row is not None and row.state == CalendarConnection.State.CONNECTED:
        try:
            watch.renew(gateway_for(row), row, moment)
        except CalendarAccessRevoked as error:
            links.failed(doctor_id, moment, f"{type(error).__name__}: {error}", broken=True)
    return outcome


def pushes_to(doctor_id: int) -> bool:
    """Whether the doctor's appointments go to a calendar now."""
    return (
        CalendarConnection.objects.filter(
            doctor_id=doctor_id, state=CalendarConnection.State.CONNECTED
        )
        .exclude(target_calendar="")
        .exists()
    )


def connected_doctors() -> list[int]:
    return list(
        CalendarConnection.objects.filter(state=CalendarConnection.State.CONNECTED)
        .order_by("doctor_id")
        .values_list("doctor_id", flat=True)
    )


def disconnect(doctor_id: int) -> bool:
    """Revoke and forget the connection; its busy blocks are dropped at once."""
    revoked = connections.disconnect(doctor_id)
    pull(doctor_id)
    return revoked
