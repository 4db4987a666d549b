"""The jobs' bodies on the real adapters: push one appointment, pull one doctor's busy times,
disconnect. Actors (adapters.gcal.actors), the `gcal_sync` command and the doctor page call
these; so can a shell.

Their unit of work comes from the composition root, which hands its factory over with
``wire`` when the process starts (config.apps): it is built nowhere else."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from scheduler.adapters.gcal import connections, watch
from scheduler.adapters.gcal.connections import DjangoCalendarLinks, gateway_for
from scheduler.adapters.gcal.models import CalendarConnection
from scheduler.services import calendar_sync
from scheduler.services.calendar_sync import CalendarAccessRevoked, Outcome
from scheduler.services.unit_of_work import UnitOfWork

_unit_of_work: Callable[[], UnitOfWork] | None = None


def wire(unit_of_work: Callable[[], UnitOfWork]) -> None:
    global _unit_of_work
    _unit_of_work = unit_of_work


def _uow() -> UnitOfWork:
    if _unit_of_work is None:
        raise RuntimeError("calendar jobs run before config.apps wired them")
    return _unit_of_work()


def now() -> datetime:
    return datetime.now(UTC)


def push(appointment_id: uuid.UUID) -> Outcome:
    return calendar_sync.push_appointment(
        appointment_id,
        uow=_uow(),
        links=DjangoCalendarLinks(),
        now=now(),
    )


def pull(doctor_id: int) -> Outcome:
    """Busy times up to date (their AvailabilityChanged go out through the outbox), then the
    push channels renewed where the deployment has a public URL."""
    links = DjangoCalendarLinks()
    moment = now()
    connections.pull_started(doctor_id)
    outcome = calendar_sync.pull_busy(doctor_id, uow=_uow(), links=links, now=moment)
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


def close_channels(doctor_id: int, channels: Sequence[tuple[str, str]]) -> None:
    """Stop push channels of calendars the doctor no longer reads (best effort)."""
    row = connections.connection_of(doctor_id)
    if row is not None and row.state == CalendarConnection.State.CONNECTED:
        connections.close_channels(row, channels)
