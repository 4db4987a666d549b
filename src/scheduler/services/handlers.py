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
from functools import partial
from typing import Protocol

from scheduler.domain import access, availability, notifications, rules
from scheduler.domain import holds as domain_holds
from scheduler.domain.appointment import TRANSITIONS, Appointment, Status, VisitMode
from scheduler.domain.errors import (
    DuplicateIdempotencyKey,
    IdempotencyMismatch,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotTaken,
    SlotTakenMeanwhile,
)
from scheduler.domain.events import (
    EVENT_TYPES,
    AppointmentEvent,
    AppointmentRescheduled,
    AvailabilityChanged,
    CalendarsChosen,
    DoctorVerified,
    DocumentRemoved,
    EmailVerificationRequested,
    Event,
    PasswordResetRequested,
    ProfileUpdated,
    SlotOffered,
    UserDeactivated,
    UserRegistered,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.domain.schedule import Schedule
from scheduler.services import (
    accounts,
    calendar_choice,
    calendar_feeds,
    commands,
    dependants,
    documents,
    email_verification,
    erasure,
    holds,
    no_shows,
    passwords,
    profiles,
    reviews,
    schedules,
    video_visits,
    visit_notes,
    waitlist,
)
from scheduler.services.calendar_sync import PUSHED_EVENTS, push_to_calendar
from scheduler.services.ports import Clock, Dependencies, SlotChange
from scheduler.services.queries import nearest_free_slots
from scheduler.services.unit_of_work import IdempotencyRecord, Meeting, UnitOfWork

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
        try:
            return _book(cmd, uow, now, patient_id, fingerprint)
        except SlotTakenMeanwhile:
            # The patient's own hold of the slot, made after this booking read it free (a
            # page confirming before its hold's reply came, a second tab), is theirs: booked
            # in place, once more. A refusal before the writes saw every hold there already.
            if not cmd.hold_required and _own_hold_now(uow, cmd, patient_id, clock()):
                return _book(cmd, uow, clock(), patient_id, fingerprint)
            raise
    except (SlotTaken, DuplicateIdempotencyKey) as conflict:
        # A retry that raced its own first attempt lost to it: answer with the first result.
        # Without a key there is no first attempt to find (and no transaction to open).
        if cmd.idempotency_key:
            with uow:
                replay = _replay(uow, cmd, fingerprint)
            if replay is not None:
                return replay
        if isinstance(conflict, DuplicateIdempotencyKey):
            raise
        raise _with_alternatives(
            conflict, uow, cmd.doctor_id, cmd.clinic_id, cmd.start, now, cmd.actor, patient_id
        ) from None


def _own_hold_now(
    uow: UnitOfWork, cmd: commands.BookAppointment, patient_id: int, now: datetime
) -> bool:
    with uow.reading():
        # The read every booking makes (its holds are the doctor's over the slot and all the
        # patient's): a refusal costs one read the same as a booking's.
        return any(
            hold.slot.start == cmd.start
            and holds.holds_for(
                hold,
                patient_id=patient_id,
                doctor_id=cmd.doctor_id,
                clinic_id=cmd.clinic_id,
                now=now,
            )
            for hold in uow.appointments.meeting(
                doctor_id=cmd.doctor_id,
                patient_id=patient_id,
                window=Interval(cmd.start, cmd.start + timedelta(minutes=1)),
            ).holds
        )


def _book(
    cmd: commands.BookAppointment,
    uow: UnitOfWork,
    now: datetime,
    patient_id: int,
    fingerprint: str,
) -> CommandResult:
    with uow:
        replay = _replay(uow, cmd, fingerprint)
        if replay is not None:
            return replay
        introduced = cmd.patient_introduced or _introduced_by_hold(uow, cmd, patient_id, now)
        schedule = _bookable_schedule(uow, cmd, patient_id, introduced=introduced)
        if cmd.dependant_id is not None:
            # For a family member of that patient only; the visit still holds the
            # patient's own time (_Admitted.ensure_free): one adult brings them and stays.
            access.ensure_family_of(patient_id, uow.dependants.get(cmd.dependant_id))
        slot = _slot_at(schedule, cmd.start)
        met = uow.appointments.meeting(doctor_id=cmd.doctor_id, patient_id=patient_id, window=slot)
        # The patient's own live hold of the slot is booked in place (same id).
        held = holds.own_hold(
            met.holds,
            patient_id=patient_id,
            doctor_id=cmd.doctor_id,
            clinic_id=cmd.clinic_id,
            slot=slot,
            now=now,
            hold_id=cmd.hold_id,
            only=cmd.hold_required,
        )
        if cmd.hold_required and held is None:
            raise SlotTaken(gettext_noop("The slot held for you was let go."))
        holds.let_go_of_reviews(
            met.holds,
            patient_id=patient_id,
            keep=held.id if held else None,
            actor=cmd.actor,
            now=now,
        )
        admitted = _admit(
            uow, schedule, slot, now=now, staff=cmd.actor.is_staff, patient_id=patient_id, met=met
        )
        held_back = no_shows.needs_approval(uow, cmd.actor, patient_id, cmd.clinic_id, now)
        video_room = video_visits.room_for(cmd.visit_mode, uow, cmd.clinic_id)
        needs_confirmation = (schedule.requires_approval or held_back) and not cmd.actor.is_staff
        if held is not None:
            appointment = held
            held.book_hold(
                reason=cmd.reason,
                needs_confirmation=needs_confirmation,
                actor_user_id=cmd.actor.user_id,
                now=now,
                dependant_id=cmd.dependant_id,
                visit_mode=cmd.visit_mode,
                video_room=video_room,
            )
        else:
            appointment = Appointment.create(
                doctor_id=cmd.doctor_id,
                patient_id=patient_id,
                clinic_id=cmd.clinic_id,
                slot=slot,
                reason=cmd.reason,
                needs_confirmation=needs_confirmation,
                actor_user_id=cmd.actor.user_id,
                now=now,
                dependant_id=cmd.dependant_id,
                visit_mode=cmd.visit_mode,
                video_room=video_room,
            )
            uow.appointments.add(appointment)
        if cmd.idempotency_key:
            uow.appointments.remember_key(
                cmd.actor.user_id,
                cmd.idempotency_key,
                IdempotencyRecord(appointment.id, fingerprint),
            )
        admitted.ensure_free(uow, moving=held.id if held else None)
        uow.commit()
        return CommandResult(appointment.id)


def reschedule_appointment(
    cmd: commands.RescheduleAppointment, uow: UnitOfWork, clock: Clock
) -> CommandResult:
    now = clock()
    try:
        with uow:
            appointment = uow.appointments.get(cmd.appointment_id)
            access.ensure_may(cmd.actor, appointment, "reschedule")
            appointment.ensure_reschedulable(now)
            _ensure_in_time(uow, appointment, cmd.actor, "reschedule", now)
            schedule = uow.schedules.get(appointment.doctor_id, appointment.clinic_id)
            slot = _slot_at(schedule, cmd.start)
            # Moving a visit is booking its new time: the patient's review holds go, one of
            # that very slot included (on the move page, a slot they hold is theirs to pick).
            met = uow.appointments.meeting(
                doctor_id=appointment.doctor_id,
                patient_id=appointment.patient_id,
                window=slot,
                excluding=appointment.id,
            )
            holds.let_go_of_reviews(
                met.holds, patient_id=appointment.patient_id, keep=None, actor=cmd.actor, now=now
            )
            admitted = _admit(
                uow,
                schedule,
                slot,
                now=now,
                staff=cmd.actor.is_staff,
                patient_id=appointment.patient_id,
                met=met,
            )
            appointment.reschedule(slot=slot, actor_user_id=cmd.actor.user_id, now=now)
            admitted.ensure_free(uow, moving=appointment.id)
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
        now = clock()
        if action == "cancel" and Status.CANCELLED in TRANSITIONS[appointment.status]:
            # Only a cancellation the state allows meets the cut-off: the state's own refusal
            # says more ("a cancelled appointment cannot be cancelled").
            _ensure_in_time(uow, appointment, cmd.actor, action, now)
        zone = uow.schedules.clinic_timezone(appointment.clinic_id)
        apply(appointment, cmd, now, zone)
        uow.commit()
    return CommandResult(appointment.id)


def hold_slot(cmd: commands.HoldSlot, uow: UnitOfWork, clock: Clock) -> holds.HeldSlot:
    """Hold the slot for the patient (domain.holds), checked as a booking is; the patient's
    live hold of it already is the answer. A new review hold lets their previous one go."""
    now = clock()
    patient_id = access.booking_patient(
        cmd.actor, doctor_id=cmd.doctor_id, clinic_id=cmd.clinic_id, patient_id=cmd.patient_id
    )
    expires_at = domain_holds.expiry(now, cmd.minutes)
    purpose = domain_holds.purpose_for(cmd.actor, cmd.purpose)
    try:
        with uow:
            schedule = _bookable_schedule(uow, cmd, patient_id, introduced=cmd.patient_introduced)
            slot = _slot_at(schedule, cmd.start)
            met = uow.appointments.meeting(
                doctor_id=cmd.doctor_id, patient_id=patient_id, window=slot
            )
            held = holds.own_hold(
                met.holds,
                patient_id=patient_id,
                doctor_id=cmd.doctor_id,
                clinic_id=cmd.clinic_id,
                slot=slot,
                now=now,
            )
            if held is not None and held.hold_expires_at is not None:
                return holds.HeldSlot(held.id, held.hold_expires_at)
            if purpose is domain_holds.Purpose.REVIEW:
                holds.let_go_of_reviews(
                    met.holds, patient_id=patient_id, keep=None, actor=cmd.actor, now=now
                )
            admitted = _admit(
                uow,
                schedule,
                slot,
                now=now,
                staff=cmd.actor.is_staff,
                patient_id=patient_id,
                met=met,
            )
            hold = Appointment.hold(
                doctor_id=cmd.doctor_id,
                patient_id=patient_id,
                clinic_id=cmd.clinic_id,
                slot=slot,
                purpose=purpose,
                expires_at=expires_at,
                actor_user_id=cmd.actor.user_id,
                now=now,
            )
            uow.appointments.add(hold)
            admitted.ensure_free(uow)
            uow.commit()
            return holds.HeldSlot(hold.id, expires_at)
    except SlotTaken as conflict:
        raise _with_alternatives(
            conflict, uow, cmd.doctor_id, cmd.clinic_id, cmd.start, now, cmd.actor, patient_id
        ) from None


def _ensure_in_time(
    uow: UnitOfWork, appointment: Appointment, actor: Actor, action: str, now: datetime
) -> None:
    """The clinic's cut-off for a patient's own cancellation or move; a visit already over is
    refused by the aggregate, in its own words."""
    if appointment.slot.end <= now:
        return
    rules.ensure_may_still_change(
        appointment.slot.start,
        now,
        uow.schedules.cancel_cutoff_minutes(appointment.clinic_id),
        action=action,
        staff=actor.is_staff,
    )


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


def _introduced_by_hold(
    uow: UnitOfWork, cmd: commands.BookAppointment, patient_id: int, now: datetime
) -> bool:
    """Whether the hold the booking names carries the patient's introduction to it
    (domain.holds.introduces): staff book the desk hold they made without the ref again."""
    if cmd.hold_id is None or not cmd.actor.is_staff:
        return False
    try:
        hold = uow.appointments.get(cmd.hold_id)
    except NotFound:
        return False
    return domain_holds.introduces(
        cmd.actor,
        hold,
        patient_id=patient_id,
        doctor_id=cmd.doctor_id,
        clinic_id=cmd.clinic_id,
        now=now,
    )


def _bookable_schedule(
    uow: UnitOfWork,
    cmd: commands.BookAppointment | commands.HoldSlot,
    patient_id: int,
    *,
    introduced: bool,
) -> Schedule:
    # One read on the way of every booking; when it finds one of the three missing, they are
    # read apart, in the order the refusals below are told.
    parties = uow.booking_parties(cmd.doctor_id, patient_id, cmd.clinic_id, starting=cmd.start)
    try:
        found = parties[0] if parties else uow.doctors.get(cmd.doctor_id)
    except NotFound:
        found = None
    doctor = rules.ensure_bookable(found)
    # A patient staff may not know is no patient to them: told as one that does not exist.
    scope = access.patient_to_know(cmd.actor, introduced=introduced)
    if scope is not None and not uow.patients.known_in(scope, patient_id):
        raise InvalidInput(gettext_noop("No such patient."), field="patient_id")
    try:
        patient = parties[1] if parties else uow.patients.get(patient_id)
    except NotFound:
        raise InvalidInput(gettext_noop("No such patient."), field="patient_id") from None
    if not patient.active:
        raise InvalidInput(gettext_noop("This patient's account is closed."), field="patient_id")
    rules.ensure_takes_patient(
        accepts_new_patients=doctor.accepts_new_patients,
        # Asked only of a doctor who takes no new patients: one query fewer for every booking.
        taken_on=doctor.accepts_new_patients or uow.appointments.taken_on(patient_id, doctor.id),
        staff=cmd.actor.is_staff,
    )
    if parties:
        return parties[2]
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
    met: Meeting,
) -> _Admitted:
    """Everything that must hold for ``slot`` to be taken but its being free, checked in order
    of cost; that last check is the answer's (_Admitted.ensure_free). ``met``: what a booking
    of it meets (UnitOfWork.meeting)."""
    holds.release_expired_around(
        met.holds, doctor_id=schedule.doctor_id, patient_id=patient_id, slot=slot, now=now
    )
    availability.ensure_on_grid(schedule, slot)
    rules.ensure_timing(schedule, slot, now, staff=staff)
    rules.ensure_clear_of(slot, uow.busy_blocks.for_doctor(schedule.doctor_id, slot))
    return _Admitted(schedule, slot, now, staff, patient_id, met)


