"""The outbox relay: stored events -> their handlers, after commit, at least once.

Rows are claimed with a short lease (``locked_until``, ``OUTBOX_LEASE_SECONDS``) so several
processes can relay side by side; SKIP LOCKED keeps them off each other's rows on PostgreSQL,
and SQLite's serialized writers do the same in the embedded runtime. A handler that raises
leaves its event pending with a growing back-off; after MAX_ATTEMPTS the event is parked as
dead for a person to look at (admin action "re-queue"). A crashed relay's lease simply runs
out and another takes over.

The events of one versioned stream (an appointment's, a review's: the same ``aggregate_id``,
``version`` > 0) reach the handlers in version order, whichever relays run: an event is claimed
only once no event of a lower version of its stream is still pending, whoever holds that one's
lease; so one claim never holds two events of a stream, and a failing event holds the later
ones back through its retries. Versions, not ``created_at``, are the order: a stream's versions
are assigned one at a time by the optimistic check on its row, while ``created_at`` is each
writer's clock before its commit. A dead event no longer holds its stream back: the later ones
go on, and re-queueing it delivers it after them; that, and the state its handlers left, is the
operator's matter. Unversioned events (``version`` 0: a doctor's, an account's, a waitlist
entry's, a visit note's) have no order to keep and are claimed as they come. Consumers still
drop a message older than what they hold, by its version: a re-queued event, a snapshot taken
between two deltas.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone

from scheduler.adapters import event_codec, metrics
from scheduler.adapters.orm.models import StoredEvent
from scheduler.adapters.periodic import Periodic
from scheduler.config import log_context
from scheduler.domain.events import Event

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BATCH = 100

Handlers = Mapping[type[Event], Sequence[Callable[[Event], None]]]


def relay_pending(handlers: Handlers, *, limit: int = BATCH) -> int:
    """Deliver up to ``limit`` due events; return how many were delivered.

    A round that has used half its lease lets the rest of its claim go, for the next round or
    another relay. A destination that hangs costs each event its send's bound (say
    realtime.SEND_TIMEOUT_SECONDS); a claim of a hundred of them would outlast the lease, and
    another relay would deliver the same events a second time.
    """
    if limit < 1:
        raise ValueError(f"a relay round claims at least one event, not {limit}")
    claimed = _claim(limit)
    stop_at = time.monotonic() + settings.OUTBOX_LEASE_SECONDS / 2
    delivered = 0
    for reached, row in enumerate(claimed):
        if time.monotonic() >= stop_at:
            _let_go([left.pk for left in claimed[reached:]])
            break
        if _deliver(row, handlers):
            delivered += 1
    return delivered


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 600))


def _claim(limit: int) -> list[StoredEvent]:
    """Lease up to ``limit`` due events, oldest first, in one statement: the relay's round
    trips stand between a commit and the sockets that show it, and a transaction around a
    SELECT ... FOR UPDATE and an UPDATE took four of them."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    lease = connection.ops.adapt_datetimefield_value(
        timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    )
    claimed = StoredEvent.objects.raw(_claim_sql(), [lease, now, now, limit])
    return sorted(claimed, key=lambda row: row.created_at)


