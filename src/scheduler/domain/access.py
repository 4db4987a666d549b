"""Who may see and change which appointment.

Seeing comes first: what an actor may not see is reported as not found, so the API never
reveals that someone else's appointment exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound
from scheduler.domain.messages import Term, gettext_noop
from scheduler.domain.model import Actor, Role

_STAFF = frozenset({Role.DOCTOR, Role.RECEPTIONIST, Role.ADMIN})

ALLOWED_ROLES: dict[str, frozenset[Role]] = {
    "confirm": _STAFF,
    "reject": _STAFF,
    "cancel": frozenset(Role),
    "reschedule": frozenset(Role),
    "check_in": _STAFF,
    "start": _STAFF,
    "complete": frozenset({Role.DOCTOR, Role.ADMIN}),
    "no_show": _STAFF,
    "undo": _STAFF,
}


def can_see(actor: Actor, appointment: Appointment) -> bool:
    return can_see_booking(
        actor,
        doctor_id=appointment.doctor_id,
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
    )


@dataclass(frozen=True)
class Scope:
    """The bookings an actor sees: every one, or those whose ``field`` (patient_id, doctor_id
    or clinic_id) is ``value``; none when neither (a role without its profile)."""

    everything: bool = False
    field: str = ""
    value: int | None = None


def booking_scope(actor: Actor) -> Scope:
    """Said once: the one check (can_see_booking) and the database's filter (selectors) both
    read it. A doctor not (or no longer) verified sees no one's bookings, their own included."""
    match actor:
        case Actor(role=Role.ADMIN):
            return Scope(everything=True)
        case Actor(role=Role.PATIENT, patient_id=int(patient_id)):
            return Scope(field="patient_id", value=patient_id)
        case Actor(role=Role.DOCTOR, doctor_id=int(doctor_id), verified=True):
            return Scope(field="doctor_id", value=doctor_id)
        case Actor(role=Role.RECEPTIONIST, clinic_id=int(clinic_id)):
            return Scope(field="clinic_id", value=clinic_id)
    return Scope()


def can_see_booking(actor: Actor, *, doctor_id: int, clinic_id: int, patient_id: int) -> bool:
    """Whether the actor may see who holds a booking, from where it stands alone."""
    scope = booking_scope(actor)
    where = {"doctor_id": doctor_id, "clinic_id": clinic_id, "patient_id": patient_id}
    return scope.everything or (bool(scope.field) and where[scope.field] == scope.value)


def runs_desk(actor: Actor, clinic_id: int) -> bool:
    """The clinic's desk screen: its receptionists, and admins."""
    return actor.role is Role.ADMIN or (
        actor.role is Role.RECEPTIONIST and actor.clinic_id == clinic_id
    )


def ensure_may(actor: Actor, appointment: Appointment, action: str) -> None:
    if not can_see(actor, appointment):
        raise NotFound(gettext_noop("Appointment not found."))
    if actor.role not in ALLOWED_ROLES[action]:
        raise NotAllowed(
            gettext_noop("A %(role)s may not %(action)s appointments."),
            params={"role": Term(actor.role), "action": Term(action)},
        )
    undone = appointment.history[-1].action if appointment.history else ""
    if action == "undo" and undone in ALLOWED_ROLES and actor.role not in ALLOWED_ROLES[undone]:
        # Taking a step back is the step's: the desk may not undo what only a doctor does.
        raise NotAllowed(
            gettext_noop("A %(role)s may not undo a %(action)s."),
            params={"role": Term(actor.role), "action": Term(undone)},
        )


def booking_patient(actor: Actor, *, doctor_id: int, clinic_id: int, patient_id: int | None) -> int:
    """The patient a booking is for, once the actor is known to be allowed to make it."""
    match actor.role:
        case Role.PATIENT:
            if actor.patient_id is None or patient_id not in (None, actor.patient_id):
                raise NotAllowed(gettext_noop("Patients book for themselves only."))
            return actor.patient_id
        case Role.DOCTOR if doctor_id != actor.doctor_id:
            raise NotAllowed(gettext_noop("Doctors book into their own schedule only."))
        case Role.RECEPTIONIST if clinic_id != actor.clinic_id:
            raise NotAllowed(gettext_noop("Receptionists book for their own clinic only."))
    if patient_id is None:
        raise InvalidInput(
            gettext_noop("Say which patient the appointment is for."), field="patient_id"
        )
    return patient_id


def ensure_may_manage_doctor(
    actor: Actor, doctor_id: int, *, clinic_ids: frozenset[int], write: bool
) -> None:
    """A doctor's schedule and time off: the doctor and admins change them; the desk of one of
    the doctor's clinics may read them."""
    if actor.role is Role.ADMIN or (actor.role is Role.DOCTOR and actor.doctor_id == doctor_id):
        return
    if not write and actor.role is Role.RECEPTIONIST and actor.clinic_id in clinic_ids:
        return
    raise NotAllowed(gettext_noop("Only the doctor (or an admin) manages this schedule."))


# Who may sign up on their own: the desk and admins are made by an admin.
SELF_SERVICE_ROLES = frozenset({Role.PATIENT, Role.DOCTOR})

# A doctor's name as their licence says: not theirs to change once an admin has checked it.
LICENSED_NAME = frozenset({"first_name", "last_name"})


def ensure_may_look_up_patients(actor: Actor) -> None:
    """Staff only (Actor.is_staff: the desk, admins, doctors an admin has verified): anyone may
    sign up as a doctor, and a patient's phone is not theirs to read until then."""
    if not actor.is_staff:
        raise NotAllowed(gettext_noop("Only the desk and verified doctors look patients up."))


def ensure_may_add_patients(actor: Actor) -> None:
    if actor.role not in (Role.RECEPTIONIST, Role.ADMIN):
        raise NotAllowed(gettext_noop("Only the desk adds patients."))


def ensure_may_verify_doctors(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise NotAllowed(gettext_noop("Only an admin verifies doctors."))


def ensure_owns_calendar(actor: Actor, doctor_id: int) -> None:
    """A doctor's own calendar account is theirs alone to arrange."""
    if actor.role is not Role.DOCTOR or actor.doctor_id != doctor_id:
        raise NotAllowed(gettext_noop("Only the doctor chooses their calendars."))


def ensure_may_read_audit(actor: Actor) -> None:
    """The trail names who looked at whose records: for admins, who answer for it."""
    if actor.role is not Role.ADMIN:
        raise NotAllowed(gettext_noop("Only an admin reads the audit trail."))


def ensure_may_set_passwords(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise NotAllowed(gettext_noop("Only an admin sets someone else's password."))


def ensure_may_deactivate_users(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise NotAllowed(gettext_noop("Only an admin closes accounts."))


def ensure_may_be_forgotten(actor: Actor) -> int:
    """The patient id of a patient erasing themselves. Staff accounts are closed by an admin:
    their names stand on others' records (who confirmed, who cancelled)."""
    if actor.role is not Role.PATIENT or actor.patient_id is None:
        raise NotAllowed(gettext_noop("Only a patient deletes their own account here."))
    return actor.patient_id


def ensure_may_see_statistics(actor: Actor) -> None:
    """Every clinic's counts, every doctor's utilisation: the business's numbers, an admin's."""
    if actor.role is not Role.ADMIN:
        raise NotAllowed(gettext_noop("Only an admin sees the statistics."))
