"""The Appointment aggregate: its states, legal moves, history and events.

States follow HL7 FHIR Appointment, and one of its Encounter: ``in_consultation``, the patient
called in and with the doctor (the desk's queue needs to know who is in the room). Only active
states hold a slot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain import events
from scheduler.domain.errors import InvalidInput, InvalidTransition
from scheduler.domain.events import AppointmentEvent
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import Term, gettext_noop


class Status(StrEnum):
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    IN_CONSULTATION = "in_consultation"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    NOSHOW = "noshow"
    # A slot held for a patient for a few minutes (domain.holds), not a visit; FHIR's name.
    PROPOSED = "proposed"
    # A hold given up, expired or booked elsewhere: nothing at all, kept only until swept.
    RELEASED = "released"


class VisitMode(StrEnum):
    """Where the visit takes place: at the clinic, or by video (domain.video_visits)."""

    IN_PERSON = "in_person"
    VIDEO = "video"


ACTIVE = frozenset({Status.PENDING, Status.BOOKED, Status.ARRIVED, Status.IN_CONSULTATION})
# Rows that are no visit: no list, count, message or calendar shows them (domain.holds).
HOLD_STATES = frozenset({Status.PROPOSED, Status.RELEASED})
# What the database keeps from overlapping, per doctor and per patient: a live hold too.
OCCUPYING = ACTIVE | {Status.PROPOSED}

# A booked visit may be completed without a check-in: many practices have no desk.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.BOOKED, Status.REJECTED, Status.CANCELLED}),
    Status.BOOKED: frozenset({Status.ARRIVED, Status.FULFILLED, Status.CANCELLED, Status.NOSHOW}),
    # A patient checked in may leave before being seen: a no-show, to the queue and the record.
    Status.ARRIVED: frozenset({Status.IN_CONSULTATION, Status.FULFILLED, Status.NOSHOW}),
    Status.IN_CONSULTATION: frozenset({Status.FULFILLED}),
    Status.FULFILLED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.NOSHOW: frozenset(),
    # A hold moves only by book_hold and release_hold, never by a visit's actions.
    Status.PROPOSED: frozenset(),
    Status.RELEASED: frozenset(),
}

RESCHEDULABLE = frozenset({Status.PENDING, Status.BOOKED})

# A patient the doctor has taken on: a visit confirmed, under way or held. A request still
# waiting, or one declined, cancelled or missed, does not make them the doctor's patient.
TAKEN_ON = frozenset({Status.BOOKED, Status.ARRIVED, Status.IN_CONSULTATION, Status.FULFILLED})

# A check-in, a call-in, a completion or a no-show marked by mistake is taken back within this
# while, not later: by then the day has moved on (and the doctor may have seen someone else).
UNDO_WINDOW = timedelta(minutes=10)
UNDOABLE = frozenset({"check_in", "start", "complete", "no_show"})
# The history line of a visit the doctor's new hours left out: its patient is asked to move it.
DISPLACE = "displace"
# What the patient tells the doctor when booking: a few sentences, not a medical history.
MAX_REASON = 500
# The history line of a no-show the staff forgave (domain.no_show_policy counts the others).
FORGIVE_NO_SHOW = "forgive_no_show"


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            gettext_noop("At most %(limit)s characters."),
            field="reason",
            params={"limit": MAX_REASON},
        )
    return reason


def undo_until(action: str, at: datetime) -> datetime | None:
    """Until when a change (``action`` made ``at``) may be taken back; None: it may not."""
    return at + UNDO_WINDOW if action in UNDOABLE else None


@dataclass(frozen=True)
class Change:
    """One line of an appointment's history."""

    at: datetime
    actor_user_id: int | None
    action: str
    from_status: Status | None
    to_status: Status
    note: str = ""


