"""Reads for the API: keyword-only query functions over the rows, never through the bus.

What a viewer may not see is reported as not found (the same rule as domain.access), so a
listing or a detail never reveals someone else's appointment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from scheduler.adapters.local_dates import latin_digits
from scheduler.adapters.notify.models import ContactPreference
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import repositories
from scheduler.adapters.orm.repositories import load_schedule
from scheduler.adapters.phones import as_phone
from scheduler.domain import access
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.intervals import local_days
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor, Role
from scheduler.domain.schedule import Schedule
from scheduler.domain.spelling import persian_spelling

# -- people and places -------------------------------------------------------------------------


def specialty_list() -> QuerySet[rows.Specialty]:
    return rows.Specialty.objects.order_by("name")


def clinic_list(*, city: str | None = None) -> QuerySet[rows.Clinic]:
    query = rows.Clinic.objects.order_by("name", "pk")
    if city:
        query = query.filter(city__iexact=city)
    return query


def clinic_get(*, clinic_id: int) -> rows.Clinic:
    clinic = (
        rows.Clinic.objects.prefetch_related(
            Prefetch("doctors", queryset=_doctors().filter(rows.Doctor.listed()))
        )
        .filter(pk=clinic_id)
        .first()
    )
    if clinic is None:
        raise NotFound(gettext_noop("Clinic not found."))
    return clinic


def doctor_list(
    *, specialty: str | None = None, city: str | None = None, clinic_id: int | None = None
) -> QuerySet[rows.Doctor]:
    """Verified doctors only: an unverified one takes no bookings and is not listed."""
    query = _doctors().filter(rows.Doctor.listed())
    if specialty:
        query = query.filter(specialty__slug=specialty)
    if city:
        query = query.filter(clinics__city__iexact=city)
    if clinic_id is not None:
        query = query.filter(clinics__pk=clinic_id)
    return query.distinct().order_by("user__last_name", "user__first_name", "pk")


def doctor_get(*, doctor_id: int, viewer: Actor | None = None) -> rows.Doctor:
    """A verified doctor; an unverified one only for themselves and admins."""
    doctor = _doctors().filter(pk=doctor_id).annotate(is_listed=_LISTED).first()
    if doctor is None or not (doctor.is_listed or _is_self_or_admin(viewer, doctor_id)):
        raise NotFound(gettext_noop("Doctor not found."))
    return doctor


def doctor_clinic(*, doctor: rows.Doctor, clinic_id: int | None) -> rows.Clinic:
    """The clinic a request about ``doctor`` means: the one named, or the doctor's only one."""
    return _clinic_meant(list(doctor.clinics.all()), clinic_id)


@dataclass(frozen=True)
class ClinicClock:
    """What a reply about a doctor's time at a clinic needs of it."""

    pk: int
    timezone: str
    language: str


def doctor_clinic_clock(
    *, doctor_id: int, clinic_id: int | None, viewer: Actor | None
) -> ClinicClock:
    """``doctor_clinic(doctor=doctor_get(...), ...)`` in one read, with only the clinic's
    clock and language: the slot grid asks for it on every repaint."""
    found = list(
        rows.Doctor.objects.filter(pk=doctor_id)
        .annotate(is_listed=_LISTED)
        .values_list("is_listed", "clinics__pk", "clinics__timezone", "clinics__language")
    )
    if not found or not (found[0][0] or _is_self_or_admin(viewer, doctor_id)):
        raise NotFound(gettext_noop("Doctor not found."))
    clinics = [
        ClinicClock(pk, zone, language)
        for _, pk, zone, language in found
        if pk is not None  # the one row of a doctor at no clinic
    ]
    return _clinic_meant(clinics, clinic_id)


_Clinic = TypeVar("_Clinic", rows.Clinic, ClinicClock)


def _clinic_meant(clinics: list[_Clinic], clinic_id: int | None) -> _Clinic:
    if clinic_id is None:
        if len(clinics) == 1:
            return clinics[0]
        if not clinics:
            raise InvalidInput(
                gettext_noop("The doctor sees patients at no clinic yet."), field="clinic"
            )
        raise InvalidInput(
            gettext_noop("The doctor works at several clinics; say which one."), field="clinic"
        )
    for clinic in clinics:
        if clinic.pk == clinic_id:
            return clinic
    raise InvalidInput(
        gettext_noop("The doctor does not see patients at that clinic."), field="clinic"
    )


@dataclass(frozen=True)
class Profile:
    user: rows.User
    actor: Actor
    doctor_verified: bool | None
    doctor: rows.Doctor | None = None  # a doctor's page in the directory
    email_messages: bool = True
    sms_messages: bool = True