@dataclass(frozen=True)
class _Admitted:
    schedule: Schedule
    slot: Interval
    now: datetime
    staff: bool
    patient_id: int
    met: Meeting

    def ensure_free(self, uow: UnitOfWork, *, moving: uuid.UUID | None = None) -> None:
        """The store's guards' check, made before the writes, right before the commit where
        they would make it: every other refusal comes first, as it did, and this one writes
        nothing. The guards still refuse what another writer takes meanwhile
        (SlotTakenMeanwhile). ``moving``: the appointment that takes the slot, if it has one."""
        doctor_busy, patient_busy = self.met.busy(
            self.slot, doctor_id=self.schedule.doctor_id, patient_id=self.patient_id, moving=moving
        )
        try:
            rules.ensure_free(self.slot, doctor_busy=doctor_busy, patient_busy=patient_busy)
        except SlotTaken as taken:
            # Alternatives of the schedule at hand, read as stored: the holds this unit of
            # work let go of stay held once it is rolled back.
            uow.rollback()
            with uow.reading():
                raise _alternatives_to(
                    taken,
                    uow,
                    self.schedule,
                    around=self.slot.start,
                    now=self.now,
                    staff=self.staff,
                    patient_id=self.patient_id,
                ) from None


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
    """``conflict`` with the nearest free slots, unless told with them already
    (_Admitted.ensure_free)."""
    if "alternatives" in conflict.details:
        return conflict
    with uow.reading():
        schedule = uow.schedules.get(doctor_id, clinic_id)
        return _alternatives_to(
            conflict,
            uow,
            schedule,
            around=around,
            now=now,
            staff=actor.is_staff,
            patient_id=patient_id,
        )