@dataclass(eq=False)
class Appointment:
    id: uuid.UUID
    doctor_id: int
    patient_id: int
    clinic_id: int
    slot: Interval
    status: Status
    reason: str = ""
    # The family member the visit is for (domain.dependants), None: the patient themselves.
    dependant_id: int | None = None
    # Set on a hold only (Status.PROPOSED): until when, and why (domain.holds.Purpose).
    hold_expires_at: datetime | None = None
    hold_purpose: str = ""
    visit_mode: VisitMode = VisitMode.IN_PERSON
    # A video visit's room name (unguessable: it is the only key to the room); "" in person.
    video_room: str = ""
    version: int = 1
    history: list[Change] = field(default_factory=list)
    events: list[events.Event] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        doctor_id: int,
        patient_id: int,
        clinic_id: int,
        slot: Interval,
        reason: str,
        needs_confirmation: bool,
        actor_user_id: int | None,
        now: datetime,
        dependant_id: int | None = None,
        visit_mode: VisitMode = VisitMode.IN_PERSON,
        video_room: str = "",
    ) -> Appointment:
        reason = _checked_reason(reason)
        status = Status.PENDING if needs_confirmation else Status.BOOKED
        appointment = cls(
            id=uuid.uuid4(),
            doctor_id=doctor_id,
            patient_id=patient_id,
            clinic_id=clinic_id,
            slot=slot,
            status=status,
            reason=reason,
            dependant_id=dependant_id,
            visit_mode=visit_mode,
            video_room=video_room,
            version=1,
        )
        appointment.history.append(
            Change(now, actor_user_id, "request" if needs_confirmation else "book", None, status)
        )
        event = events.AppointmentRequested if needs_confirmation else events.AppointmentBooked
        appointment._record(event, now, actor_user_id)
        return appointment

    @classmethod
    def hold(
        cls,
        *,
        doctor_id: int,
        patient_id: int,
        clinic_id: int,
        slot: Interval,
        purpose: str,
        expires_at: datetime,
        actor_user_id: int | None,
        now: datetime,
    ) -> Appointment:
        """The slot held for the patient until ``expires_at``: no visit, and no history line
        (the patient's record shows visits, not the minutes they spent choosing one)."""
        appointment = cls(
            id=uuid.uuid4(),
            doctor_id=doctor_id,
            patient_id=patient_id,
            clinic_id=clinic_id,
            slot=slot,
            status=Status.PROPOSED,
            hold_expires_at=expires_at,
            hold_purpose=purpose,
        )
        appointment._record(
            events.SlotHeld, now, actor_user_id, expires_at=expires_at, purpose=purpose
        )
        return appointment

    def hold_live(self, now: datetime) -> bool:
        """A hold that still keeps others off the slot."""
        return (
            self.status is Status.PROPOSED
            and self.hold_expires_at is not None
            and now < self.hold_expires_at
        )

    def book_hold(
        self,
        *,
        reason: str,
        needs_confirmation: bool,
        actor_user_id: int | None,
        now: datetime,
        dependant_id: int | None = None,
        visit_mode: VisitMode = VisitMode.IN_PERSON,
        video_room: str = "",
    ) -> None:
        """The holder books the held slot: this row becomes the visit (same id), its history
        starting as a booking's does."""
        if not self.hold_live(now):
            raise InvalidTransition(gettext_noop("This hold has expired."), status=self.status)
        self.reason = _checked_reason(reason)
        status = Status.PENDING if needs_confirmation else Status.BOOKED
        self.history.append(
            Change(now, actor_user_id, "request" if needs_confirmation else "book", None, status)
        )
        self.status = status
        self.dependant_id = dependant_id
        self.visit_mode = visit_mode
        self.video_room = video_room
        self.hold_expires_at = None
        self.hold_purpose = ""
        self.version += 1
        event = events.AppointmentRequested if needs_confirmation else events.AppointmentBooked
        self._record(event, now, actor_user_id)

    def release_hold(self, *, reason: str, actor_user_id: int | None, now: datetime) -> None:
        """Give the held slot back (``reason``: domain.holds.Release)."""
        if self.status is not Status.PROPOSED:
            raise InvalidTransition(gettext_noop("This slot is not held."), status=self.status)
        self.status = Status.RELEASED
        self.version += 1
        self._record(events.HoldReleased, now, actor_user_id, reason=reason)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def awaiting_move(self) -> bool:
        """Displaced by a change of hours and not moved since: its patient was asked already."""
        return bool(self.history) and self.history[-1].action == DISPLACE

    def confirm(self, *, actor_user_id: int | None, now: datetime) -> None:
        if self.slot.end <= now:
            raise InvalidTransition(
                gettext_noop("A request for a visit that is over cannot be confirmed.")
            )
        self._move(Status.BOOKED, "confirm", actor_user_id, now)
        self._record(events.AppointmentConfirmed, now, actor_user_id)

    def reject(self, *, actor_user_id: int | None, now: datetime, reason: str = "") -> None:
        self._move(Status.REJECTED, "reject", actor_user_id, now, reason)
        self._record(events.AppointmentRejected, now, actor_user_id, reason=reason)

    def cancel(self, *, actor_user_id: int | None, now: datetime, reason: str = "") -> None:
        if self.slot.end <= now:
            raise InvalidTransition(gettext_noop("A visit that is over cannot be cancelled."))
        self._move(Status.CANCELLED, "cancel", actor_user_id, now, reason)
        self._record(events.AppointmentCancelled, now, actor_user_id, reason=reason)

    def check_in(self, *, actor_user_id: int | None, now: datetime, zone: str) -> None:
        """On the day of the visit only, on the clinic's calendar (``zone``)."""
        local = ZoneInfo(zone)
        if now.astimezone(local).date() != self.slot.start.astimezone(local).date():
            raise InvalidTransition(
                gettext_noop("A patient checks in on the day of the visit."), status=self.status
            )
        self._move(Status.ARRIVED, "check_in", actor_user_id, now)
        self._record(events.AppointmentCheckedIn, now, actor_user_id)

    def start_consultation(self, *, actor_user_id: int | None, now: datetime) -> None:
        """The doctor calls the checked-in patient in (before their time too: the day runs
        as it runs)."""
        self._move(Status.IN_CONSULTATION, "start", actor_user_id, now)
        self._record(events.AppointmentStarted, now, actor_user_id)

    def undo(self, *, actor_user_id: int | None, now: datetime) -> None:
        """Take back the last check-in, call-in, completion or no-show, within UNDO_WINDOW."""
        last = self.history[-1] if self.history else None
        deadline = undo_until(last.action, last.at) if last else None
        if last is None or deadline is None or last.from_status is None:
            raise InvalidTransition(
                gettext_noop(
                    "Only a check-in, a call-in, a completion or a no-show can be undone."
                ),
                status=self.status,
            )
        if now > deadline:
            minutes = int(UNDO_WINDOW.total_seconds() // 60)
            raise InvalidTransition(
                gettext_noop("A %(action)s can be undone for %(minutes)s minutes only."),
                params={"action": Term(last.action), "minutes": minutes},
                status=self.status,
            )
        self.history.append(Change(now, actor_user_id, "undo", self.status, last.from_status))
        self.status = last.from_status
        self.version += 1
        self._record(events.AppointmentReverted, now, actor_user_id, undone=last.action)

    def complete(self, *, actor_user_id: int | None, now: datetime) -> None:
        if self.status not in (Status.ARRIVED, Status.IN_CONSULTATION):  # seen early: fine
            self._require_started(
                now, gettext_noop("A visit cannot be completed before it starts.")
            )
        self._move(Status.FULFILLED, "complete", actor_user_id, now)
        self._record(events.AppointmentCompleted, now, actor_user_id)

    def mark_no_show(self, *, actor_user_id: int | None, now: datetime) -> None:
        if self.status is not Status.ARRIVED:  # one who checked in and left: whenever they left
            self._require_started(
                now, gettext_noop("A visit cannot be marked as a no-show before it starts.")
            )
        self._move(Status.NOSHOW, "no_show", actor_user_id, now)
        self._record(events.AppointmentMarkedNoShow, now, actor_user_id)

    def reschedule(self, *, slot: Interval, actor_user_id: int | None, now: datetime) -> None:
        self.ensure_reschedulable(now)
        if slot == self.slot:
            raise InvalidTransition(gettext_noop("The appointment is already at that time."))
        previous = self.slot
        self.slot = slot
        self.version += 1
        self.history.append(
            Change(
                now,
                actor_user_id,
                "reschedule",
                self.status,
                self.status,
                f"from {previous.start.isoformat()}",
            )
        )
        self._record(
            events.AppointmentRescheduled,
            now,
            actor_user_id,
            previous_start=previous.start,
            previous_end=previous.end,
        )

    def displace(self, *, actor_user_id: int | None, now: datetime, reason: str) -> None:
        """The doctor's hours moved away from under this visit: it stands (the doctor insisted
        on the change), recorded in its history, and its patient is to be asked to move it."""
        self.history.append(Change(now, actor_user_id, DISPLACE, self.status, self.status, reason))
        self.version += 1  # a change watchers must not take for one they have seen
        self._record(events.AppointmentDisplaced, now, actor_user_id, reason=reason)

    @property
    def no_show_forgiven(self) -> bool:
        return any(change.action == FORGIVE_NO_SHOW for change in self.history)

    def forgive_no_show(self, *, actor_user_id: int | None, now: datetime, reason: str) -> None:
        """Staff take back a no-show's strike (domain.no_show_policy), with a reason kept in
        the history: the visit stays missed, it just no longer counts against the patient."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput(gettext_noop("Say why the no-show is forgiven."), field="reason")
        if len(reason) > MAX_REASON:
            raise InvalidInput(
                gettext_noop("At most %(limit)s characters."),
                field="reason",
                params={"limit": MAX_REASON},
            )
        if self.status is not Status.NOSHOW:
            raise InvalidTransition(
                gettext_noop("Only a no-show can be forgiven."), status=self.status
            )
        if self.no_show_forgiven:
            raise InvalidTransition(
                gettext_noop("This no-show was forgiven already."), status=self.status
            )
        self.history.append(
            Change(now, actor_user_id, FORGIVE_NO_SHOW, self.status, self.status, reason)
        )
        self.version += 1
        self._record(events.NoShowForgiven, now, actor_user_id, reason=reason)

    def ensure_reschedulable(self, now: datetime) -> None:
        """Checked before looking for a new slot, so a cancelled visit is not told it clashes."""
        if self.status not in RESCHEDULABLE:
            raise InvalidTransition(
                gettext_noop("A %(state)s appointment cannot be rescheduled."),
                params={"state": Term(self.status)},
                status=self.status,
            )
        if self.slot.end <= now:
            raise InvalidTransition(gettext_noop("A visit that is over cannot be rescheduled."))

    def _require_started(self, now: datetime, refusal: str) -> None:
        if now < self.slot.start:
            raise InvalidTransition(refusal)

    def _move(
        self,
        target: Status,
        action: str,
        actor_user_id: int | None,
        now: datetime,
        note: str = "",
    ) -> None:
        if target not in TRANSITIONS[self.status]:
            raise InvalidTransition(
                gettext_noop("Cannot %(verb)s a %(state)s appointment."),
                params={"verb": Term(action), "state": Term(self.status)},
                status=self.status,
                action=action,
            )
        self.history.append(Change(now, actor_user_id, action, self.status, target, note))
        self.status = target
        self.version += 1

    def _record(
        self,
        event_type: type[AppointmentEvent],
        now: datetime,
        actor_user_id: int | None,
        **extra: Any,
    ) -> None:
        self.events.append(
            event_type(
                occurred_at=now,
                appointment_id=self.id,
                version=self.version,
                doctor_id=self.doctor_id,
                patient_id=self.patient_id,
                clinic_id=self.clinic_id,
                start=self.slot.start,
                end=self.slot.end,
                status=self.status.value,
                actor_user_id=actor_user_id,
                **extra,
            )
        )
