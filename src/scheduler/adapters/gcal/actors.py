"""Dramatiq actors of the calendar sync: small, idempotent, given ids only.

Transient faults (CalendarUnavailable: 429, 403 rate or quota, 5xx, the network) are retried
with Dramatiq's exponential back-off with jitter, or after the wait Google asked for
(Retry-After) where it said one; everything else is recorded on the connection and not
retried. A job that pushes re-reads the appointment, so a late or repeated
one writes the current state, under the same event id: never a second event.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import ParamSpec

import dramatiq

from scheduler.adapters.gcal import connections, sync
from scheduler.services.calendar_sync import CalendarUnavailable

log = logging.getLogger(__name__)

QUEUE = "gcal"
P = ParamSpec("P")
MAX_RETRIES = 10
MIN_BACKOFF_MS = 5_000


def retry_transient(retries: int, error: BaseException) -> bool:
    return isinstance(error, CalendarUnavailable | dramatiq.Retry) and retries < MAX_RETRIES


def honours_retry_after(fn: Callable[P, None]) -> Callable[P, None]:
    """A transient fault that says how long to wait is retried after that wait, not sooner."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            fn(*args, **kwargs)
        except CalendarUnavailable as error:
            if error.retry_after is None:
                raise
            delay = max(MIN_BACKOFF_MS, int(error.retry_after * 1000))
            raise dramatiq.Retry(str(error), delay=delay) from error

    return run


def retried(fn: Callable[P, None]) -> dramatiq.Actor[P, None]:
    """An actor retried on transient faults only, with back-off from 5 s up to 30 min."""
    actor: dramatiq.Actor[P, None] = dramatiq.actor(
        queue_name=QUEUE,
        max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS,  # then doubling, with jitter
        max_backoff=30 * 60_000,
        retry_when=retry_transient,
        time_limit=120_000,
    )(honours_retry_after(fn))
    return actor


@retried
def push_appointment(appointment_id: str) -> None:
    outcome = sync.push(uuid.UUID(appointment_id))
    log.info("calendar push %s: %s (%d writes)", appointment_id, outcome.action, outcome.writes)


@retried
def pull_busy_times(doctor_id: int) -> None:
    outcome = sync.pull(doctor_id)
    log.info("calendar pull doctor %s: %s %s", doctor_id, outcome.action, outcome.details)


@dramatiq.actor(queue_name=QUEUE, max_retries=0, time_limit=60_000)
def pull_all() -> None:
    """The periodic sweep: one pull job per connected doctor."""
    for doctor_id in sync.connected_doctors():
        pull_busy_times.send(doctor_id)


def request_pull(doctor_id: int) -> bool:
    """Queue a pull of the doctor's busy times unless one is queued and not started yet: a
    burst of notifications (or of clicks, or replays) costs one pull, not one each."""
    if not connections.claim_pull(doctor_id, sync.now()):
        return False
    pull_busy_times.send(doctor_id)
    return True


def queue_pull_all() -> int:
    """The work of the worker's periodic calendar thread (config.runtime): queue the sweep."""
    pull_all.send()
    return 0


@retried
def rearrange_calendar(
    doctor_id: int, target_calendar: str, dropped_channels: list[list[str]]
) -> None:
    """After the doctor chose their calendars: upcoming appointments go to the target (those
    booked before connecting too), events in a calendar no longer chosen move or go, channels
    of calendars no longer read close, and busy times are read again."""
    sync.close_channels(doctor_id, [(channel, resource) for channel, resource in dropped_channels])
    for appointment_id in connections.out_of_place(doctor_id, target_calendar, sync.now()):
        push_appointment.send(str(appointment_id))
    request_pull(doctor_id)


class DramatiqCalendarPush:
    """The services' CalendarPush: jobs, for doctors whose appointments go to a calendar."""

    def push(self, doctor_id: int, appointment_id: uuid.UUID) -> None:
        if sync.pushes_to(doctor_id):
            push_appointment.send(str(appointment_id))

    def rearrange(
        self, doctor_id: int, target_calendar: str, dropped_channels: Sequence[tuple[str, str]]
    ) -> None:
        rearrange_calendar.send(doctor_id, target_calendar, [list(c) for c in dropped_channels])
