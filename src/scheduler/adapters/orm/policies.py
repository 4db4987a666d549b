"""A clinic's no-show policy and video provider, and a patient's missed visits, from the rows:
for the booking use case (through the unit of work) and for the pages and API that show a
patient's standing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import repositories
from scheduler.adapters.orm.prepared import PreparedRead
from scheduler.domain import access, no_show_policy, video_visits
from scheduler.domain.appointment import FORGIVE_NO_SHOW, Status, VisitMode
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor, Role
from scheduler.domain.no_show_policy import NoShowPolicy, Standing
from scheduler.services import unit_of_work as ports


def policy_of(clinic: rows.Clinic) -> NoShowPolicy:
    return repositories.no_show_policy_of(
        {field: getattr(clinic, field) for field in repositories.NO_SHOW_POLICY_FIELDS}
    )


def _policy(clinic_id: int) -> QuerySet[Any, dict[str, Any]]:
    policy: QuerySet[Any, dict[str, Any]] = rows.Clinic.objects.filter(pk=clinic_id).values(
        *repositories.NO_SHOW_POLICY_FIELDS
    )
    return policy


# A booking takes the policy from its first read (repositories.booking_parties); this is for
# the other use cases that ask: prepared (adapters.orm.prepared).
_POLICY = PreparedRead(_policy, clinic_id=int)


def missed_visits(patient_id: int, clinic_id: int, since: datetime) -> list[datetime]:
    return list(
        rows.Appointment.objects.filter(
            patient_id=patient_id, clinic_id=clinic_id, status=Status.NOSHOW.value, start__gte=since
        )
        .exclude(history__action=FORGIVE_NO_SHOW)
        .values_list("start", flat=True)
    )


def standing(patient_id: int, clinic: rows.Clinic, now: datetime) -> Standing:
    policy = policy_of(clinic)
    since = no_show_policy.window_start(now, policy.window_months)
    missed = missed_visits(patient_id, clinic.pk, since) if policy.limit else []
    return no_show_policy.standing(policy, missed, now)


def _clinic(clinic_id: int) -> rows.Clinic:
    clinic = rows.Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        raise NotFound(gettext_noop("Clinic not found."))
    return clinic


class DjangoPolicies(ports.PolicyRepository):
    def __init__(self) -> None:
        self._read: dict[int, NoShowPolicy] = {}

    def read_with(self, clinic_id: int, policy: NoShowPolicy) -> None:
        """The clinic's policy, read in this unit of work with something else (a booking's
        parties): not read again."""
        self._read[clinic_id] = policy

    def no_show_policy(self, clinic_id: int) -> NoShowPolicy:
        if clinic_id in self._read:
            return self._read[clinic_id]
        row = _POLICY.first(clinic_id=clinic_id)
        if row is None:
            raise NotFound(gettext_noop("Clinic not found."))
        return repositories.no_show_policy_of(row)

    def missed_visits(self, patient_id: int, clinic_id: int, since: datetime) -> list[datetime]:
        return missed_visits(patient_id, clinic_id, since)

    def video_url_template(self, clinic_id: int) -> str:
        return _clinic(clinic_id).video_url_template


def video_link(viewer: Actor | None, row: rows.Appointment, now: datetime) -> str | None:
    """The room's address for the one reading ``row`` (its clinic loaded): the visit's patient
    or doctor, once it opens (domain.video_visits); None for anyone else and at other times."""
    if row.visit_mode != VisitMode.VIDEO or viewer is None:
        return None
    if not access.may_join_video(viewer, doctor_id=row.doctor_id, patient_id=row.patient_id):
        return None
    return video_visits.video_url(
        template=row.clinic.video_url_template,
        room=row.video_room,
        slot=Interval(row.start, row.end),
        status=Status(row.status),
        now=now,
    )


def video_opens_at(row: rows.Appointment) -> datetime | None:
    if row.visit_mode != VisitMode.VIDEO:
        return None
    return video_visits.opens_at(Interval(row.start, row.end))


@dataclass(frozen=True)
class MissedVisit:
    row: rows.Appointment
    forgiven: rows.AppointmentChange | None


def no_show_record(
    *, viewer: Actor, patient_id: int, clinic_id: int | None, now: datetime
) -> tuple[rows.Clinic, Standing, list[MissedVisit]]:
    """A patient's standing at a clinic and their no-shows there the viewer may see (newest
    first, forgiven ones with who, when and why), for staff. The desk's clinic is its own; a
    doctor names one of theirs, an admin any. A clinic they may not look into is not found."""
    access.ensure_may_see_no_shows(viewer)
    if viewer.role is Role.RECEPTIONIST:
        if clinic_id not in (None, viewer.clinic_id):
            raise NotFound(gettext_noop("Clinic not found."))
        clinic_id = viewer.clinic_id
    if clinic_id is None:
        raise InvalidInput(gettext_noop("Say which clinic."), field="clinic")
    clinics = rows.Clinic.objects.all()
    if viewer.role is Role.DOCTOR:
        clinics = clinics.filter(doctors=viewer.doctor_id)
    clinic = clinics.filter(pk=clinic_id).first()
    if clinic is None:
        raise NotFound(gettext_noop("Clinic not found."))
    # Found in review: any id answered 200 and an unknown one 404, so the desk could tell who
    # exists. A patient the viewer does not know has no no-shows at their clinic to show.
    known = repositories.known_patients(access.known_patients_scope(viewer))
    if not rows.Patient.objects.filter(known, pk=patient_id).exists():
        raise NotFound(gettext_noop("Patient not found."))
    scope = access.booking_scope(viewer)
    missed = rows.Appointment.objects.filter(
        patient_id=patient_id, clinic_id=clinic.pk, status=Status.NOSHOW.value
    )
    if not scope.everything:
        missed = missed.filter(**{scope.field: scope.value})
    forgiveness = rows.AppointmentChange.objects.filter(action=FORGIVE_NO_SHOW).select_related(
        "actor"
    )
    shown = [
        MissedVisit(row, next(iter(row.forgiveness), None))
        for row in missed.order_by("-start").prefetch_related(
            Prefetch("history", queryset=forgiveness, to_attr="forgiveness")
        )[:MAX_LISTED]
    ]
    return clinic, standing(patient_id, clinic, now), shown


# The desk acts on the latest few; older ones expired from any sensible window long ago.
MAX_LISTED = 50
