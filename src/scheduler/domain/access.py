"""Who may see and change which appointment.

Seeing comes first: what an actor may not see is reported as not found, so the API never
reveals that someone else's appointment exists.
"""

from __future__ import annotations

from scheduler.domain.appointment import Appointment
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound
from scheduler.domain.model import Actor, Role

_STAFF = frozenset({Role.DOCTOR, Role.RECEPTIONIST, Role.ADMIN})

ALLOWED_ROLES: dict[str, frozenset[Role]] = {
    "confirm": _STAFF,
    "reject": _STAFF,
    "cancel": frozenset(Role),
    "reschedule": frozenset(Role),
    "check_in": _STAFF,
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


def can_see_booking(actor: Actor, *, doctor_id: int, clinic_id: int, patient_id: int) -> bool:
    """Whether the actor may see who holds a booking, from where it stands alone."""
    match actor.role:
        case Role.ADMIN:
            return True
        case Role.PATIENT:
            return patient_id == actor.patient_id
        case Role.DOCTOR:
            return doctor_id == actor.doctor_id
        case Role.RECEPTIONIST:
            return clinic_id == actor.clinic_id
    return False


def runs_desk(actor: Actor, clinic_id: int) -> bool:
    """The clinic's desk screen: its receptionists, and admins."""
    return actor.role is Role.ADMIN or (
        actor.role is Role.RECEPTIONIST and actor.clinic_id == clinic_id
    )


def ensure_may(actor: Actor, appointment: Appointment, action: str) -> None:
    if not can_see(actor, appointment):
        raise NotFound("Appointment not found.")
    if actor.role not in ALLOWED_ROLES[action]:
        raise NotAllowed(f"A {actor.role} may not {action.replace('_', ' ')} appointments.")


def booking_patient(actor: Actor, *, doctor_id: int, clinic_id: int, patient_id: int | None) -> int:
    """The patient a booking is for, once the actor is known to be allowed to make it."""
    match actor.role:
        case Role.PATIENT:
            if actor.patient_id is None or patient_id not in (None, actor.patient_id):
                raise NotAllowed("Patients book for themselves only.")
            return actor.patient_id
        case Role.DOCTOR if doctor_id != actor.doctor_id:
            raise NotAllowed("Doctors book into their own schedule only.")
        case Role.RECEPTIONIST if clinic_id != actor.clinic_id:
            raise NotAllowed("Receptionists book for their own clinic only.")
    if patient_id is None:
        raise InvalidInput("Say which patient the appointment is for.", field="patient_id")
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
    raise NotAllowed("Only the doctor (or an admin) manages this schedule.")
