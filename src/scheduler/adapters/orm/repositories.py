"""Repositories: Django rows <-> domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject, Now

from scheduler.adapters.gcal.models import BusyBlock
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.inserts import insert
from scheduler.adapters.orm.prepared import PreparedRead
from scheduler.adapters.orm.spans import Overlapping, intervals, span_columns
from scheduler.domain.access import Scope
from scheduler.domain.appointment import (
    OCCUPYING,
    TAKEN_ON,
    Appointment,
    Change,
    Status,
    VisitMode,
)
from scheduler.domain.dependants import Dependant, Person, Relation
from scheduler.domain.errors import ConcurrentUpdate, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Doctor, Patient
from scheduler.domain.no_show_policy import Consequence, NoShowPolicy
from scheduler.domain.schedule import DateOverride, Schedule, WallInterval, WeeklyInterval
from scheduler.domain.visit_notes import NoteContent, Prescription, VisitNote
from scheduler.services import unit_of_work as ports
from scheduler.services.ports import Clock


def taken_on(patient_id: int, doctor_id: int) -> bool:
    """Whether the doctor has taken the patient on (domain.appointment.TAKEN_ON): for the
    booking rule, and for the doctor's page that warns a new patient before they try."""
    return rows.Appointment.objects.filter(
        patient_id=patient_id,
        doctor_id=doctor_id,
        status__in=[status.value for status in TAKEN_ON],
    ).exists()


def _meeting(doctor_id: int, patient_id: int, start: datetime, end: datetime) -> QuerySet[Any, Any]:
    """ports.Meeting's rows: the doctor's holds over the window and all the patient's, and
    both their active visits over it. Each arm is what one of the no-overlap constraints'
    indexes holds (their statuses), so PostgreSQL reads each off its index."""
    over = Overlapping(start, end)
    doctors = Q(doctor_id=doctor_id, status__in=rows.OCCUPYING_STATUSES) & Q(over)
    patients_visits = Q(patient_id=patient_id, status__in=rows.ACTIVE_STATUSES) & Q(over)
    patients_holds = Q(patient_id=patient_id, status=Status.PROPOSED.value)
    query = rows.Appointment.every.filter(doctors | patients_visits | patients_holds)
    return query.order_by("hold_expires_at", "pk").values_list(
        "pk", "status", "doctor_id", "patient_id", "start", "end"
    )


# Read by every booking and hold (prepared: see booking_parties).
_MEETING = PreparedRead(_meeting, doctor_id=int, patient_id=int, start=datetime, end=datetime)


