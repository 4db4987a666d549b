"""The services' CalendarChoiceRepository on the connection's rows, inside the unit of work."""

from __future__ import annotations

from scheduler.adapters.gcal import watch
from scheduler.adapters.gcal.models import CalendarConnection, CalendarFeed, MirroredEvent
from scheduler.services.calendar_values import CalendarInfo, Detail
from scheduler.services.unit_of_work import CalendarChoiceRepository


class DjangoCalendarChoices(CalendarChoiceRepository):
    def connected(self, doctor_id: int) -> bool:
        return CalendarConnection.objects.filter(doctor_id=doctor_id).exists()

    def choose(
        self, doctor_id: int, *, target_calendar: str, busy: list[CalendarInfo], detail: Detail
    ) -> list[tuple[str, str]]:
        """Blocks of calendars no longer chosen go at the next pull. A calendar chosen again
        from the provider's list is read again, even if it was gone."""
        row = CalendarConnection.objects.select_for_update().get(doctor_id=doctor_id)
        chosen = {calendar.id: calendar for calendar in busy}
        CalendarConnection.objects.filter(pk=row.pk).update(
            target_calendar=target_calendar, detail=detail.value
        )
        gone = list(row.feeds.exclude(calendar_id__in=list(chosen)))
        for feed in row.feeds.filter(calendar_id__in=list(chosen)):
            calendar = chosen.pop(feed.calendar_id)
            feed.summary, feed.free_busy_only = calendar.summary, calendar.free_busy_only
            if feed.gone:
                feed.gone, feed.sync_token, feed.read_until = False, "", None
            feed.save(
                update_fields=["summary", "free_busy_only", "gone", "sync_token", "read_until"]
            )
        CalendarFeed.objects.bulk_create(
            CalendarFeed(
                connection=row,
                calendar_id=calendar.id,
                summary=calendar.summary,
                free_busy_only=calendar.free_busy_only,
            )
            for calendar in chosen.values()
        )
        CalendarFeed.objects.filter(pk__in=[feed.pk for feed in gone]).delete()
        if row.account and target_calendar in ("primary", row.account):
            # One calendar under two names: its events stay where they are.
            MirroredEvent.objects.filter(
                doctor_id=doctor_id, calendar_id__in=["primary", row.account]
            ).update(calendar_id=target_calendar)
        return watch.channels_of(gone)
