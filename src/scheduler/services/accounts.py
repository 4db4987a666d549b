"""Use cases of people's accounts: sign up, the desk adding a patient, editing one's own
details, an admin verifying a doctor. Each commits its rows with its event."""

from __future__ import annotations

import uuid
from datetime import date

from scheduler.domain import access, profiles
from scheduler.domain.errors import AlreadyRecorded, InvalidInput, NotFound
from scheduler.domain.events import DoctorVerified, PatientAdded, ProfileUpdated, UserRegistered
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Role
from scheduler.services import commands
from scheduler.services import profiles as profiles_service
from scheduler.services.ports import Clock
from scheduler.services.unit_of_work import NewUser, UnitOfWork

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "language",
    "date_of_birth",
    "sex",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "blood_group",
)
CHANNEL_FIELDS = ("email_messages", "sms_messages")


def register_user(cmd: commands.RegisterUser, uow: UnitOfWork, clock: Clock) -> int:
    """The new user's id."""
    if cmd.role not in access.SELF_SERVICE_ROLES:
        raise InvalidInput(gettext_noop("Sign up as a patient or a doctor."), field="role")
    profiles.check_username(cmd.username)
    with uow:
        if uow.accounts.username_taken(cmd.username):
            raise InvalidInput(gettext_noop("That username is taken."), field="username")
        _ensure_sign_in_names_free(uow, email=cmd.email, phone=cmd.phone)
        if cmd.role is Role.DOCTOR:
            _check_practice(uow, cmd)
        user_id = uow.accounts.add_user(
            NewUser(
                role=cmd.role,
                username=cmd.username,
                password=cmd.password,
                email=cmd.email,
                first_name=cmd.first_name,
                last_name=cmd.last_name,
                phone=cmd.phone,
                language=cmd.language,
            )
        )
        if cmd.role is Role.DOCTOR:
            assert cmd.specialty and cmd.licence_number and cmd.clinic_id is not None
            uow.accounts.add_doctor(
                user_id,
                specialty=cmd.specialty,
                licence_number=cmd.licence_number,
                clinic_id=cmd.clinic_id,
            )
        else:
            uow.accounts.add_patient(user_id)
        uow.accounts.events.append(
            UserRegistered(
                occurred_at=clock(), user_id=user_id, actor_user_id=user_id, role=cmd.role.value
            )
        )
        uow.commit()
    return user_id


def _ensure_sign_in_names_free(
    uow: UnitOfWork, *, email: str | None, phone: str | None, user_id: int | None = None
) -> None:
    """One signs in with one's email or phone too: each must name one account (``user_id``'s
    own, when it changes them)."""
    if email and uow.accounts.email_taken(email, other_than=user_id):
        raise InvalidInput(
            gettext_noop("An account with this email address exists: sign in instead."),
            field="email",
        )
    if phone and uow.accounts.phone_taken(phone, other_than=user_id):
        raise InvalidInput(
            gettext_noop("An account with this phone number exists: sign in instead."),
            field="phone",
        )


def _check_practice(uow: UnitOfWork, cmd: commands.RegisterUser) -> None:
    if not cmd.specialty or not uow.accounts.specialty_exists(cmd.specialty):
        raise InvalidInput(gettext_noop("No such specialty."), field="specialty")
    if cmd.clinic_id is None or not uow.accounts.clinic_exists(cmd.clinic_id):
        raise InvalidInput(gettext_noop("No such clinic."), field="clinic_id")
    if not cmd.licence_number:
        raise InvalidInput(gettext_noop("Required for doctors."), field="licence_number")
    if uow.accounts.licence_taken(cmd.licence_number):
        raise InvalidInput(
            gettext_noop("A doctor with this licence number exists."), field="licence_number"
        )


