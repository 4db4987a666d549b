"""People and places: the entities an appointment refers to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    RECEPTIONIST = "receptionist"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """Who is asking. Profile ids are set for the role the user has."""

    user_id: int
    role: Role
    patient_id: int | None = None
    doctor_id: int | None = None
    clinic_id: int | None = None  # a receptionist's clinic
    verified: bool = True  # a doctor an admin vouched for; False reaches no one's data

    @property
    def is_staff(self) -> bool:
        """Works at a clinic (books past the notice, sees who holds a slot): the desk, admins
        and doctors an admin has verified; anyone can sign up as a doctor."""
        return self.role is not Role.PATIENT and (self.role is not Role.DOCTOR or self.verified)


@dataclass(frozen=True)
class Doctor:
    id: int
    name: str
    specialty: str
    licence_number: str
    verified: bool
    accepts_new_patients: bool = True
    active: bool = True  # False: their account was closed

    @property
    def listed(self) -> bool:
        """Found in the search and booked: verified, and their account open (the database
        asks the same of its rows: adapters.orm.models.Doctor.listed)."""
        return self.verified and self.active


@dataclass(frozen=True)
class Patient:
    id: int
    name: str
    phone: str = ""
    email: str = ""
    active: bool = True  # False: the account was closed, or its patient forgotten
