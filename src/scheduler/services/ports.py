"""What event handlers need from the outside world, as ports; adapters implement them and
config.bootstrap passes them in as one ``Dependencies`` value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scheduler.domain.events import Event


class EventLog(Protocol):
    def record(self, event: Event) -> None: ...


@dataclass(frozen=True)
class Dependencies:
    log: EventLog