def _alternatives_to(
    conflict: SlotTaken,
    uow: UnitOfWork,
    schedule: Schedule,
    *,
    around: datetime,
    now: datetime,
    staff: bool,
    patient_id: int,
) -> SlotTaken:
    alternatives = nearest_free_slots(
        uow, schedule, around=around, now=now, staff=staff, patient_id=patient_id
    )
    # The clinic's zone goes along so that the alternatives can be said on its clock.
    return type(conflict)(
        conflict.template,
        params=conflict.params,
        **conflict.details,
        alternatives=alternatives,
        timezone=schedule.timezone,
    )


def _fingerprint(cmd: commands.BookAppointment, patient_id: int) -> str:
    """What a request with the same Idempotency-Key must ask again to be a replay."""
    start = cmd.start.astimezone(UTC).isoformat()
    # The reason's own "|" escaped (found in review: "cough|1" then "cough" for dependant 1 was
    # a replay); a reason with no "|" or "\" reads as before, so keys kept across a deploy
    # still match.
    reason = cmd.reason.replace("\\", "\\\\").replace("|", "\\|")
    raw = f"{cmd.doctor_id}|{cmd.clinic_id}|{patient_id}|{start}|{reason}"
    if cmd.dependant_id is not None:  # the same request for someone else is another booking
        raw += f"|{cmd.dependant_id}"
    if cmd.visit_mode is not VisitMode.IN_PERSON:  # a video visit is another booking too
        raw += f"|{cmd.visit_mode}"
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


