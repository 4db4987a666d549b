"""The doctor's choice of their own calendars: where appointments go, which calendars count as
busy time, how much of the patient an event shows. Committed with CalendarsChosen, whose
handler moves events to where the choice says and reads busy times again."""

from __future__ import annotations

from scheduler.domain import access
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.events import CalendarsChosen, Event
from scheduler.domain.messages import gettext_noop
from scheduler.services import commands
from scheduler.services.calendar_values import Detail
from scheduler.services.ports import Clock, Dependencies
from scheduler.services.unit_of_work import UnitOfWork


def choose_calendars(cmd: commands.ChooseCalendars, uow: UnitOfWork, clock: Clock) -> None:
    access.ensure_owns_calendar(cmd.actor, cmd.doctor_id)
    listed = {calendar.id: calendar for calendar in cmd.listed}
    if cmd.target_calendar and not (
        cmd.target_calendar in listed and listed[cmd.target_calendar].writable
    ):
        raise InvalidInput(
            gettext_noop("Choose a calendar you may write to for the appointments."), field="target"
        )
    try:
        detail = Detail(cmd.detail)
    except ValueError:
        raise InvalidInput(
            gettext_noop("Choose what the appointment events show of the patient."), field="detail"
        ) from None
    busy = [listed[key] for key in dict.fromkeys(cmd.busy_calendars) if key in listed]
    with uow:
        if not uow.calendars.connected(cmd.doctor_id):
            raise NotFound(gettext_noop("No calendar is connected."))
        dropped = uow.calendars.choose(
            cmd.doctor_id, target_calendar=cmd.target_calendar, busy=busy, detail=detail
        )
        uow.calendars.events.append(
            CalendarsChosen(
                occurred_at=clock(),
                doctor_id=cmd.doctor_id,
                target_calendar=cmd.target_calendar,
                dropped_channels=tuple(dropped),
                actor_user_id=cmd.actor.user_id,
            )
        )
        uow.commit()


def rearrange_calendar(event: Event, deps: Dependencies) -> None:
    """Events where the new choice says, busy times from the chosen calendars."""
    if isinstance(event, CalendarsChosen):
        deps.calendar.rearrange(event.doctor_id, event.target_calendar, event.dropped_channels)
