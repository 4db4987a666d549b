"""The composition root: real adapters wired into the use cases, per request or task."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from scheduler.adapters.orm.unit_of_work import DjangoUnitOfWork
from scheduler.config import runtime
from scheduler.services.handlers import COMMAND_HANDLERS, Clock
from scheduler.services.messagebus import MessageBus


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_bus(*, clock: Clock = utc_now) -> MessageBus:
    uow = DjangoUnitOfWork(after_commit=runtime.wake_relay)
    return MessageBus(
        {
            command: partial(handler, uow=uow, clock=clock)
            for command, handler in COMMAND_HANDLERS.items()
        }
    )
