"""The services' AccountRepository on the user and profile rows."""

from __future__ import annotations

import uuid

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from scheduler.adapters import account_tokens, photos
from scheduler.adapters.notify.models import ContactPreference, Notification
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import sign_in
from scheduler.domain.dependants import OLDEST_BIRTH_DATE
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Patient
from scheduler.domain.spelling import doctor_search_name
from scheduler.services.unit_of_work import AccountRepository, NewUser

PROFILE = (
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
DOCTOR_PROFILE = (
    "bio",
    "years_of_experience",
    "languages",
    "consultation_fee",
    "accepts_new_patients",
)


class DjangoAccountRepository(AccountRepository):
    def username_taken(self, username: str) -> bool:
        return rows.User.objects.filter(username__iexact=username).exists()

    def licence_taken(self, licence_number: str) -> bool:
        return rows.Doctor.objects.filter(licence_number__iexact=licence_number.strip()).exists()

    def email_taken(self, email: str, *, other_than: int | None = None) -> bool:
        return self._others(other_than).filter(email__iexact=email).exists()

    def phone_taken(self, phone: str, *, other_than: int | None = None) -> bool:
        return self._others(other_than).filter(phone=phone).exists()

    def _others(self, user_id: int | None) -> QuerySet[rows.User]:
        found = sign_in.accounts_signing_in()
        return found if user_id is None else found.exclude(pk=user_id)

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
                    language=user.language,
                    role=user.role.value,
                )
        except IntegrityError:
            raise InvalidInput(gettext_noop("That username is taken."), field="username") from None
        return row.pk

    def add_patient(self, user_id: int, *, added_at: int | None = None) -> int:
        return rows.Patient.objects.create(user_id=user_id, added_at_id=added_at).pk

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
                    search_name=_search_name(user_id),
                )
        except IntegrityError:  # lost a race for the licence number
            raise InvalidInput(
                gettext_noop("A doctor with this licence number exists."), field="licence_number"
            ) from None
        doctor.clinics.add(clinic_id)
        return doctor.pk

    def patient_with_phone(self, phone: str) -> Patient | None:
        row = rows.Patient.objects.select_related("user").filter(user__phone=phone).first()
        if row is None:
            return None
        return Patient(id=row.pk, name=str(row), phone=row.user.phone, email=row.user.email)

    def contact_of(self, user_id: int) -> dict[str, object]:
        found = rows.User.objects.filter(pk=user_id).values_list(*PROFILE).first()
        if found is None:
            raise NotFound(gettext_noop("User not found."))
        return dict(zip(PROFILE, found, strict=True))

    def update_contact(self, user_id: int, changes: dict[str, object]) -> None:
        rows.User.objects.filter(pk=user_id).update(**changes)
        if changes.keys() & {"first_name", "last_name"}:
            rows.Doctor.objects.filter(user_id=user_id).update(search_name=_search_name(user_id))

    def channels_of(self, user_id: int) -> dict[str, bool]:
        found = ContactPreference.objects.filter(user_id=user_id).first()
        if found is None:  # no row: every channel (see ContactPreference)
            return {"email_messages": True, "sms_messages": True}
        return {"email_messages": found.email, "sms_messages": found.sms}

    def set_channels(self, user_id: int, changes: dict[str, bool]) -> None:
        wanted = {**self.channels_of(user_id), **changes}
        ContactPreference.objects.update_or_create(
            user_id=user_id,
            defaults={"email": wanted["email_messages"], "sms": wanted["sms_messages"]},
        )

    def doctor_profile_of(self, doctor_id: int) -> dict[str, object]:
        found = rows.Doctor.objects.filter(pk=doctor_id).values_list(*DOCTOR_PROFILE).first()
        if found is None:
            raise NotFound(gettext_noop("Doctor not found."))
        return dict(zip(DOCTOR_PROFILE, found, strict=True))

    def update_doctor_profile(self, doctor_id: int, changes: dict[str, object]) -> None:
        rows.Doctor.objects.filter(pk=doctor_id).update(**changes)

    def replace_doctor_photo(self, doctor_id: int, content: bytes | None) -> bool:
        old = rows.Doctor.objects.filter(pk=doctor_id).values_list("photo", flat=True).first()
        if old is None:
            raise NotFound(gettext_noop("Doctor not found."))
        name = photos.store(photos.prepared(content)) if content is not None else ""
        rows.Doctor.objects.filter(pk=doctor_id).update(photo=name)
        # The old file goes once the new name is committed; until then it is still the photo.
        transaction.on_commit(lambda: photos.delete(old))
        return bool(old)

    def set_verified(self, doctor_id: int, verified: bool) -> bool:
        current = rows.Doctor.objects.filter(pk=doctor_id).values_list("verified", flat=True)
        if not current.exists():
            raise NotFound(gettext_noop("Doctor not found."))
        return (
            rows.Doctor.objects.filter(pk=doctor_id)
            .exclude(verified=verified)
            .update(verified=verified)
            > 0
        )

    def active_users_for_login(self, login: str) -> list[int]:
        if not login:
            return []
        return list(
            rows.User.objects.filter(is_active=True)
            .filter(Q(username__iexact=login) | Q(email__iexact=login))
            .values_list("pk", flat=True)
        )

    def reset_token_valid(self, user_id: int, token: str) -> bool:
        user = rows.User.objects.filter(pk=user_id, is_active=True).first()
        return user is not None and account_tokens.reset_token_valid(user, token)

    def password_matches(self, user_id: int, password: str) -> bool:
        user = rows.User.objects.filter(pk=user_id).first()
        return user is not None and user.check_password(password)

    def set_password(self, user_id: int, password: str | None) -> None:
        rows.User.objects.filter(pk=user_id).update(password=make_password(password))

    def revoke_sessions(self, user_id: int) -> None:
        # Access tokens carry a hash of the password (CHECK_REVOKE_TOKEN): a new one ends them.
        spent = BlacklistedToken.objects.filter(token__user_id=user_id).values("token_id")
        live = OutstandingToken.objects.filter(user_id=user_id).exclude(pk__in=spent)
        BlacklistedToken.objects.bulk_create(
            (BlacklistedToken(token=token) for token in live), ignore_conflicts=True
        )

    def email_token_holder(self, token: str) -> int | None:
        found = account_tokens.verification_holder(token)
        if found is None:
            return None
        user_id, address = found
        current = rows.User.objects.filter(pk=user_id, is_active=True).values_list(
            "email", flat=True
        )
        return user_id if address and [address] == [e.lower() for e in current] else None

    def email_is_verified(self, user_id: int) -> bool:
        return rows.User.objects.filter(pk=user_id, email_verified=True).exists()

    def set_email_verified(self, user_id: int, verified: bool) -> bool:
        return (
            rows.User.objects.filter(pk=user_id)
            .exclude(email_verified=verified)
            .update(email_verified=verified)
            > 0
        )

    def deactivate(self, user_id: int) -> bool:
        if not rows.User.objects.filter(pk=user_id).exists():
            raise NotFound(gettext_noop("User not found."))
        return rows.User.objects.filter(pk=user_id, is_active=True).update(is_active=False) > 0

    def forget(self, user_id: int) -> None:
        rows.User.objects.filter(pk=user_id).update(
            username=f"deleted-{uuid.uuid4().hex}",  # unique, and no one's
            first_name="",
            last_name="",
            email="",
            phone="",
            password=make_password(None),
            is_active=False,
            email_verified=False,
            forgotten=True,
            last_login=None,
        )
        rows.Appointment.objects.filter(patient__user_id=user_id).update(reason="")
        # Their family members are theirs to have forgotten too: kept nameless for the visits.
        rows.Dependant.objects.filter(patient__user_id=user_id).update(
            first_name="", last_name="", birth_date=OLDEST_BIRTH_DATE, active=False
        )
        rows.AppointmentChange.objects.filter(actor_id=user_id).update(note="")
        Notification.objects.filter(recipient_id=user_id).update(address="", details={}, error="")


def _search_name(user_id: int) -> str:
    first, last, username = rows.User.objects.values_list(
        "first_name", "last_name", "username"
    ).get(pk=user_id)
    return doctor_search_name(first, last, username)
