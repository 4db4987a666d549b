"""Busy times from a doctor's own calendars, as the unit of work stores them.

The availability treats them like time off: a slot that overlaps one is not offered and cannot
be booked. They change outside any appointment, so storing them raises ``AvailabilityChanged``
for the spans that moved, written with the blocks in one transaction (the outbox).
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.domain.events import AvailabilityChanged, Event
from scheduler.domain.intervals import Interval

# Changed blocks closer than this to each other are announced as one span.
ANNOUNCE_GAP = timedelta(hours=24)


@dataclass(frozen=True)
class SyncState:
    """Where the reads of one calendar stand: the token of the next incremental read (None:
    the next read is a full one) and how far ahead the last full read reached."""

    token: str | None = None
    read_until: datetime | None = None


class BusyBlockRepository(abc.ABC):
    def __init__(self) -> None:
        self.events: list[Event] = []

    @abc.abstractmethod
    def for_doctor(self, doctor_id: int, window: Interval) -> list[Interval]:
        """The doctor's busy blocks (from every calendar) overlapping ``window``."""

    @abc.abstractmethod
    def of_calendar(self, doctor_id: int, calendar_id: str) -> dict[str, Interval]:
        """Every stored block of one calendar, by the calendar's event id."""

    @abc.abstractmethod
    def calendars(self, doctor_id: int) -> set[str]:
        """The calendars the doctor has blocks or a sync token from."""

    @abc.abstractmethod
    def sync_state(self, doctor_id: int, calendar_id: str) -> SyncState: ...

    @abc.abstractmethod
    def _write(
        self,
        doctor_id: int,
        calendar_id: str,
        *,
        put: Mapping[str, Interval],
        drop: Collection[str],
        sync: SyncState,
    ) -> None:
        """Store ``put``, remove ``drop`` and the calendar's sync state."""

    def replace(
        self,
        doctor_id: int,
        calendar_id: str,
        blocks: Mapping[str, Interval],
        *,
        sync: SyncState,
        now: datetime,
    ) -> None:
        """Make ``blocks`` the calendar's busy times; announce the spans that changed."""
        before = self.of_calendar(doctor_id, calendar_id)
        put = {key: block for key, block in blocks.items() if before.get(key) != block}
        drop = before.keys() - blocks.keys()
        self._write(doctor_id, calendar_id, put=put, drop=drop, sync=sync)
        moved = [*put.values(), *(before[key] for key in put.keys() & before.keys())]
        moved += [before[key] for key in drop]
        for span in merged(moved, gap=ANNOUNCE_GAP):
            self.events.append(
                AvailabilityChanged(
                    occurred_at=now, doctor_id=doctor_id, start=span.start, end=span.end
                )
            )


def merged(intervals: Iterable[Interval], *, gap: timedelta = timedelta(0)) -> list[Interval]:
    """The union of ``intervals``, also joining those less than ``gap`` apart, in time order."""
    spans: list[Interval] = []
    for interval in sorted(intervals):
        if spans and interval.start - spans[-1].end < gap:
            last = spans[-1]
            spans[-1] = Interval(last.start, max(last.end, interval.end))
        else:
            spans.append(interval)
    return spans