def refresh_directory(event: Event, deps: Dependencies) -> None:
    """The search's free time follows every change that can move it: at each of the doctor's
    clinics, as a visit at one takes the doctor's time at all. Recomputed from the slots
    rather than adjusted by the event, so a repeat or a late delivery is harmless."""
    match event:
        case AppointmentEvent() | AvailabilityChanged() | DoctorVerified():
            deps.directory.refresh_doctor(event.doctor_id)
        case UserDeactivated():
            deps.directory.refresh_account(event.user_id)


# A new doctor starts unverified, so unlisted: their DoctorVerified lists them, and the closing
# of their account takes them off.
MOVES_FREE_TIME = tuple(
    event_type
    for event_type in EVENT_TYPES.values()
    if issubclass(
        event_type, AppointmentEvent | AvailabilityChanged | DoctorVerified | UserDeactivated
    )
)


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
    commands.SetDoctorPhoto: profiles.set_doctor_photo,
    commands.RemoveDoctorPhoto: profiles.remove_doctor_photo,
    commands.RequestPasswordReset: passwords.request_password_reset,
    commands.ResetPassword: passwords.reset_password,
    commands.ChangePassword: passwords.change_password,
    commands.SetPassword: passwords.set_password,
    commands.DeactivateUser: passwords.deactivate_user,
    commands.VerifyEmail: email_verification.verify_email,
    commands.ResendVerification: email_verification.resend_verification,
    commands.ForgetPatient: erasure.forget_patient,
    commands.ChooseCalendars: calendar_choice.choose_calendars,
    commands.AddDependant: dependants.add_dependant,
    commands.UpdateDependant: dependants.update_dependant,
    commands.RemoveDependant: dependants.remove_dependant,
    commands.CreateCalendarFeed: calendar_feeds.create_calendar_feed,
    commands.RevokeCalendarFeed: calendar_feeds.revoke_calendar_feed,
    commands.HoldSlot: hold_slot,
    commands.ReleaseHold: holds.release_hold,
    commands.ReleaseExpiredHolds: holds.release_expired_holds,
    commands.JoinWaitlist: waitlist.join_waitlist,
    commands.LeaveWaitlist: waitlist.leave_waitlist,
    commands.MoveWaitlistEntry: waitlist.move_waitlist_entry,
    commands.OfferFreedSlots: waitlist.offer_freed_slots,
    commands.AcceptOffer: partial(waitlist.accept_offer, book=book_appointment),
    commands.DeclineOffer: waitlist.decline_offer,
    commands.ExpireOffer: waitlist.expire_offer,
    commands.ForgiveNoShow: no_shows.forgive_no_show,
    commands.WriteVisitReview: reviews.write_visit_review,
    commands.EditVisitReview: reviews.edit_visit_review,
    commands.ReplyToReview: reviews.reply_to_review,
    commands.HideReview: reviews.hide_review,
    commands.ShowReview: reviews.show_review,
    commands.WriteVisitNote: visit_notes.write_visit_note,
    commands.AttachDocument: documents.attach_document,
    commands.RemoveDocument: documents.remove_document,
}

EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    event_type: [log_event, publish_slot_change] for event_type in EVENT_TYPES.values()
}

for _pushed in PUSHED_EVENTS:
    EVENT_HANDLERS[_pushed].append(push_to_calendar)

for _moving in MOVES_FREE_TIME:
    EVENT_HANDLERS[_moving].append(refresh_directory)

EVENT_HANDLERS[CalendarsChosen].append(calendar_choice.rearrange_calendar)

EVENT_HANDLERS[PasswordResetRequested].append(passwords.mail_password_reset)

for _new_address in (UserRegistered, ProfileUpdated, EmailVerificationRequested):
    EVENT_HANDLERS[_new_address].append(email_verification.mail_verification)

for _telling in notifications.ON_EVENT:
    EVENT_HANDLERS[_telling].append(notify_people)

for _freeing in waitlist.FREES_TIME:
    EVENT_HANDLERS[_freeing].append(waitlist.offer_freed_time)

EVENT_HANDLERS[SlotOffered].append(waitlist.tell_offer)

for _answer in waitlist.ANSWERS:
    EVENT_HANDLERS[_answer].append(waitlist.show_answer)

for _noted in notifications.ON_NOTE:
    EVENT_HANDLERS[_noted].append(visit_notes.notify_patient)

EVENT_HANDLERS[DocumentRemoved].append(documents.drop_removed_file)
