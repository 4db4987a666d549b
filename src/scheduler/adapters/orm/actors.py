"""An authenticated Django user -> the domain's Actor."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from scheduler.adapters.orm import models as rows
from scheduler.domain.errors import NotAllowed
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor, Role


def role_of(user: rows.User) -> Role | None:
    """The role the user acts in (a superuser's is admin's); None for an account without one."""
    if user.is_superuser:
        return Role.ADMIN
    try:
        return Role(user.role)
    except ValueError:
        return None


def actor_for(user: AbstractBaseUser | AnonymousUser) -> Actor:
    if not isinstance(user, rows.User):
        raise NotAllowed(gettext_noop("Sign in first."))
    match role_of(user):
        case Role.PATIENT:
            patient = rows.Patient.objects.filter(user=user).values_list("pk", flat=True).first()
            return Actor(user.pk, Role.PATIENT, patient_id=patient)
        case Role.DOCTOR:
            found = rows.Doctor.objects.filter(user=user).values_list("pk", "verified").first()
            doctor, verified = found or (None, False)
            return Actor(user.pk, Role.DOCTOR, doctor_id=doctor, verified=verified)
        case Role.RECEPTIONIST:
            clinic = (
                rows.Receptionist.objects.filter(user=user)
                .values_list("clinic_id", flat=True)
                .first()
            )
            return Actor(user.pk, Role.RECEPTIONIST, clinic_id=clinic)
        case Role.ADMIN:
            return Actor(user.pk, Role.ADMIN)
    raise NotAllowed(gettext_noop("This account has no role."))


def viewer_for(user: AbstractBaseUser | AnonymousUser) -> Actor | None:
    """Who is looking at something public: None for a visitor, or an account without a role,
    who sees what a visitor sees."""
    try:
        return actor_for(user)
    except NotAllowed:
        return None
