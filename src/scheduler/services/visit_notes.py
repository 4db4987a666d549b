"""Visit notes: the doctor of a completed visit writes its note, and amends it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain import access, availability, notifications, rules, visit_notes
from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import InvalidInput, NotFound, SlotUnavailable
from scheduler.domain.events import Event, VisitNoteEvent
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.visit_notes import VisitNote
from scheduler.services import commands
from scheduler.services.ports import Clock, Dependencies
from scheduler.services.queries import free_slots
from scheduler.services.unit_of_work import UnitOfWork

FOLLOW_UP = "follow_up_start"


def write_visit_note(cmd: commands.WriteVisitNote, uow: UnitOfWork, clock: Clock) -> uuid.UUID:
    """The visit's id; its note is written, or amended if it has one."""
    now = clock()
    with uow:
        appointment = uow.appointments.get(cmd.appointment_id)
        access.ensure_may_write_visit_note(cmd.actor, appointment)
        content = visit_notes.content(
            summary=cmd.summary,
            instructions=cmd.instructions,
            prescriptions=cmd.prescriptions,
            follow_up_start=cmd.follow_up_start,
        )
        note = uow.visit_notes.find(appointment.id)
        proposed = content.follow_up_start
        # A proposal kept as it was stands even once its time is near or past: the doctor
        # amending the words does not have to choose it again.
        if proposed is not None and (note is None or note.content.follow_up_start != proposed):
            _ensure_bookable(uow, appointment, proposed, now)
        if note is None:
            uow.visit_notes.add(
                VisitNote.write(appointment, content, actor_user_id=cmd.actor.user_id, now=now)
            )
        else:
            note.amend(appointment, content, actor_user_id=cmd.actor.user_id, now=now)
            uow.visit_notes.save(note)
        uow.commit()
    return appointment.id


def _ensure_bookable(
    uow: UnitOfWork, appointment: Appointment, start: datetime, now: datetime
) -> None:
    """A follow-up is one of the doctor's free slots at the visit's clinic, as its patient would
    book it (their notice, the booking horizon): the patient books it with one press."""
    try:
        schedule = uow.schedules.get(appointment.doctor_id, appointment.clinic_id)
    except NotFound:
        raise InvalidInput(
            gettext_noop("The doctor does not see patients at that clinic any more."),
            field=FOLLOW_UP,
        ) from None
    slot = Interval(start, start + timedelta(minutes=schedule.slot_minutes))
    try:
        availability.ensure_on_grid(schedule, slot)
        rules.ensure_timing(schedule, slot, now, staff=False)
    except SlotUnavailable as refused:
        raise InvalidInput(refused.template, params=refused.params, field=FOLLOW_UP) from None
    day = start.astimezone(ZoneInfo(schedule.timezone)).date()
    free = free_slots(
        uow,
        doctor_id=appointment.doctor_id,
        clinic_id=appointment.clinic_id,
        first_day=day,
        last_day=day,
        now=now,
        patient_id=appointment.patient_id,
    )
    if slot not in free:
        raise InvalidInput(
            gettext_noop("That time is not free: choose another one."), field=FOLLOW_UP
        )


def notify_patient(event: Event, deps: Dependencies) -> None:
    """The patient learns there is a note to read (its words stay on the visit's page)."""
    if isinstance(event, VisitNoteEvent):
        deps.notifier.schedule(event, notifications.plan_note(event))
