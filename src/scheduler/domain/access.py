"""Who may see and change which appointment.

Seeing comes first: what an actor may not see is reported as not found, so the API never
reveals that someone else's appointment exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.appointment import ACTIVE, Appointment, Status
from scheduler.domain.dependants import Dependant
from scheduler.domain.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
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
    "forgive_no_show": _STAFF,
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


def own_visits_scope(actor: Actor) -> Scope:
    """The visits that are the actor's own (a patient's, or a verified doctor's), for their
    calendar: the desk and admins see more bookings, but none of them is theirs."""
    match actor:
        case Actor(role=Role.PATIENT, patient_id=int(patient_id)):
            return Scope(field="patient_id", value=patient_id)
        case Actor(role=Role.DOCTOR, doctor_id=int(doctor_id), verified=True):
            return Scope(field="doctor_id", value=doctor_id)
    return Scope()


def can_see_booking(actor: Actor, *, doctor_id: int, clinic_id: int, patient_id: int) -> bool:
    """Whether the actor may see who holds a booking, from where it stands alone."""
    scope = booking_scope(actor)
    where = {"doctor_id": doctor_id, "clinic_id": clinic_id, "patient_id": patient_id}
    return scope.everything or (bool(scope.field) and where[scope.field] == scope.value)


def can_see_holder(actor: Actor, *, patient_id: int) -> bool:
    """Who holds a slot (a hold, live or let go: a patient reviewing a booking, or a waitlist
    offer) is the holding patient's alone. It is no visit yet: staff, like everyone else, see
    the slot held, as the API finds no appointment and the desk's day shows none."""
    return actor.role is Role.PATIENT and actor.patient_id == patient_id


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


def family_holder(actor: Actor) -> int:
    """The patient whose family members the actor lists and changes: their own only."""
    if actor.role is not Role.PATIENT or actor.patient_id is None:
        raise NotAllowed(gettext_noop("Only a patient keeps family members on their account."))
    return actor.patient_id


def ensure_family_of(patient_id: int, dependant: Dependant) -> None:
    """A family member of ``patient_id``'s account, still on it; someone else's is not found
    (nobody learns who is on another account)."""
    if dependant.patient_id != patient_id or not dependant.active:
        raise NotFound(gettext_noop("Family member not found."))


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


def own_patient_id(actor: Actor | None) -> int:
    """The patient whose own pages and socket ("my appointments") the actor sees: the one
    signed in, never one a URL names; anyone else has none."""
    match actor:
        case Actor(role=Role.PATIENT, patient_id=int(patient_id)):
            return patient_id
    raise NotAllowed(gettext_noop("This page is for patients."))


def ensure_may_look_up_patients(actor: Actor) -> None:
    """Staff only (Actor.is_staff: the desk, admins, doctors an admin has verified): anyone may
    sign up as a doctor, and a patient's phone is not theirs to read until then."""
    if not actor.is_staff:
        raise NotAllowed(gettext_noop("Only the desk and verified doctors look patients up."))


def own_doctor(actor: Actor) -> int:
    """The doctor id of a doctor editing their own page (verified or not yet: they make it
    ready for the admin who checks them)."""
    if actor.role is not Role.DOCTOR or actor.doctor_id is None:
        raise NotAllowed(gettext_noop("Only a doctor edits their page in the directory."))
    return actor.doctor_id


def known_patients_scope(actor: Actor) -> Scope:
    """The bookings (past or to come, kept or not) whose patients a staff member finds by a
    part of their name or phone: their clinic's for the desk, those of the clinics a doctor
    works at, everyone's for admins. Anyone else the desk finds only by their whole phone
    number or email (a first-time caller), so no one lists a city's patients from any desk."""
    match actor:
        case Actor(role=Role.ADMIN):
            return Scope(everything=True)
        case Actor(role=Role.DOCTOR, doctor_id=int(doctor_id), verified=True):
            return Scope(field="clinic__doctors", value=doctor_id)
        case Actor(role=Role.RECEPTIONIST, clinic_id=int(clinic_id)):
            return Scope(field="clinic_id", value=clinic_id)
    return Scope()


def patient_to_know(actor: Actor, *, introduced: bool) -> Scope | None:
    """Staff book only a patient they know: the patient must be known in this scope
    (known_patients_scope: a booking there, or its desk added them). None when they need not
    be: a patient books for themselves (booking_patient), admins for anyone, and staff for a
    patient ``introduced`` to them, found by their whole phone number or email (the
    entrypoint vouches for it). Else a patient id alone, guessed or counted up to, would book
    a stranger, tell them by SMS in the clinic's name and open their record."""
    scope = known_patients_scope(actor)
    if actor.role is Role.PATIENT or introduced or scope.everything:
        return None
    return scope


# The bookings that open a patient's record to its doctor and desk: one to come or under way,
# or a visit that took place. A booking cancelled (or refused) opens nothing: booking anyone
# and cancelling at once would otherwise read their record.
RECORD_OPENING = ACTIVE | {Status.FULFILLED}


