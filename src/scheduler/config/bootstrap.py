"""The composition root: real adapters wired into the use cases, per request or task."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from scheduler.adapters.audit.log import DjangoAuditLog
from scheduler.adapters.documents import DjangoDocumentFiles
from scheduler.adapters.event_log import LoggingEventLog
from scheduler.adapters.gcal.actors import DramatiqCalendarPush
from scheduler.adapters.notify.account_queue import DramatiqAccountMail
from scheduler.adapters.notify.scheduling import DjangoNotifier
from scheduler.adapters.orm.directory import DjangoDirectory
from scheduler.adapters.orm.unit_of_work import DjangoUnitOfWork
from scheduler.adapters.outbox import Handlers
from scheduler.adapters.realtime import ChannelLayerPublisher
from scheduler.adapters.waitlist.offers import DramatiqWaitlistOffers
from scheduler.config import runtime
from scheduler.services.audit import AuditLog
from scheduler.services.commands import ReleaseExpiredHolds
from scheduler.services.documents import STORING_FILES
from scheduler.services.handlers import COMMAND_HANDLERS, EVENT_HANDLERS, Clock
from scheduler.services.messagebus import MessageBus
from scheduler.services.ports import Dependencies


def utc_now() -> datetime:
    return datetime.now(UTC)


def unit_of_work(*, clock: Clock = utc_now, read_only: bool = False) -> DjangoUnitOfWork:
    """The one way a unit of work is made: its commits wake this process's outbox relay.

    ``read_only``: for queries (services.queries), never for a command's handler: it opens
    no transaction, and refuses to commit."""
    return DjangoUnitOfWork(clock=clock, after_commit=runtime.wake_relay, read_only=read_only)


def build_bus(*, clock: Clock = utc_now) -> MessageBus:
    uow = unit_of_work(clock=clock)
    files = DjangoDocumentFiles()
    return MessageBus(
        {
            command: partial(handler, uow=uow, clock=clock)
            if command not in STORING_FILES
            else partial(handler, uow=uow, clock=clock, files=files)
            for command, handler in COMMAND_HANDLERS.items()
        }
    )


def directory(*, clock: Clock = utc_now) -> DjangoDirectory:
    """The search's read model of free time, computed by units of work on ``clock``."""
    return DjangoDirectory(
        unit_of_work=lambda at: unit_of_work(clock=at), clock=clock, wake=runtime.wake_directory
    )


def release_expired_holds() -> int:
    """The sweep of slot holds past their expiry (runtime): how many it released."""
    released: int = build_bus().handle(ReleaseExpiredHolds())
    return released


def audit_log() -> AuditLog:
    """Where entrypoints record who read whose records."""
    return DjangoAuditLog()


def dependencies() -> Dependencies:
    return Dependencies(
        log=LoggingEventLog(),
        slots=ChannelLayerPublisher(),
        calendar=DramatiqCalendarPush(),
        notifier=DjangoNotifier(),
        account_mail=DramatiqAccountMail(),
        directory=directory(),
        waitlist=DramatiqWaitlistOffers(bus=build_bus),
        documents=DjangoDocumentFiles(),
    )


def event_handlers(deps: Dependencies | None = None) -> Handlers:
    """The services' event table with every handler's ports bound."""
    bound = deps or dependencies()
    return {
        event_type: [partial(handler, deps=bound) for handler in handlers]
        for event_type, handlers in EVENT_HANDLERS.items()
    }
