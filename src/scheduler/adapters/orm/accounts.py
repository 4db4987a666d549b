"""The services' AccountRepository on the user and profile rows."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from scheduler.adapters.orm import models as rows
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.model import Patient
from scheduler.services.unit_of_work import AccountRepository, NewUser

CONTACT = ("first_name", "last_name", "email", "phone")


class DjangoAccountRepository(AccountRepository):
    def username_taken(self, username: str) -> bool:
        return rows.User.objects.filter(username__iexact=username).exists()

    def licence_taken(self, licence_number: str) -> bool:
        return rows.Doctor.objects.filter(licence_number__iexact=licence_number.strip()).exists()

    def specialty_exists(self, slug: str) -> bool:
        return rows.Specialty.objects.filter(slug=slug).exists()

    def clinic_exists(self, clinic_id: int) -> bool:
        return rows.Clinic.objects.filter(pk=clinic_id).exists()

    def add_user(self, user: NewUser) -> int:
        try:
            with transaction.atomic():  # a savepoint: losing the race spoils nothing else
                row = rows.User.objects.create_user(
                    username=user.username,
                    password=user.password,
                    email=user.email,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    phone=user.phone,
                    role=user.role.value,
                )
        except IntegrityError:
            raise InvalidInput("That username is taken.", field="username") from None
        return row.pk

    def add_patient(self, user_id: int) -> int:
        return rows.Patient.objects.create(user_id=user_id).pk

    def add_doctor(
        self, user_id: int, *, specialty: str, licence_number: str, clinic_id: int
    ) -> int:
        try:
            with transaction.atomic():
                doctor = rows.Doctor.objects.create(
                    user_id=user_id,
                    specialty=rows.Specialty.objects.get(slug=specialty),
                    licence_number=licence_number,
                    verified=False,
                )
        except IntegrityError:  # lost a race for the licence number
            raise InvalidInput(
                "A doctor with this licence number exists.", field="licence_number"
            ) from None
        doctor.clinics.add(clinic_id)
        return doctor.pk

    def patient_with_phone(self, phone: str) -> Patient | None:
        row = rows.Patient.objects.select_related("user").filter(user__phone=phone).first()
        if row is None:
            return None
        return Patient(id=row.pk, name=str(row), phone=row.user.phone, email=row.user.email)

    def contact_of(self, user_id: int) -> dict[str, str]:
        found = rows.User.objects.filter(pk=user_id).values_list(*CONTACT).first()
        if found is None:
            raise NotFound("User not found.")
        return dict(zip(CONTACT, found, strict=True))

    def update_contact(self, user_id: int, changes: dict[str, str]) -> None:
        rows.User.objects.filter(pk=user_id).update(**changes)

    def set_verified(self, doctor_id: int, verified: bool) -> bool:
        current = rows.Doctor.objects.filter(pk=doctor_id).values_list("verified", flat=True)
        if not current.exists():
            raise NotFound("Doctor not found.")
        return (
            rows.Doctor.objects.filter(pk=doctor_id)
            .exclude(verified=verified)
            .update(verified=verified)
            > 0
        )
