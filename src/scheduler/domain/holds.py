"""Slot holds: a slot kept for one patient for a few minutes while they decide.

A hold is an appointment row in FHIR's ``proposed`` state with an expiry (Appointment.hold):
the database's overlap guards count it, so a hold and someone else's booking can never
overlap. It is no visit: lists, counts, messages and calendars leave it out. Past its expiry
it keeps no one off the slot: whatever meets it releases it first, and a sweep releases the
rest. Its holder books it in place (same id, all the booking rules again).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from scheduler.domain.access import can_see
from scheduler.domain.appointment import HOLD_STATES, Appointment
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor

# The booking dialog's hold: long enough to read and confirm, short enough not to hoard.
REVIEW_MINUTES = 5
# No hold longer than this (a waitlist offer's window is a clinic's choice, within it).
MAX_MINUTES = 60


class Purpose(StrEnum):
    REVIEW = "review"  # the patient is looking at the booking dialog: one at a time each
    OFFER = "offer"  # a freed slot offered to the next on the waitlist
    DESK = "desk"  # staff keep it for a patient they are talking to: the clinic's to let go


class Release(StrEnum):
    EXPIRED = "expired"
    RELEASED = "released"  # its holder let it go (closed the dialog, left the page)
    BOOKED = "booked"  # its holder booked another slot, or held another one to review


def purpose(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        raise InvalidInput(gettext_noop("No such purpose of a hold."), field="purpose") from None


def purpose_for(actor: Actor, value: str) -> Purpose:
    """A review asked for by staff is a desk hold: it neither lets go of the patient's own
    review (the patient may be choosing on their phone meanwhile) nor goes with it, and the
    clinic's staff let it go (ensure_holder)."""
    chosen = purpose(value)
    return Purpose.DESK if chosen is Purpose.REVIEW and actor.is_staff else chosen


def expiry(now: datetime, minutes: int) -> datetime:
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(
            gettext_noop("A slot is held for 1 to %(most)s minutes."),
            field="minutes",
            params={"most": MAX_MINUTES},
        )
    return now + timedelta(minutes=minutes)


def ensure_holder(actor: Actor, hold: Appointment) -> None:
    """The patient it is held for lets a hold go, and a desk hold also the staff who see the
    clinic's bookings (its desk, the doctor, admins). Anyone else (staff included, for a
    patient's own hold: no visit of theirs to run) does not learn that it exists."""
    mine = actor.patient_id is not None and actor.patient_id == hold.patient_id
    clinics = hold.hold_purpose == Purpose.DESK and actor.is_staff and can_see(actor, hold)
    if hold.status not in HOLD_STATES or not (mine or clinics):
        raise NotFound(gettext_noop("Hold not found."))


def introduces(
    actor: Actor,
    hold: Appointment,
    *,
    patient_id: int,
    doctor_id: int,
    clinic_id: int,
    now: datetime,
) -> bool:
    """Whether booking ``hold`` needs no introduction of the patient again (access.
    patient_to_know): a live desk hold of this very booking (patient, doctor, clinic) that the
    actor's clinic keeps. Staff made it knowing the patient, or on their introduction. It makes
    no one known beyond its own booking, and once let go it introduces no one."""
    return (
        hold.hold_purpose == Purpose.DESK
        and hold.hold_live(now)
        and (hold.patient_id, hold.doctor_id, hold.clinic_id) == (patient_id, doctor_id, clinic_id)
        and actor.is_staff
        and can_see(actor, hold)
    )


def replaced_by_new_review(purpose: str, other: Appointment) -> bool:
    """A patient reviews one slot at a time: a new review hold lets the previous one go."""
    return purpose == Purpose.REVIEW and other.hold_purpose == Purpose.REVIEW
