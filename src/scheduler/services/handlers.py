"""Use cases: one handler per command, and the reactions to events.

Command handlers run in a unit of work and return what the caller needs to answer. Event
handlers run later, after commit, from the outbox relay (adapters.outbox): at least once, so
each must be safe to run twice.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from scheduler.domain import access, availability, notifications, rules
from scheduler.domain.appointment import Appointment, Status
from scheduler.domain.errors import (
    DuplicateIdempotencyKey,
    IdempotencyMismatch,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotTaken,
)
from scheduler.domain.events import (
    EVENT_TYPES,
    AppointmentEvent,
    AppointmentRescheduled,
    AvailabilityChanged,
    CalendarsChosen,
    EmailVerificationRequested,
    Event,
    PasswordResetRequested,
    ProfileUpdated,
    UserRegistered,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.domain.schedule import Schedule
from scheduler.services import (
    accounts,
    calendar_choice,
    commands,
    email_verification,
    erasure,
    passwords,
    schedules,
)
from scheduler.services.calendar_sync import PUSHED_EVENTS, push_to_calendar
from scheduler.services.ports import Clock, Dependencies, SlotChange
from scheduler.services.queries import nearest_free_slots
from scheduler.services.unit_of_work import IdempotencyRecord, UnitOfWork

__all__ = ["COMMAND_HANDLERS", "EVENT_HANDLERS", "Clock", "CommandResult"]


@dataclass(frozen=True)
class CommandResult:
    appointment_id: uuid.UUID
    replayed: bool = False


def book_appointment(cmd: commands.BookAppointment, uow: UnitOfWork, clock: Clock) -> CommandResult:
    now = clock()
    patient_id = access.booking_patient(
        cmd.actor, doctor_id=cmd.doctor_id, clinic_id=cmd.clinic_id, patient_id=cmd.patient_id
    )
    fingerprint = _fingerprint(cmd, patient_id)
    try:
        with uow:
            replay = _replay(uow, cmd, fingerprint)
            if replay is not None:
                return replay
            schedule = _bookable_schedule(uow, cmd, patient_id)
            slot = _slot_at(schedule, cmd.start)
            _admit(uow, schedule, slot, now=now, staff=cmd.actor.is_staff, patient_id=patient_id)
            appointment = Appointment.create(
                doctor_id=cmd.doctor_id,
                patient_id=patient_id,
                clinic_id=cmd.clinic_id,
                slot=slot,
                reason=cmd.reason,
                needs_confirmation=schedule.requires_approval and not cmd.actor.is_staff,
                actor_user_id=cmd.actor.user_id,
                now=now,
            )
            uow.appointments.add(appointment)
            if cmd.idempotency_key:
                uow.appointments.remember_key(
                    cmd.actor.user_id,
                    cmd.idempotency_key,
                    IdempotencyRecord(appointment.id, fingerprint),
                )
            uow.commit()
            return CommandResult(appointment.id)
    except (SlotTaken, DuplicateIdempotencyKey) as conflict:
        # A retry that raced its own first attempt lost to it: answer with the first result.
        with uow:
            replay = _replay(uow, cmd, fingerprint)
        if replay is not None:
            return replay
        if isinstance(conflict, DuplicateIdempotencyKey):
            raise
        raise _with_alternatives(
            conflict, uow, cmd.doctor_id, cmd.clinic_id, cmd.start, now, cmd.actor, patient_id
        ) from None


def reschedule_appointment(
    cmd: commands.RescheduleAppointment, uow: UnitOfWork, clock: Clock
) -> CommandResult:
    now = clock()
    try:
        with uow:
            appointment = uow.appointments.get(cmd.appointment_id)
            access.ensure_may(cmd.actor, appointment, "reschedule")
            appointment.ensure_reschedulable(now)
            schedule = uow.schedules.get(appointment.doctor_id, appointment.clinic_id)
            slot = _slot_at(schedule, cmd.start)
            _admit(
                uow,
                schedule,
                slot,
                now=now,
                staff=cmd.actor.is_staff,
                patient_id=appointment.patient_id,
                moving=appointment.id,
            )
            appointment.reschedule(slot=slot, actor_user_id=cmd.actor.user_id, now=now)
            uow.commit()
            return CommandResult(appointment.id)
    except SlotTaken as conflict:
        raise _with_alternatives(
            conflict,
            uow,
            appointment.doctor_id,
            appointment.clinic_id,
            cmd.start,
            now,
            cmd.actor,
            appointment.patient_id,
        ) from None


# Each action: its name for access rules, and the change (appointment, command, now, the
# clinic's time zone).
_CHANGES: dict[
    type[commands.AppointmentAction],
    tuple[str, Callable[[Appointment, commands.AppointmentAction, datetime, str], None]],
] = {
    commands.ConfirmAppointment: (
        "confirm",
        lambda a, c, now, zone: a.confirm(actor_user_id=c.actor.user_id, now=now),
    ),
    commands.RejectAppointment: (
        "reject",
        lambda a, c, now, zone: a.reject(
            actor_user_id=c.actor.user_id, now=now, reason=getattr(c, "reason", "")
        ),
    ),
    commands.CancelAppointment: (
        "cancel",
        lambda a, c, now, zone: a.cancel(
            actor_user_id=c.actor.user_id, now=now, reason=getattr(c, "reason", "")
        ),
    ),
    commands.CheckInAppointment: (
        "check_in",
        lambda a, c, now, zone: a.check_in(actor_user_id=c.actor.user_id, now=now, zone=zone),
    ),
    commands.StartConsultation: (
        "start",
        lambda a, c, now, zone: a.start_consultation(actor_user_id=c.actor.user_id, now=now),
    ),
    commands.CompleteAppointment: (
        "complete",
        lambda a, c, now, zone: a.complete(actor_user_id=c.actor.user_id, now=now),
    ),
    commands.MarkNoShow: (
        "no_show",
        lambda a, c, now, zone: a.mark_no_show(actor_user_id=c.actor.user_id, now=now),
    ),
    commands.UndoAppointmentChange: (
        "undo",
        lambda a, c, now, zone: a.undo(actor_user_id=c.actor.user_id, now=now),
    ),
}


def change_appointment(
    cmd: commands.AppointmentAction, uow: UnitOfWork, clock: Clock
) -> CommandResult:
    """Confirm, reject, cancel, check in, call in, complete, mark a no-show, or undo one of the
    last four."""
    action, apply = _CHANGES[type(cmd)]
    with uow:
        appointment = uow.appointments.get(cmd.appointment_id)
        access.ensure_may(cmd.actor, appointment, action)
        if isinstance(cmd, commands.StartConsultation):
            _one_patient_at_a_time(uow, appointment)
        zone = uow.schedules.clinic_timezone(appointment.clinic_id)
        apply(appointment, cmd, clock(), zone)
        uow.commit()
    return CommandResult(appointment.id)


def _one_patient_at_a_time(uow: UnitOfWork, appointment: Appointment) -> None:
    """A doctor sees one patient at a time: the one with them is completed first."""
    around = Interval(
        appointment.slot.start - timedelta(days=1), appointment.slot.end + timedelta(days=1)
    )
    for other in uow.appointments.active_of_doctor(appointment.doctor_id, around):
        if other.id != appointment.id and other.status is Status.IN_CONSULTATION:
            raise InvalidTransition(
                gettext_noop(
                    "The doctor is still with another patient: complete that visit first."
                ),
                status=appointment.status,
            )


def _replay(
    uow: UnitOfWork, cmd: commands.BookAppointment, fingerprint: str
) -> CommandResult | None:
    if not cmd.idempotency_key:
        return None
    record = uow.appointments.recall_key(cmd.actor.user_id, cmd.idempotency_key)
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyMismatch(
            gettext_noop("This Idempotency-Key was used for a different booking."),
            field="Idempotency-Key",
        )
    return CommandResult(record.appointment_id, replayed=True)


def _bookable_schedule(uow: UnitOfWork, cmd: commands.BookAppointment, patient_id: int) -> Schedule:
    try:
        doctor = uow.doctors.get(cmd.doctor_id)
    except NotFound:
        raise InvalidInput(gettext_noop("No such doctor."), field="doctor_id") from None
    if not doctor.verified:
        raise InvalidInput(
            gettext_noop("This doctor does not take bookings yet."), field="doctor_id"
        )
    try:
        patient = uow.patients.get(patient_id)
    except NotFound:
        raise InvalidInput(gettext_noop("No such patient."), field="patient_id") from None
    if not patient.active:
        raise InvalidInput(gettext_noop("This patient's account is closed."), field="patient_id")
    try:
        return uow.schedules.get(cmd.doctor_id, cmd.clinic_id)
    except NotFound:
        raise InvalidInput(
            gettext_noop("The doctor does not see patients at that clinic."), field="clinic_id"
        ) from None


def _slot_at(schedule: Schedule, start: datetime) -> Interval:
    return Interval(start, start + timedelta(minutes=schedule.slot_minutes))


def _admit(
    uow: UnitOfWork,
    schedule: Schedule,
    slot: Interval,
    *,
    now: datetime,
    staff: bool,
    patient_id: int,
    moving: uuid.UUID | None = None,
) -> None:
    """Everything that must hold for ``slot`` to be taken, checked in order of cost."""
    availability.ensure_on_grid(schedule, slot)
    rules.ensure_timing(schedule, slot, now, staff=staff)
    rules.ensure_clear_of(slot, uow.busy_blocks.for_doctor(schedule.doctor_id, slot))
    rules.ensure_free(
        slot,
        doctor_busy=uow.appointments.doctor_busy(schedule.doctor_id, slot, excluding=moving),
        patient_busy=uow.appointments.patient_busy(patient_id, slot, excluding=moving),
    )


def _with_alternatives(
    conflict: SlotTaken,
    uow: UnitOfWork,
    doctor_id: int,
    clinic_id: int,
    around: datetime,
    now: datetime,
    actor: Actor,
    patient_id: int,
) -> SlotTaken:
    with uow:
        alternatives = nearest_free_slots(
            uow,
            doctor_id=doctor_id,
            clinic_id=clinic_id,
            around=around,
            now=now,
            staff=actor.is_staff,
            patient_id=patient_id,
        )
        zone = uow.schedules.clinic_timezone(clinic_id)
    # The clinic's zone goes along so that the alternatives can be said on its clock.
    return SlotTaken(
        conflict.template,
        params=conflict.params,
        **conflict.details,
        alternatives=alternatives,
        timezone=zone,
    )


def _fingerprint(cmd: commands.BookAppointment, patient_id: int) -> str:
    """What a request with the same Idempotency-Key must ask again to be a replay."""
    start = cmd.start.astimezone(UTC).isoformat()
    raw = f"{cmd.doctor_id}|{cmd.clinic_id}|{patient_id}|{start}|{cmd.reason}"
    return hashlib.sha256(raw.encode()).hexdigest()


def log_event(event: Event, deps: Dependencies) -> None:
    deps.log.record(event)


def publish_slot_change(event: Event, deps: Dependencies) -> None:
    """Every open grid of the doctor's day(s) and the clinic's desk repaint what changed."""
    match event:
        case AppointmentEvent():
            deps.slots.publish(slot_change(event))
        case AvailabilityChanged():
            deps.slots.repaint(event.doctor_id, Interval(event.start, event.end), event.event_id)


def slot_change(event: AppointmentEvent) -> SlotChange:
    released = None
    if isinstance(event, AppointmentRescheduled):
        released = Interval(event.previous_start, event.previous_end)
    return SlotChange(
        appointment_id=event.appointment_id,
        version=event.version,
        doctor_id=event.doctor_id,
        clinic_id=event.clinic_id,
        patient_id=event.patient_id,
        status=event.status,
        slot=Interval(event.start, event.end),
        released=released,
    )


def notify_people(event: Event, deps: Dependencies) -> None:
    """Tell the patient (and for requests and cancellations the doctor); plan reminders."""
    if not isinstance(event, AppointmentEvent):
        return
    offsets = (
        deps.notifier.reminder_offsets(event.clinic_id)
        if notifications.sets_reminders(event)
        else ()
    )
    messages = notifications.plan(event, offsets)
    if messages:
        deps.notifier.schedule(event, messages)


class EventHandler(Protocol):
    """Gets the ports it needs through one explicit value, bound by config.bootstrap."""

    def __call__(self, event: Event, deps: Dependencies) -> None: ...


COMMAND_HANDLERS: dict[type[commands.Command], Callable[..., object]] = {
    commands.BookAppointment: book_appointment,
    commands.RescheduleAppointment: reschedule_appointment,
    **{action: change_appointment for action in _CHANGES},
    commands.ReplaceSchedule: schedules.replace_schedule,
    commands.AddTimeOff: schedules.add_time_off,
    commands.RemoveTimeOff: schedules.remove_time_off,
    commands.RegisterUser: accounts.register_user,
    commands.AddPatient: accounts.add_patient,
    commands.UpdateProfile: accounts.update_profile,
    commands.VerifyDoctor: accounts.verify_doctor,
    commands.RequestPasswordReset: passwords.request_password_reset,
    commands.ResetPassword: passwords.reset_password,
    commands.ChangePassword: passwords.change_password,
    commands.SetPassword: passwords.set_password,
    commands.DeactivateUser: passwords.deactivate_user,
    commands.VerifyEmail: email_verification.verify_email,
    commands.ResendVerification: email_verification.resend_verification,
    commands.ForgetPatient: erasure.forget_patient,
    commands.ChooseCalendars: calendar_choice.choose_calendars,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    event_type: [log_event, publish_slot_change] for event_type in EVENT_TYPES.values()
}

for _pushed in PUSHED_EVENTS:
    EVENT_HANDLERS[_pushed].append(push_to_calendar)

EVENT_HANDLERS[CalendarsChosen].append(calendar_choice.rearrange_calendar)

EVENT_HANDLERS[PasswordResetRequested].append(passwords.mail_password_reset)

for _new_address in (UserRegistered, ProfileUpdated, EmailVerificationRequested):
    EVENT_HANDLERS[_new_address].append(email_verification.mail_verification)

for _telling in notifications.ON_EVENT:
    EVENT_HANDLERS[_telling].append(notify_people)
