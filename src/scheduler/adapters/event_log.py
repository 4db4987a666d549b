"""Relayed events in the process log: a trace of what reached the handlers."""

from __future__ import annotations

import logging

from scheduler.domain.events import Event

log = logging.getLogger("scheduler.events")


class LoggingEventLog:
    def record(self, event: Event) -> None:
        log.info("relayed %s %s", type(event).__name__, event.event_id)