def profile(*, user: rows.User, actor: Actor) -> Profile:
    doctor = None
    if actor.doctor_id is not None:
        doctor = _doctors().filter(pk=actor.doctor_id).first()
    channels = ContactPreference.objects.filter(user_id=user.pk).first()
    return Profile(
        user=user,
        actor=actor,
        doctor_verified=doctor.verified if doctor is not None else None,
        doctor=doctor,
        # no row: every channel (see ContactPreference)
        email_messages=channels is None or channels.email,
        sms_messages=channels is None or channels.sms,
    )


# -- schedules ---------------------------------------------------------------------------------


def schedule_get(*, viewer: Actor, doctor: rows.Doctor, clinic: rows.Clinic) -> Schedule:
    """The doctor's schedule at the clinic; an empty one (defaults) if none is set up yet."""
    access.ensure_may_manage_doctor(
        viewer, doctor.pk, clinic_ids=frozenset({clinic.pk}), write=False
    )
    schedule = load_schedule(doctor.pk, clinic.pk, time_off_after=None)
    if schedule is None:
        return Schedule(
            doctor_id=doctor.pk, clinic_id=clinic.pk, timezone=clinic.timezone, hours=()
        )
    return schedule


def time_off_list(*, viewer: Actor, doctor: rows.Doctor) -> QuerySet[rows.TimeOff]:
    access.ensure_may_manage_doctor(viewer, doctor.pk, clinic_ids=_clinic_ids(doctor), write=False)
    return rows.TimeOff.objects.filter(doctor=doctor).order_by("start", "pk")


# -- appointments ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AppointmentFilters:
    """``first_day``/``last_day`` are inclusive dates on each appointment's clinic calendar."""

    status: str | None = None
    # Only the visits that still keep their time (domain ACTIVE): pending, booked, arrived,
    # in consultation.
    active: bool = False
    first_day: date | None = None
    last_day: date | None = None
    doctor_id: int | None = None
    clinic_id: int | None = None
    patient_id: int | None = None


def appointment_list(
    *, viewer: Actor, filters: AppointmentFilters | None = None
) -> QuerySet[rows.Appointment]:
    filters = filters or AppointmentFilters()
    query = _visible_appointments(viewer)
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.active:
        query = query.filter(status__in=rows.ACTIVE_STATUSES)
    if filters.doctor_id is not None:
        query = query.filter(doctor_id=filters.doctor_id)
    if filters.clinic_id is not None:
        query = query.filter(clinic_id=filters.clinic_id)
    if filters.patient_id is not None:
        query = query.filter(patient_id=filters.patient_id)
    if filters.first_day is not None or filters.last_day is not None:
        query = query.filter(on_local_days(filters.first_day, filters.last_day))
    return query.order_by("start", "pk")


def appointment_get(*, viewer: Actor, appointment_id: uuid.UUID) -> rows.Appointment:
    appointment = _visible_appointments(viewer).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(gettext_noop("Appointment not found."))
    return appointment


def own_appointments(*, patient_id: int) -> QuerySet[rows.Appointment]:
    """A patient's bookings as their own pages show them (doctor, specialty, clinic, and the
    family member a visit is for); the caller has made sure the reader is that patient."""
    return rows.Appointment.objects.filter(patient_id=patient_id).select_related(
        "doctor__user", "doctor__specialty", "clinic", "dependant", "visit_note"
    )


def own_appointments_shown(*, patient_id: int) -> QuerySet[rows.Appointment]:
    """The same with each visit's history, whose last change says why the clinic declined or
    cancelled it: for the pages that show it, not the socket's snapshot."""
    return own_appointments(patient_id=patient_id).prefetch_related(
        Prefetch("history", queryset=rows.AppointmentChange.objects.select_related("actor"))
    )


def _visible_appointments(viewer: Actor) -> QuerySet[rows.Appointment]:
    query = rows.Appointment.objects.select_related(
        "doctor__user", "doctor__specialty", "patient__user", "clinic", "dependant"
    ).prefetch_related(Prefetch("history", queryset=rows.AppointmentChange.objects.order_by("seq")))
    scope = access.booking_scope(viewer)
    if scope.everything:
        return query
    if scope.field:
        return query.filter(**{scope.field: scope.value})
    return query.none()


def visit_for(row: rows.Appointment) -> str:
    """Who the visit is for, as the people who run the day say it: the patient, or their
    family member with the account holder who brings them."""
    patient = row.patient.user.display_name()
    if row.dependant is None:
        return patient
    return gettext("%(dependant)s (for %(patient)s)") % {
        "dependant": str(row.dependant),
        "patient": patient,
    }


