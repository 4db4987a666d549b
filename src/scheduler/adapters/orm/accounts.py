"""Sign-up: a user and the profile of their role, in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from scheduler.adapters.orm import models as rows
from scheduler.domain.errors import AlreadyRecorded, InvalidInput, NotAllowed
from scheduler.domain.model import Actor, Role

SELF_SERVICE_ROLES = (Role.PATIENT, Role.DOCTOR)


@dataclass(frozen=True, kw_only=True)
class Registration:
    """A new patient, or a new doctor (who starts unverified, at one clinic)."""

    role: Role
    username: str
    password: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    specialty: str | None = None
    licence_number: str | None = None
    clinic_id: int | None = None


def register(registration: Registration) -> rows.User:
    if registration.role not in SELF_SERVICE_ROLES:
        raise InvalidInput("Sign up as a patient or a doctor.", field="role")
    if rows.User.objects.filter(username__iexact=registration.username).exists():
        raise InvalidInput("That username is taken.", field="username")
    try:
        with transaction.atomic():
            user = rows.User.objects.create_user(
                username=registration.username,
                password=registration.password,
                email=registration.email,
                first_name=registration.first_name,
                last_name=registration.last_name,
                phone=registration.phone,
                role=registration.role.value,
            )
            if registration.role is Role.DOCTOR:
                _add_doctor(user, registration)
            else:
                rows.Patient.objects.create(user=user)
    except IntegrityError:  # lost a race for the username or the licence number
        raise InvalidInput("That username is taken.", field="username") from None
    return user


def _add_doctor(user: rows.User, registration: Registration) -> None:
    specialty = rows.Specialty.objects.filter(slug=registration.specialty).first()
    if specialty is None:
        raise InvalidInput("No such specialty.", field="specialty")
    clinic = None
    if registration.clinic_id is not None:
        clinic = rows.Clinic.objects.filter(pk=registration.clinic_id).first()
    if clinic is None:
        raise InvalidInput("No such clinic.", field="clinic_id")
    if rows.Doctor.objects.filter(licence_number=registration.licence_number).exists():
        raise InvalidInput("A doctor with this licence number exists.", field="licence_number")
    doctor = rows.Doctor.objects.create(
        user=user,
        specialty=specialty,
        licence_number=registration.licence_number or "",
        verified=False,
    )
    doctor.clinics.add(clinic)


@dataclass(frozen=True, kw_only=True)
class PatientRecord:
    """A patient the desk adds for a phone call or a walk-in: no password until they sign up."""

    first_name: str
    last_name: str
    phone: str = ""
    email: str = ""
    same_phone_ok: bool = False  # a family's phone: the desk saw who has it and adds anyway


def add_patient(record: PatientRecord, *, by: Actor) -> rows.Patient:
    if by.role not in (Role.RECEPTIONIST, Role.ADMIN):
        raise NotAllowed("Only the desk adds patients.")
    holder = (
        rows.Patient.objects.select_related("user").filter(user__phone=record.phone).first()
        if record.phone and not record.same_phone_ok
        else None
    )
    if holder is not None:
        raise AlreadyRecorded(
            f"{holder} has this phone number already.",
            patient={"id": holder.pk, "name": str(holder), "phone": holder.user.phone},
        )
    with transaction.atomic():
        user = rows.User.objects.create_user(
            username=f"patient-{uuid.uuid4().hex[:12]}",
            password=None,  # unusable until they set one
            email=record.email,
            first_name=record.first_name,
            last_name=record.last_name,
            phone=record.phone,
            role=Role.PATIENT.value,
        )
        return rows.Patient.objects.create(user=user)