def may_read_patient_record(actor: Actor, patient_id: int, *, shares_booking: bool) -> bool:
    """A patient's record for the clinic (birth date, sex, blood group, phone, emergency
    contact): the patient's own; else what the check-in and the visit need, for the doctor and
    the desk of one of the patient's bookings (``shares_booking``: one in the actor's
    booking_scope whose status is in RECORD_OPENING) and admins. A doctor not verified shares
    no booking."""
    if actor.role is Role.PATIENT:
        return actor.patient_id == patient_id
    return booking_scope(actor).everything or shares_booking


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


def ensure_may_keep_calendar_feed(actor: Actor) -> None:
    """A feed lists the holder's own visits: a patient's, or a doctor's once an admin vouched
    for them (an unverified doctor reaches no one's data)."""
    if not own_visits_scope(actor).field:
        raise NotAllowed(gettext_noop("Calendar feeds are for patients and verified doctors."))


def waiting_patient(actor: Actor) -> int:
    """The patient who joins, leaves or answers offers of a waitlist: themselves only."""
    if actor.role is not Role.PATIENT or actor.patient_id is None:
        raise NotAllowed(gettext_noop("Only a patient joins a waitlist, for themselves."))
    return actor.patient_id


def manages_waitlist(actor: Actor, *, doctor_id: int, clinic_id: int) -> bool:
    """Who sees a doctor's waitlist at a clinic and may reorder it: the doctor (verified), the
    clinic's desk, admins. Others are told it is not found."""
    match actor:
        case Actor(role=Role.ADMIN):
            return True
        case Actor(role=Role.DOCTOR, doctor_id=int(own), verified=True):
            return own == doctor_id
        case Actor(role=Role.RECEPTIONIST, clinic_id=int(own)):
            return own == clinic_id
    return False


def may_join_video(actor: Actor, *, doctor_id: int, patient_id: int) -> bool:
    """A video visit's room is its patient's and its doctor's alone: the desk and admins see
    that a visit is by video, never the way into the room."""
    match actor:
        case Actor(role=Role.PATIENT, patient_id=int(own)):
            return own == patient_id
        case Actor(role=Role.DOCTOR, doctor_id=int(own), verified=True):
            return own == doctor_id
    return False


def ensure_may_see_no_shows(actor: Actor) -> None:
    """A patient's missed visits: for the staff who book them (their desk, their doctors)."""
    if not actor.is_staff:
        raise NotAllowed(gettext_noop("Only the desk and verified doctors see no-shows."))


def may_read_visit_note(actor: Actor, *, doctor_id: int, patient_id: int) -> bool:
    """A visit's note is medical: its patient (the account holder, for a family member's visit
    too), the visit's own doctor once verified, and admins. Not the desk. Anyone else is told
    there is no such visit: not even that it exists."""
    match actor:
        case Actor(role=Role.ADMIN):
            return True
        case Actor(role=Role.PATIENT, patient_id=int(own)):
            return own == patient_id
        case Actor(role=Role.DOCTOR, doctor_id=int(own), verified=True):
            return own == doctor_id
    return False


def ensure_may_write_visit_note(actor: Actor, appointment: Appointment) -> None:
    """The visit's own doctor writes its note; its other readers may only read it."""
    if not may_read_visit_note(
        actor, doctor_id=appointment.doctor_id, patient_id=appointment.patient_id
    ):
        raise NotFound(gettext_noop("Appointment not found."))
    if actor.role is not Role.DOCTOR:
        raise NotAllowed(gettext_noop("Only the visit's doctor writes its note."))


# A document attached to a cancelled or declined visit would go to no one.
CLOSED_TO_DOCUMENTS = frozenset({Status.CANCELLED, Status.REJECTED})


def ensure_may_read_documents(
    actor: Actor, *, doctor_id: int, clinic_id: int, patient_id: int
) -> None:
    """An appointment's documents (a patient's results and letters for the visit): the patient,
    the appointment's doctor (verified) and its clinic's desk. Someone who cannot see the
    appointment learns nothing of it (not found). Admins, who see every appointment, are
    refused its files: they run the site, not the visit."""
    if not can_see_booking(actor, doctor_id=doctor_id, clinic_id=clinic_id, patient_id=patient_id):
        raise NotFound(gettext_noop("Appointment not found."))
    if actor.role is Role.ADMIN:
        raise NotAllowed(
            gettext_noop("Only the patient, the doctor and the desk read a visit's documents.")
        )


def ensure_may_read_documents_of(actor: Actor, appointment: Appointment) -> None:
    ensure_may_read_documents(
        actor,
        doctor_id=appointment.doctor_id,
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
    )


def ensure_may_attach_document(actor: Actor, appointment: Appointment) -> None:
    """The patient attaches files to their own appointment (the desk and the doctor receive
    them, they do not add to the patient's), while it has not been cancelled or declined."""
    ensure_may_read_documents_of(actor, appointment)
    if actor.role is not Role.PATIENT:
        raise NotAllowed(gettext_noop("Only the patient attaches documents to an appointment."))
    if appointment.status in CLOSED_TO_DOCUMENTS:
        raise InvalidTransition(
            gettext_noop("A cancelled or declined appointment takes no documents.")
        )


def ensure_may_remove_document(actor: Actor, uploaded_by: int) -> None:
    """Whoever attached a document takes it down; the others who read it may not (checked after
    ensure_may_read_documents)."""
    if actor.user_id != uploaded_by:
        raise NotAllowed(gettext_noop("Only who attached a document removes it."))