class DjangoAppointmentRepository(ports.AppointmentRepository):
    # Migrations 0002, 0004 and 0017: exclusion constraints on PostgreSQL, triggers on SQLite,
    # over every occupying status (live or expired holds included). What a booking meets is
    # checked before its writes (Meeting.busy); these refuse the one a race let through, at
    # flush, as SlotTakenMeanwhile (unit_of_work.translate) in rules.ensure_free's words.

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock  # a hold past its expiry keeps no one off its slot
        # version and history length as read, to write only what changed
        self._loaded: dict[uuid.UUID, tuple[int, int]] = {}
        self._keys: list[tuple[int, str, ports.IdempotencyRecord]] = []

    def _add(self, appointment: Appointment) -> None:
        pass  # written by flush(), inside the unit of work's transaction

    def _get(self, appointment_id: uuid.UUID) -> Appointment:
        try:
            row = rows.Appointment.every.prefetch_related(
                Prefetch("history", queryset=rows.AppointmentChange.objects.order_by("seq"))
            ).get(pk=appointment_id)
        except rows.Appointment.DoesNotExist:
            raise NotFound(gettext_noop("Appointment not found.")) from None
        appointment = appointment_to_domain(row)
        self._loaded[appointment.id] = (appointment.version, len(appointment.history))
        return appointment

    def _active_ids(
        self, doctor_id: int, window: Interval, clinic_id: int | None
    ) -> list[uuid.UUID]:
        query = rows.Appointment.objects.filter(
            doctor_id=doctor_id,
            status__in=rows.ACTIVE_STATUSES,
            start__lt=window.end,
            end__gt=window.start,
        )
        if clinic_id is not None:
            query = query.filter(clinic_id=clinic_id)
        return list(query.order_by("start").values_list("pk", flat=True))

    def _upcoming_ids(self, patient_id: int, after: datetime) -> list[uuid.UUID]:
        return list(
            rows.Appointment.objects.filter(
                patient_id=patient_id,
                status__in=[Status.PENDING.value, Status.BOOKED.value],
                start__gt=after,
            )
            .order_by("start")
            .values_list("pk", flat=True)
        )

    def taken_on(self, patient_id: int, doctor_id: int) -> bool:
        return taken_on(patient_id, doctor_id)

    def doctor_busy(
        self, doctor_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        query = rows.Appointment.every.filter(doctor_id=doctor_id)
        return intervals(self._occupying(query, window, excluding).values_list(*span_columns()))

    def patient_busy(
        self, patient_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        query = rows.Appointment.every.filter(patient_id=patient_id)
        return intervals(self._occupying(query, window, excluding).values_list(*span_columns()))

    def _occupying(
        self, query: QuerySet[rows.Appointment], window: Interval, excluding: uuid.UUID | None
    ) -> QuerySet[rows.Appointment]:
        """Active visits and live holds; a row this unit of work has let go of (a hold
        released, a visit cancelled) is free already, though not yet written."""
        live_hold = Q(status=Status.PROPOSED.value, hold_expires_at__gt=self._clock())
        return query.filter(
            Q(status__in=rows.ACTIVE_STATUSES) | live_hold,
            start__lt=window.end,
            end__gt=window.start,
        ).exclude(pk__in=[*self.let_go(), *([excluding] if excluding else [])])

    def _hold_ids(
        self,
        doctor_id: int | None,
        patient_id: int | None,
        window: Interval | None,
        expired_at: datetime | None,
        limit: int | None,
    ) -> list[uuid.UUID]:
        query = rows.Appointment.every.filter(status=Status.PROPOSED.value)
        if doctor_id is not None:
            query = query.filter(doctor_id=doctor_id)
        if patient_id is not None:
            query = query.filter(patient_id=patient_id)
        if window is not None:
            query = query.filter(start__lt=window.end, end__gt=window.start)
        if expired_at is not None:
            # Sweeps in several processes share the work rather than wait on each other.
            query = query.filter(hold_expires_at__lte=expired_at).select_for_update(
                skip_locked=True
            )
        ids = query.order_by("hold_expires_at", "pk").values_list("pk", flat=True)
        return list(ids[:limit] if limit is not None else ids)

    def _meeting_rows(
        self, doctor_id: int, patient_id: int, window: Interval
    ) -> tuple[list[uuid.UUID], list[ports.VisitRow]]:
        hold_ids: list[uuid.UUID] = []
        visits: list[ports.VisitRow] = []
        for pk, status, doctor, patient, start, end in _MEETING.rows(
            doctor_id=doctor_id, patient_id=patient_id, start=window.start, end=window.end
        ):
            if status == Status.PROPOSED.value:
                hold_ids.append(pk)
            else:
                visits.append(ports.VisitRow(pk, doctor, patient, Interval(start, end)))
        return hold_ids, visits

    def remember_key(self, user_id: int, key: str, record: ports.IdempotencyRecord) -> None:
        self._keys.append((user_id, key, record))

    def recall_key(self, user_id: int, key: str) -> ports.IdempotencyRecord | None:
        row = rows.IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if row is None:
            return None
        return ports.IdempotencyRecord(row.appointment_id, row.fingerprint)

    def flush(self) -> set[uuid.UUID]:
        """Writes every change; returns the ids of those another writer made first (a hold
        let go of by two at once): nothing of theirs is written, events included."""
        made_before: set[uuid.UUID] = set()
        # What was let go of first: the database refuses a row taking time another row still
        # holds (a visit moved into the slot of a hold it lets go of), whatever comes next.
        for appointment in sorted(self.seen.values(), key=lambda a: a.status in OCCUPYING):
            loaded = self._loaded.get(appointment.id)
            if loaded is None:
                _insert(appointment)
            elif loaded[0] != appointment.version and not _update(
                appointment, loaded_version=loaded[0]
            ):
                made_before.add(appointment.id)
                continue
            first_new = 0 if loaded is None else loaded[1]
            _insert_history(appointment, first_new)
            self._loaded[appointment.id] = (appointment.version, len(appointment.history))
        for user_id, key, record in self._keys:
            rows.IdempotencyKey.objects.create(
                user_id=user_id,
                key=key,
                appointment_id=record.appointment_id,
                fingerprint=record.fingerprint,
            )
        self._keys.clear()
        return made_before


class DjangoDependantRepository(ports.DependantRepository):
    def find(self, dependant_id: int) -> Dependant | None:
        row = rows.Dependant.objects.filter(pk=dependant_id).first()
        if row is None:
            return None
        return Dependant(
            id=row.pk,
            patient_id=row.patient_id,
            first_name=row.first_name,
            last_name=row.last_name,
            birth_date=row.birth_date,
            relation=Relation(row.relation),
            active=row.active,
        )

    def active_count(self, patient_id: int) -> int:
        # The account's row stays locked until the unit of work ends: on PostgreSQL (READ
        # COMMITTED) adds racing for the last room would each count the others' uncommitted
        # rows as not there, and all of them fit. Locked, they count and add one at a time.
        locked = rows.Patient.objects.select_for_update().filter(pk=patient_id)
        list(locked.values_list("pk", flat=True))
        return rows.Dependant.objects.filter(patient_id=patient_id, active=True).count()

    def add(self, patient_id: int, person: Person) -> int:
        row = rows.Dependant.objects.create(
            patient_id=patient_id,
            first_name=person.first_name,
            last_name=person.last_name,
            birth_date=person.birth_date,
            relation=person.relation.value,
        )
        return row.pk

    def save(self, dependant: Dependant) -> None:
        rows.Dependant.objects.filter(pk=dependant.id).update(
            first_name=dependant.first_name,
            last_name=dependant.last_name,
            birth_date=dependant.birth_date,
            relation=dependant.relation.value,
            active=dependant.active,
        )


class DjangoScheduleRepository(ports.ScheduleRepository):
    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    def find(self, doctor_id: int, clinic_id: int) -> Schedule | None:
        return load_schedule(doctor_id, clinic_id, time_off_after=self._clock())

    def clinic_timezone(self, clinic_id: int) -> str:
        zone = rows.Clinic.objects.filter(pk=clinic_id).values_list("timezone", flat=True).first()
        if zone is None:
            raise NotFound(gettext_noop("Clinic not found."))
        return zone

    def cancel_cutoff_minutes(self, clinic_id: int) -> int:
        cutoff = (
            rows.Clinic.objects.filter(pk=clinic_id)
            .values_list("cancel_cutoff_minutes", flat=True)
            .first()
        )
        if cutoff is None:
            raise NotFound(gettext_noop("Clinic not found."))
        return cutoff

    def works_at(self, doctor_id: int, clinic_id: int) -> bool:
        return rows.Doctor.clinics.through.objects.filter(
            doctor_id=doctor_id, clinic_id=clinic_id
        ).exists()

    def save(self, schedule: Schedule) -> None:
        row, _ = rows.Schedule.objects.update_or_create(
            doctor_id=schedule.doctor_id,
            clinic_id=schedule.clinic_id,
            defaults={
                "slot_minutes": schedule.slot_minutes,
                "horizon_days": schedule.horizon_days,
                "min_notice_minutes": schedule.min_notice_minutes,
                "requires_approval": schedule.requires_approval,
                "revision": uuid.uuid4(),
            },
        )
        row.weekly.all().delete()
        kinds = (
            (rows.WeeklyInterval.Kind.WORK, schedule.hours),
            (rows.WeeklyInterval.Kind.BREAK, schedule.breaks),
        )
        rows.WeeklyInterval.objects.bulk_create(
            rows.WeeklyInterval(
                schedule=row, kind=kind, weekday=w.weekday, start=w.span.start, end=w.span.end
            )
            for kind, spans in kinds
            for w in spans
        )
        row.overrides.all().delete()
        dates: list[rows.DateOverride] = []
        for override in schedule.overrides:
            if not override.spans:  # closed that day
                dates.append(rows.DateOverride(schedule=row, date=override.day))
            dates.extend(
                rows.DateOverride(schedule=row, date=override.day, start=span.start, end=span.end)
                for span in override.spans
            )
        rows.DateOverride.objects.bulk_create(dates)

    def add_time_off(self, doctor_id: int, period: Interval, reason: str) -> int:
        row = rows.TimeOff.objects.create(
            doctor_id=doctor_id, start=period.start, end=period.end, reason=reason
        )
        _new_revisions(doctor_id)
        return row.pk

    def remove_time_off(self, doctor_id: int, time_off_id: int) -> Interval:
        row = rows.TimeOff.objects.filter(doctor_id=doctor_id, pk=time_off_id).first()
        if row is None:
            raise NotFound(gettext_noop("Time off not found."))
        row.delete()
        _new_revisions(doctor_id)
        return Interval(row.start, row.end)


def _new_revisions(doctor_id: int) -> None:
    """Time off is part of each of the doctor's schedules as loaded (and kept by revision)."""
    rows.Schedule.objects.filter(doctor_id=doctor_id).update(revision=uuid.uuid4())


@dataclass(frozen=True)
class _Hours:
    work: tuple[WeeklyInterval, ...]
    breaks: tuple[WeeklyInterval, ...]
    overrides: tuple[DateOverride, ...]
    time_off: tuple[Interval, ...]  # all of the doctor's, over or not


# A schedule's hours and its doctor's time off as read once under a revision: a save of either
# writes a new (random) revision, so a kept entry never goes stale, nor serves another
# database's schedule of the same id.
@lru_cache(maxsize=4096)
def _hours_of_revision(revision: uuid.UUID, schedule_id: int, doctor_id: int) -> _Hours:
    return _hours(schedule_id, doctor_id)


def _hours(schedule_id: int, doctor_id: int) -> _Hours:
    overrides: dict[date, list[WallInterval]] = {}
    for day, start, end in rows.DateOverride.objects.filter(schedule_id=schedule_id).values_list(
        "date", "start", "end"
    ):
        spans = overrides.setdefault(day, [])
        if start is not None and end is not None:
            spans.append(WallInterval(start, end))
    work: list[WeeklyInterval] = []
    breaks: list[WeeklyInterval] = []
    for kind, weekday, start, end in rows.WeeklyInterval.objects.filter(
        schedule_id=schedule_id
    ).values_list("kind", "weekday", "start", "end"):
        interval = WeeklyInterval(weekday, WallInterval(start, end))
        (work if kind == rows.WeeklyInterval.Kind.WORK else breaks).append(interval)
    time_off = rows.TimeOff.objects.filter(doctor_id=doctor_id).order_by("start")
    return _Hours(
        work=tuple(work),
        breaks=tuple(breaks),
        overrides=tuple(DateOverride(day, tuple(spans)) for day, spans in overrides.items()),
        time_off=tuple(Interval(start, end) for start, end in time_off.values_list("start", "end")),
    )


# The fields of a schedule row (with its clinic's zone) a Schedule is made of.
SCHEDULE_FIELDS = (
    "pk",
    "revision",
    "slot_minutes",
    "horizon_days",
    "min_notice_minutes",
    "requires_approval",
    "clinic__timezone",
)


def _schedule_row(doctor_id: int, clinic_id: int) -> QuerySet[Any, dict[str, Any]]:
    # One a doctor and clinic (one_schedule_per_clinic): no order needed.
    schedule: QuerySet[Any, dict[str, Any]] = rows.Schedule.objects.filter(
        doctor_id=doctor_id, clinic_id=clinic_id
    ).values(*SCHEDULE_FIELDS)
    return schedule


_SCHEDULE = PreparedRead(_schedule_row, doctor_id=int, clinic_id=int)


def load_schedule(
    doctor_id: int, clinic_id: int, *, time_off_after: datetime | None
) -> Schedule | None:
    """The doctor's schedule at the clinic, or None; with the time off that ends after
    ``time_off_after`` if given (time off that is over can no longer hide a bookable slot).

    Plain values, not model instances, from a prepared read: this runs on every slot grid.
    """
    row = _SCHEDULE.first(doctor_id=doctor_id, clinic_id=clinic_id)
    if row is None:
        return None
    return schedule_of(row, doctor_id, clinic_id, time_off_after=time_off_after)


def schedule_of(
    row: Mapping[str, Any], doctor_id: int, clinic_id: int, *, time_off_after: datetime | None
) -> Schedule:
    """The Schedule of a row of SCHEDULE_FIELDS (load_schedule)."""
    revision = row["revision"]
    if revision is None:
        hours = _hours(row["pk"], doctor_id)
    else:
        hours = _hours_of_revision(revision, row["pk"], doctor_id)
    time_off = (
        tuple(period for period in hours.time_off if period.end > time_off_after)
        if time_off_after is not None
        else ()
    )
    return Schedule(
        doctor_id=doctor_id,
        clinic_id=clinic_id,
        timezone=row["clinic__timezone"],
        hours=hours.work,
        breaks=hours.breaks,
        overrides=hours.overrides,
        time_off=time_off,
        slot_minutes=row["slot_minutes"],
        horizon_days=row["horizon_days"],
        min_notice_minutes=row["min_notice_minutes"],
        requires_approval=row["requires_approval"],
    )


DOCTOR_FIELDS = (
    "verified",
    "accepts_new_patients",
    "licence_number",
    "specialty__slug",
    "user__first_name",
    "user__last_name",
    "user__is_active",
)


def doctor_of(doctor_id: int, row: Mapping[str, Any]) -> Doctor:
    """The Doctor of a row of DOCTOR_FIELDS."""
    return Doctor(
        id=doctor_id,
        name=f"{row['user__first_name']} {row['user__last_name']}".strip(),
        specialty=row["specialty__slug"],
        licence_number=row["licence_number"],
        verified=row["verified"],
        accepts_new_patients=row["accepts_new_patients"],
        active=row["user__is_active"],
    )


class DjangoDoctorRepository(ports.DoctorRepository):
    def get(self, doctor_id: int) -> Doctor:
        row = rows.Doctor.objects.filter(pk=doctor_id).values(*DOCTOR_FIELDS).first()
        if row is None:
            raise NotFound(gettext_noop("Doctor not found."))
        return doctor_of(doctor_id, row)


PATIENT_FIELDS = (
    "user__first_name",
    "user__last_name",
    "user__phone",
    "user__email",
    "user__is_active",
)


def patient_of(patient_id: int, row: Mapping[str, Any]) -> Patient:
    """The Patient of a row of PATIENT_FIELDS."""
    return Patient(
        id=patient_id,
        name=f"{row['user__first_name']} {row['user__last_name']}".strip(),
        phone=row["user__phone"],
        active=row["user__is_active"],
        email=row["user__email"],
    )


class DjangoPatientRepository(ports.PatientRepository):
    def get(self, patient_id: int) -> Patient:
        row = rows.Patient.objects.filter(pk=patient_id).values(*PATIENT_FIELDS).first()
        if row is None:
            raise NotFound(gettext_noop("Patient not found."))
        return patient_of(patient_id, row)

    def known_in(self, scope: Scope, patient_id: int) -> bool:
        return rows.Patient.objects.filter(known_patients(scope), pk=patient_id).exists()


# A clinic's patients by a booking there (the scope's field, on an appointment) or by its
# desk's adding them (the same, on a patient).
_ADDED_AT = {"clinic_id": "added_at_id", "clinic__doctors": "added_at__doctors"}


def known_patients(scope: Scope) -> Q:
    """The patients known in ``scope`` (access.known_patients_scope), as a condition on
    patients: one of their bookings (visits, not holds) is in it, or its desk added them.
    Whom the desk and the doctors find by name (selectors.patient_search) and book
    (access.patient_to_know)."""
    if scope.everything:
        return Q()
    if not scope.field:
        return Q(pk__in=[])
    bookings = rows.Appointment.objects.filter(**{scope.field: scope.value})
    return Q(pk__in=bookings.values_list("patient_id", flat=True)) | Q(
        **{_ADDED_AT[scope.field]: scope.value}
    )


_PATIENT_KEYS = {field: f"patient_{n}" for n, field in enumerate(PATIENT_FIELDS)}


# A clinic's no-show policy: its columns, and the domain's value of them.
NO_SHOW_POLICY_FIELDS = ("no_show_limit", "no_show_window_months", "no_show_consequence")


def no_show_policy_of(row: Mapping[str, Any]) -> NoShowPolicy:
    return NoShowPolicy(
        limit=row["no_show_limit"],
        window_months=row["no_show_window_months"],
        consequence=Consequence(row["no_show_consequence"]),
    )


def _parties(
    doctor_id: int, patient_id: int, clinic_id: int, starting: datetime
) -> QuerySet[Any, dict[str, Any]]:
    # The patient's fields as one JSON object: one subquery to plan, not one a field.
    patient = rows.Patient.objects.filter(pk=patient_id).values(
        found=JSONObject(**{key: F(field) for field, key in _PATIENT_KEYS.items()})
    )
    parties: QuerySet[Any, dict[str, Any]] = (
        rows.Schedule.objects.filter(doctor_id=doctor_id, clinic_id=clinic_id)
        .annotate(
            patient=Subquery(patient[:1]),
            calendar_busy=Exists(BusyBlock.objects.filter(doctor_id=doctor_id, end__gt=starting)),
        )
        .values(
            *SCHEDULE_FIELDS,
            *(f"doctor__{field}" for field in DOCTOR_FIELDS),
            *(f"clinic__{field}" for field in NO_SHOW_POLICY_FIELDS),
            "patient",
            "calendar_busy",
        )
        .order_by()
    )
    return parties


# A booking's first read: built by the ORM once (prepared), run by every booking and hold.
_PARTIES = PreparedRead(_parties, doctor_id=int, patient_id=int, clinic_id=int, starting=datetime)


class BookingParties(NamedTuple):
    doctor: Doctor
    patient: Patient
    schedule: Schedule
    no_show_policy: NoShowPolicy  # the clinic's, which a patient's own booking meets
    # Whether any of the doctor's calendars' busy blocks ends after the slot's start: if none
    # does, none is in the way of the booking.
    calendar_busy: bool


def booking_parties(
    doctor_id: int, patient_id: int, clinic_id: int, *, starting: datetime, time_off_after: datetime
) -> BookingParties | None:
    """UnitOfWork.booking_parties in one query, with the clinic's no-show policy and whether
    the doctor's calendars are busy after ``starting``: the schedule row, its doctor's and
    clinic's joined, the patient's as one subquery, a JSON object (they share no row)."""
    row = _PARTIES.first(
        doctor_id=doctor_id, patient_id=patient_id, clinic_id=clinic_id, starting=starting
    )
    if row is None or row["patient"] is None:
        return None
    patient = {field: row["patient"][key] for field, key in _PATIENT_KEYS.items()}
    patient["user__is_active"] = bool(patient["user__is_active"])  # SQLite's JSON says 1
    return BookingParties(
        doctor_of(doctor_id, {field: row[f"doctor__{field}"] for field in DOCTOR_FIELDS}),
        patient_of(patient_id, patient),
        schedule_of(row, doctor_id, clinic_id, time_off_after=time_off_after),
        no_show_policy_of({field: row[f"clinic__{field}"] for field in NO_SHOW_POLICY_FIELDS}),
        bool(row["calendar_busy"]),
    )


def appointment_to_domain(row: rows.Appointment) -> Appointment:
    return Appointment(
        id=row.id,
        doctor_id=row.doctor_id,
        patient_id=row.patient_id,
        clinic_id=row.clinic_id,
        slot=Interval(row.start, row.end),
        status=Status(row.status),
        reason=row.reason,
        dependant_id=row.dependant_id,
        hold_expires_at=row.hold_expires_at,
        hold_purpose=row.hold_purpose,
        visit_mode=VisitMode(row.visit_mode),
        video_room=row.video_room,
        version=row.version,
        history=[
            Change(
                at=change.at,
                actor_user_id=change.actor_id,
                action=change.action,
                from_status=Status(change.from_status) if change.from_status else None,
                to_status=Status(change.to_status),
                note=change.note,
            )
            for change in row.history.all()
        ],
    )


def _insert(appointment: Appointment) -> None:
    insert(
        [
            rows.Appointment(
                id=appointment.id,
                doctor_id=appointment.doctor_id,
                patient_id=appointment.patient_id,
                clinic_id=appointment.clinic_id,
                start=appointment.slot.start,
                end=appointment.slot.end,
                status=appointment.status.value,
                reason=appointment.reason,
                dependant_id=appointment.dependant_id,
                visit_mode=appointment.visit_mode.value,
                video_room=appointment.video_room,
                version=appointment.version,
                hold_expires_at=appointment.hold_expires_at,
                hold_purpose=appointment.hold_purpose,
            )
        ]
    )


def _update(appointment: Appointment, *, loaded_version: int) -> bool:
    """Whether it was written; False: the same release was made by another meanwhile."""
    updated = rows.Appointment.every.filter(pk=appointment.id, version=loaded_version).update(
        start=appointment.slot.start,
        end=appointment.slot.end,
        status=appointment.status.value,
        reason=appointment.reason,
        dependant_id=appointment.dependant_id,
        visit_mode=appointment.visit_mode.value,  # a hold booked in place chooses it then
        video_room=appointment.video_room,
        hold_expires_at=appointment.hold_expires_at,
        hold_purpose=appointment.hold_purpose,
        version=appointment.version,
        updated_at=Now(),
    )
    if updated:
        return True
    # A hold two writers let go of at once (its expiry met by both) is gone for both: the
    # loser has nothing left to do. One booked meanwhile is not let go: the loser's change
    # (and its HoldReleased, which would show a booked slot free) is undone.
    if appointment.status is Status.RELEASED and (
        rows.Appointment.every.filter(pk=appointment.id, status=Status.RELEASED.value).exists()
    ):
        return False
    raise ConcurrentUpdate(
        gettext_noop("The appointment was changed meanwhile; reload and try again.")
    )


def _insert_history(appointment: Appointment, first_new: int) -> None:
    insert(
        [
            rows.AppointmentChange(
                appointment_id=appointment.id,
                seq=seq,
                at=change.at,
                actor_id=change.actor_user_id,
                action=change.action,
                from_status=change.from_status.value if change.from_status else "",
                to_status=change.to_status.value,
                note=change.note,
            )
            for seq, change in enumerate(appointment.history[first_new:], start=first_new)
        ]
    )


class DjangoVisitNoteRepository(ports.VisitNoteRepository):
    def _find(self, appointment_id: uuid.UUID) -> VisitNote | None:
        row = rows.VisitNote.objects.select_related("appointment").filter(pk=appointment_id).first()
        if row is None:
            return None
        return VisitNote(
            appointment_id=row.appointment_id,
            doctor_id=row.appointment.doctor_id,
            content=NoteContent(
                summary=row.summary,
                instructions=row.instructions,
                prescriptions=tuple(Prescription(**given) for given in row.prescriptions),
                follow_up_start=row.follow_up_start,
            ),
            written_at=row.written_at,
            written_by=row.written_by_id,
            amended_at=row.amended_at,
            amended_by=row.amended_by_id,
            version=row.version,
        )

    def _add(self, note: VisitNote) -> None:
        try:
            with transaction.atomic():  # a savepoint: the refusal leaves the rest undone
                rows.VisitNote.objects.create(
                    appointment_id=note.appointment_id,
                    written_at=note.written_at,
                    written_by_id=note.written_by,
                    version=note.version,
                    **_note_fields(note.content),
                )
        except IntegrityError:
            raise ConcurrentUpdate(
                gettext_noop("The note was written meanwhile: reload it and try again.")
            ) from None

    def save(self, note: VisitNote) -> None:
        changed = rows.VisitNote.objects.filter(
            pk=note.appointment_id, version=note.version - 1
        ).update(
            amended_at=note.amended_at,
            amended_by_id=note.amended_by,
            version=note.version,
            **_note_fields(note.content),
        )
        if not changed:
            raise ConcurrentUpdate(
                gettext_noop("The note was amended meanwhile: reload it and try again.")
            )


def _note_fields(content: NoteContent) -> dict[str, object]:
    return {
        "summary": content.summary,
        "instructions": content.instructions,
        "prescriptions": [asdict(given) for given in content.prescriptions],
        "follow_up_start": content.follow_up_start,
    }
