"""The services' CalendarFeedRepository on the ``PrivateFeed`` rows, inside the unit of work."""

from __future__ import annotations

from datetime import datetime

from scheduler.adapters.orm import models as rows
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import CalendarFeedRepository


class DjangoCalendarFeeds(CalendarFeedRepository):
    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    def replace(self, user_id: int, digest: str) -> None:
        now: datetime = self._clock()
        rows.PrivateFeed.objects.update_or_create(
            user_id=user_id, defaults={"digest": digest, "created_at": now}
        )

    def remove(self, user_id: int) -> bool:
        deleted, _ = rows.PrivateFeed.objects.filter(user_id=user_id).delete()
        return deleted > 0