def on_local_days(
    first_day: date | None,
    last_day: date | None,
    *,
    instant: str = "start",
    zone: str = "clinic__timezone",
) -> Q:
    """Rows whose ``instant`` falls on these dates of their clinic's calendar (``zone`` names
    the clinic's zone field), whatever each clinic's zone: one bounded range per zone, inside
    one range around them all, which an index on ``instant`` alone serves."""
    condition = Q(pk__in=[])
    starts, ends = [], []
    for zone_name in rows.Clinic.objects.values_list("timezone", flat=True).distinct():
        clock = ZoneInfo(zone_name)
        part = Q(**{zone: zone_name})
        if first_day is not None:
            starts.append(local_days(first_day, first_day, clock).start)
            part &= Q(**{f"{instant}__gte": starts[-1]})
        if last_day is not None:
            ends.append(local_days(last_day, last_day, clock).end)
            part &= Q(**{f"{instant}__lt": ends[-1]})
        condition |= part
    if starts:
        condition &= Q(**{f"{instant}__gte": min(starts)})
    if ends:
        condition &= Q(**{f"{instant}__lt": max(ends)})
    return condition


# The same, read as a column: whether the one doctor asked for is listed.
_LISTED = ExpressionWrapper(rows.Doctor.listed(), output_field=BooleanField())


def _doctors() -> QuerySet[rows.Doctor]:
    return rows.Doctor.objects.select_related("user", "specialty").prefetch_related(
        Prefetch("clinics", queryset=rows.Clinic.objects.order_by("name", "pk"))
    )


def _clinic_ids(doctor: rows.Doctor) -> frozenset[int]:
    return frozenset(clinic.pk for clinic in doctor.clinics.all())


def _is_self_or_admin(viewer: Actor | None, doctor_id: int) -> bool:
    if viewer is None:
        return False
    return viewer.role is Role.ADMIN or viewer.doctor_id == doctor_id


# -- patients, for the desk -------------------------------------------------------------------


# Words of a name that narrow a search; more add nothing but cost.
SEARCH_WORDS = 8


def patient_record(*, viewer: Actor, patient_id: int) -> rows.Patient:
    """The patient with their record, for whom access.may_read_patient_record allows; NotFound
    for anyone else (they may not learn the patient exists)."""
    shares = appointment_list(
        viewer=viewer, filters=AppointmentFilters(patient_id=patient_id)
    ).filter(status__in=access.RECORD_OPENING)
    found = rows.Patient.objects.select_related("user").filter(pk=patient_id).first()
    if found is None or not access.may_read_patient_record(
        viewer, patient_id, shares_booking=shares.exists()
    ):
        raise NotFound(gettext_noop("Patient not found."))
    return found


def patient_search(*, viewer: Actor, query: str) -> QuerySet[rows.Patient]:
    """Patients with ``query``'s phone number (written any common way, in either digits) or
    email, else whose name, username or phone contains each of its words, among those
    access.known_patients_scope lets the viewer find so; for staff only (the desk books for
    whoever calls or walks in)."""
    access.ensure_may_look_up_patients(viewer)
    found = (
        rows.Patient.objects.select_related("user")
        .filter(user__forgotten=False)  # no one to book for, nothing to find
        .order_by("user__last_name", "user__first_name", "pk")
    )
    contact = _whole_contact(query)
    if contact is not None:
        return found.filter(contact)
    typed = latin_digits(query).strip()
    found = found.filter(repositories.known_patients(access.known_patients_scope(viewer)))
    for word in persian_spelling(typed).split()[:SEARCH_WORDS]:
        # Stored as +98912..., written locally as 0912...: digits after the national 0 match.
        digits = word[1:] if word.isdecimal() and word.startswith("0") and len(word) > 1 else word
        found = found.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
            | Q(user__phone__icontains=digits)
        )
    return found


def looks_beyond_the_clinic(query: str) -> bool:
    """Whether patient_search looks ``query`` up among everyone (a whole phone number or
    email), not among the viewer's own patients."""
    return _whole_contact(query) is not None


def _whole_contact(query: str) -> Q | None:
    typed = latin_digits(query).strip()
    phone = as_phone(typed)
    if phone is not None:  # however it was written: the number as stored
        return Q(user__phone=phone)
    if "@" in typed:  # no name has one: an email, whole
        return Q(user__email__iexact=typed)
    return None


def dependant_list(*, viewer: Actor) -> QuerySet[rows.Dependant]:
    """The family members on the viewer's own account, as added (removed ones not)."""
    patient_id = access.family_holder(viewer)
    return rows.Dependant.objects.filter(patient_id=patient_id, active=True).order_by("pk")


def dependant_get(*, viewer: Actor, dependant_id: int) -> rows.Dependant:
    row = dependant_list(viewer=viewer).filter(pk=dependant_id).first()
    if row is None:
        raise NotFound(gettext_noop("Family member not found."))
    return row


def taken_on(*, patient_id: int, doctor_id: int) -> bool:
    """Whether the doctor has taken the patient on, as the booking rule reads it."""
    return repositories.taken_on(patient_id, doctor_id)