def add_patient(cmd: commands.AddPatient, uow: UnitOfWork, clock: Clock) -> int:
    """The new patient's id. AlreadyRecorded names who has the phone, unless
    ``same_phone_ok``."""
    access.ensure_may_add_patients(cmd.actor)
    with uow:
        holder = (
            uow.accounts.patient_with_phone(cmd.phone)
            if cmd.phone and not cmd.same_phone_ok
            else None
        )
        if holder is not None:
            raise AlreadyRecorded(
                gettext_noop("%(name)s has this phone number already."),
                params={"name": holder.name},
                patient={"id": holder.id, "name": holder.name, "phone": holder.phone},
            )
        user_id = uow.accounts.add_user(
            NewUser(
                role=Role.PATIENT,
                username=f"patient-{uuid.uuid4().hex[:12]}",  # theirs to change on sign-up
                password=None,
                email=cmd.email,
                first_name=cmd.first_name,
                last_name=cmd.last_name,
                phone=cmd.phone,
            )
        )
        # The desk's clinic knows them from now on: found by name, booked by id.
        patient_id = uow.accounts.add_patient(user_id, added_at=cmd.actor.clinic_id)
        uow.accounts.events.append(
            PatientAdded(
                occurred_at=clock(),
                user_id=user_id,
                actor_user_id=cmd.actor.user_id,
                patient_id=patient_id,
            )
        )
        uow.commit()
    return patient_id


def update_profile(cmd: commands.UpdateProfile, uow: UnitOfWork, clock: Clock) -> list[str]:
    """The names of the fields that changed."""
    wanted: dict[str, object] = {
        name: getattr(cmd, name) for name in PROFILE_FIELDS if getattr(cmd, name) is not None
    }
    if wanted.get("date_of_birth") == "":
        wanted["date_of_birth"] = None
    _check_record(wanted, today=clock().date())
    channels = {
        name: getattr(cmd, name) for name in CHANNEL_FIELDS if getattr(cmd, name) is not None
    }
    practice = profiles_service.doctor_fields_wanted(cmd)
    with uow:
        current = uow.accounts.contact_of(cmd.actor.user_id)
        changed = {name: value for name, value in wanted.items() if current.get(name) != value}
        _ensure_sign_in_names_free(
            uow,
            email=str(changed.get("email") or ""),
            phone=str(changed.get("phone") or ""),
            user_id=cmd.actor.user_id,
        )
        renamed = sorted(set(changed) & access.LICENSED_NAME)
        if cmd.actor.role is Role.DOCTOR and renamed:
            # The name patients see is the one on the licence an admin checks (or checked: a
            # doctor whose verification was withdrawn must not come back as someone else).
            raise InvalidInput(
                gettext_noop("A doctor's name is changed by an admin, as on their licence."),
                field=renamed[0],
            )
        if changed:
            uow.accounts.update_contact(cmd.actor.user_id, changed)
        if channels:
            was = uow.accounts.channels_of(cmd.actor.user_id)
            channels = {name: value for name, value in channels.items() if was[name] != value}
            if channels:
                uow.accounts.set_channels(cmd.actor.user_id, channels)
        if practice:
            doctor_id = access.own_doctor(cmd.actor)
            was_practice = uow.accounts.doctor_profile_of(doctor_id)
            practice = {k: v for k, v in practice.items() if was_practice.get(k) != v}
            if practice:
                uow.accounts.update_doctor_profile(doctor_id, practice)
        fields = tuple(sorted([*changed, *channels, *practice]))
        if not fields:
            return []
        if "email" in changed:  # proven anew: ProfileUpdated sends the new address a link
            uow.accounts.set_email_verified(cmd.actor.user_id, False)
        uow.accounts.events.append(
            ProfileUpdated(
                occurred_at=clock(),
                user_id=cmd.actor.user_id,
                actor_user_id=cmd.actor.user_id,
                fields=fields,
            )
        )
        uow.commit()
    return list(fields)


def _check_record(wanted: dict[str, object], *, today: date) -> None:
    born = wanted.get("date_of_birth")
    if isinstance(born, date):
        profiles.check_date_of_birth(born, today=today)
    profiles.check_choice("sex", str(wanted.get("sex", "")), profiles.SEXES)
    profiles.check_choice("blood_group", str(wanted.get("blood_group", "")), profiles.BLOOD_GROUPS)


def verify_doctor(cmd: commands.VerifyDoctor, uow: UnitOfWork, clock: Clock) -> bool:
    """Whether it changed (verifying a verified doctor again records nothing)."""
    access.ensure_may_verify_doctors(cmd.actor)
    with uow:
        try:
            changed = uow.accounts.set_verified(cmd.doctor_id, cmd.verified)
        except NotFound:
            raise InvalidInput(gettext_noop("No such doctor."), field="doctor_id") from None
        if changed:
            uow.accounts.events.append(
                DoctorVerified(
                    occurred_at=clock(),
                    doctor_id=cmd.doctor_id,
                    verified=cmd.verified,
                    actor_user_id=cmd.actor.user_id,
                )
            )
            uow.commit()
    return changed