def _claim_sql() -> str:
    # Pending whatever its lease or back-off: one another relay holds, or one that failed, is
    # delivered before anything after it in its stream. SKIP LOCKED keeps concurrent relays
    # off each other's rows; SQLite's writers are serialized, and it has no such clause.
    table = connection.ops.quote_name(StoredEvent._meta.db_table)
    skip_locked = (
        "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    return f"""
        UPDATE {table} SET locked_until = %s
        WHERE id IN (
            SELECT due.id FROM {table} AS due
            WHERE due.delivery = '{StoredEvent.Delivery.PENDING}'
              AND due.next_attempt_at <= %s
              AND (due.locked_until IS NULL OR due.locked_until < %s)
              AND NOT EXISTS (
                  SELECT 1 FROM {table} AS earlier
                  WHERE earlier.aggregate_id = due.aggregate_id
                    AND earlier.version > 0
                    AND earlier.version < due.version
                    AND earlier.delivery = '{StoredEvent.Delivery.PENDING}'
              )
            ORDER BY due.created_at
            LIMIT %s
            {skip_locked}
        )
        RETURNING *
    """


def _deliver(row: StoredEvent, handlers: Handlers) -> bool:
    event = event_codec.decode(row.type, row.payload)
    # The handlers' log lines (and the jobs they send: adapters.broker) name the event's
    # appointment and the user whose action raised it; the relay's next event, its own.
    appointment = getattr(event, "appointment_id", None)
    with log_context.bound(
        user=getattr(event, "actor_user_id", None),
        appointment=None if appointment is None else str(appointment),
    ):
        try:
            for handle in handlers.get(type(event), ()):
                handle(event)
        except Exception as error:  # any handler fault: keep the event and retry it later
            _failed(row, error, timezone.now())
            return False
    StoredEvent.objects.filter(pk=row.pk).update(
        delivery=StoredEvent.Delivery.DONE,
        delivered_at=timezone.now(),
        locked_until=None,
        attempts=F("attempts") + 1,
    )
    metrics.event_relayed(row.type)
    return True


def _let_go(event_ids: Sequence[object]) -> None:
    """Untried events of this round's claim: as they were before it, due at once."""
    StoredEvent.objects.filter(pk__in=list(event_ids)).update(locked_until=None)


def _failed(row: StoredEvent, error: Exception, now: datetime) -> None:
    metrics.RELAY_FAILURES.labels(type=row.type).inc()
    # Counted on the row whoever holds it now, from its own count: a handler that outlasts its
    # lease and then fails, again and again, still brings the event to DEAD.
    counted = {
        "attempts": F("attempts") + 1,
        "last_error": repr(error)[:2000],
        "delivery": Case(
            When(attempts__gte=MAX_ATTEMPTS - 1, then=Value(StoredEvent.Delivery.DEAD)),
            default=Value(StoredEvent.Delivery.PENDING),
        ),
    }
    # Its back-off and lease only while this relay's lease holds: a handler that outlasted it
    # may have seen another relay take the event, which goes on with it (and a delivery made
    # meanwhile stands).
    kept = StoredEvent.objects.filter(pk=row.pk, locked_until=row.locked_until).update(
        **counted, next_attempt_at=now + backoff(row.attempts + 1), locked_until=None
    )
    counted_here = kept or StoredEvent.objects.filter(
        pk=row.pk, delivery=StoredEvent.Delivery.PENDING
    ).update(**counted)
    if not counted_here:
        log.warning(
            "event %s (%s) failed; another relay delivered or parked it meanwhile: %r",
            row.pk,
            row.type,
            error,
        )
        return
    attempts, delivery = (
        StoredEvent.objects.filter(pk=row.pk).values_list("attempts", "delivery").get()
    )
    dead = delivery == StoredEvent.Delivery.DEAD
    if dead:
        metrics.DEAD_EVENTS.labels(type=row.type).inc()
    log.log(
        logging.ERROR if dead else logging.WARNING,
        "event %s (%s) failed, attempt %d%s%s: %r",
        row.pk,
        row.type,
        attempts,
        "" if kept else ", after its lease ran out",
        ", giving up" if dead else "",
        error,
    )


def requeue(event_ids: Sequence[object]) -> int:
    """Deliver these events again (an operator's repair after a fault was fixed); how many."""
    return StoredEvent.objects.filter(pk__in=list(event_ids)).update(
        delivery=StoredEvent.Delivery.PENDING, next_attempt_at=timezone.now(), locked_until=None
    )


class RelayThread(Periodic):
    """Relays as soon as it is woken (after a commit) and sweeps every ``interval`` anyway."""

    def __init__(self, handlers: Handlers, *, interval: float) -> None:
        super().__init__("outbox-relay", partial(relay_pending, handlers), interval=interval)
