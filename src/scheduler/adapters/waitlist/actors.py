"""Dramatiq actors of the waitlist: the end of an offer's window, and telling its patient.
They take ids, re-read the rows, and are safe to run twice (and early, and late).

Imported by config.apps after the broker is installed; ``wire`` gives them the bus.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import dramatiq
from django.db import DatabaseError

from scheduler.adapters.notify import sms
from scheduler.adapters.notify.faults import TransientFault
from scheduler.adapters.waitlist import telling
from scheduler.services import commands
from scheduler.services.messagebus import MessageBus

QUEUE = "waitlist"
MAX_RETRIES = 8

_bus: Callable[[], MessageBus] | None = None


def wire(bus: Callable[[], MessageBus]) -> None:
    global _bus
    _bus = bus


def bus() -> MessageBus:
    if _bus is None:
        raise RuntimeError("waitlist jobs run before config.apps wired them")
    return _bus()


def _worth_retrying(retries: int, error: BaseException) -> bool:
    return retries < MAX_RETRIES and isinstance(error, TransientFault | DatabaseError)


@dramatiq.actor(
    queue_name=QUEUE,
    retry_when=_worth_retrying,
    min_backoff=1_000,
    max_backoff=60_000,
    time_limit=60_000,
)
def expire_offer(offer_id: str) -> None:
    """At the end of the offer's window: it ends unless answered (the sweep does the same for
    a message that was lost)."""
    bus().handle(commands.ExpireOffer(offer_id=uuid.UUID(offer_id)))


@dramatiq.actor(
    queue_name=QUEUE,
    retry_when=_worth_retrying,
    min_backoff=5_000,
    max_backoff=120_000,
    time_limit=60_000,
)
def tell_offer(offer_id: str) -> None:
    telling.tell(uuid.UUID(offer_id), sms=sms.gateway(), now=datetime.now(UTC))
