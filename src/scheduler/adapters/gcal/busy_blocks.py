"""The unit of work's busy blocks on Django rows; writes run inside its transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from scheduler.adapters.gcal.models import BusyBlock, CalendarConnection, CalendarFeed
from scheduler.adapters.orm.prepared import PreparedRead
from scheduler.adapters.orm.spans import intervals, span_columns
from scheduler.domain.intervals import Interval
from scheduler.services.busy_times import BusyBlockRepository, SyncState


def _over(doctor_id: int, start: datetime, end: datetime) -> QuerySet[Any, Any]:
    return BusyBlock.objects.filter(doctor_id=doctor_id, start__lt=end, end__gt=start).values_list(
        *span_columns()
    )


# Read by every booking and hold whose doctor has a block ending after its slot starts (the
# first read says whether one does): prepared (adapters.orm.prepared).
_OVER = PreparedRead(_over, doctor_id=int, start=datetime, end=datetime)


class DjangoBusyBlockRepository(BusyBlockRepository):
    def __init__(self) -> None:
        super().__init__()
        # Doctors known, in this unit of work, to have no busy block ending after that instant.
        self._clear_from: dict[int, datetime] = {}

    def clear_from(self, doctor_id: int, at: datetime) -> None:
        """Read elsewhere in this unit of work: no busy block of the doctor's ends after ``at``
        (a booking's first read says so); windows from then on are not read."""
        self._clear_from[doctor_id] = at

    def for_doctor(self, doctor_id: int, window: Interval) -> list[Interval]:
        clear_from = self._clear_from.get(doctor_id)
        if clear_from is not None and window.start >= clear_from:
            return []
        return intervals(_OVER.rows(doctor_id=doctor_id, start=window.start, end=window.end))

    def of_calendar(self, doctor_id: int, calendar_id: str) -> dict[str, Interval]:
        # Read before a write: two pulls of one doctor take turns (on PostgreSQL; SQLite's
        # writers queue anyway), so neither writes from a stale read.
        list(
            CalendarConnection.objects.select_for_update().filter(doctor_id=doctor_id).values("pk")
        )
        rows = BusyBlock.objects.filter(doctor_id=doctor_id, calendar_id=calendar_id)
        return {
            event_id: Interval(start, end)
            for event_id, start, end in rows.values_list("event_id", "start", "end")
        }

    def calendars(self, doctor_id: int) -> set[str]:
        return set(
            BusyBlock.objects.filter(doctor_id=doctor_id)
            .values_list("calendar_id", flat=True)
            .distinct()
        )

    def sync_state(self, doctor_id: int, calendar_id: str) -> SyncState:
        found = (
            CalendarFeed.objects.filter(connection__doctor_id=doctor_id, calendar_id=calendar_id)
            .values_list("sync_token", "read_until")
            .first()
        )
        token, read_until = found or ("", None)
        return SyncState(token or None, read_until)

    def _write(
        self,
        doctor_id: int,
        calendar_id: str,
        *,
        put: Mapping[str, Interval],
        drop: Collection[str],
        sync: SyncState,
    ) -> None:
        self._clear_from.pop(doctor_id, None)
        mine = BusyBlock.objects.filter(doctor_id=doctor_id, calendar_id=calendar_id)
        if drop:
            mine.filter(event_id__in=list(drop)).delete()
        if put:
            mine.filter(event_id__in=list(put)).delete()
            BusyBlock.objects.bulk_create(
                BusyBlock(
                    doctor_id=doctor_id,
                    calendar_id=calendar_id,
                    event_id=event_id,
                    start=block.start,
                    end=block.end,
                )
                for event_id, block in put.items()
            )
        CalendarFeed.objects.filter(
            connection__doctor_id=doctor_id, calendar_id=calendar_id
        ).update(sync_token=sync.token or "", read_until=sync.read_until)
