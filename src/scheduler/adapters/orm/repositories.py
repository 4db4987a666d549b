"""Repositories: Django rows <-> domain objects."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Now

from scheduler.adapters.orm import models as rows
from scheduler.domain.appointment import Appointment, Change, Status
from scheduler.domain.errors import ConcurrentUpdate, NotFound
from scheduler.domain.intervals import Interval
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Doctor, Patient
from scheduler.domain.schedule import DateOverride, Schedule, WallInterval, WeeklyInterval
from scheduler.services import unit_of_work as ports
from scheduler.services.ports import Clock


class DjangoAppointmentRepository(ports.AppointmentRepository):
    def __init__(self) -> None:
        super().__init__()
        # version and history length as read, to write only what changed
        self._loaded: dict[uuid.UUID, tuple[int, int]] = {}
        self._keys: list[tuple[int, str, ports.IdempotencyRecord]] = []

    def _add(self, appointment: Appointment) -> None:
        pass  # written by flush(), inside the unit of work's transaction

    def _get(self, appointment_id: uuid.UUID) -> Appointment:
        try:
            row = rows.Appointment.objects.prefetch_related(
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

    def doctor_busy(
        self, doctor_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        return _busy(rows.Appointment.objects.filter(doctor_id=doctor_id), window, excluding)

    def patient_busy(
        self, patient_id: int, window: Interval, *, excluding: uuid.UUID | None = None
    ) -> list[Interval]:
        return _busy(rows.Appointment.objects.filter(patient_id=patient_id), window, excluding)

    def remember_key(self, user_id: int, key: str, record: ports.IdempotencyRecord) -> None:
        self._keys.append((user_id, key, record))

    def recall_key(self, user_id: int, key: str) -> ports.IdempotencyRecord | None:
        row = rows.IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if row is None:
            return None
        return ports.IdempotencyRecord(row.appointment_id, row.fingerprint)

    def flush(self) -> None:
        for appointment in self.seen.values():
            loaded = self._loaded.get(appointment.id)
            if loaded is None:
                _insert(appointment)
            elif loaded[0] != appointment.version:
                _update(appointment, loaded_version=loaded[0])
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
        return row.pk

    def remove_time_off(self, doctor_id: int, time_off_id: int) -> Interval:
        row = rows.TimeOff.objects.filter(doctor_id=doctor_id, pk=time_off_id).first()
        if row is None:
            raise NotFound(gettext_noop("Time off not found."))
        row.delete()
        return Interval(row.start, row.end)


def load_schedule(
    doctor_id: int, clinic_id: int, *, time_off_after: datetime | None
) -> Schedule | None:
    """The doctor's schedule at the clinic, or None; with the time off that ends after
    ``time_off_after`` if given (time off that is over can no longer hide a bookable slot).

    Plain values, not model instances: this runs on every booking.
    """
    row = (
        rows.Schedule.objects.filter(doctor_id=doctor_id, clinic_id=clinic_id)
        .values(
            "pk",
            "slot_minutes",
            "horizon_days",
            "min_notice_minutes",
            "requires_approval",
            "clinic__timezone",
        )
        .first()
    )
    if row is None:
        return None
    weekly = rows.WeeklyInterval.objects.filter(schedule_id=row["pk"]).values_list(
        "kind", "weekday", "start", "end"
    )
    overrides: dict[date, list[WallInterval]] = {}
    for day, start, end in rows.DateOverride.objects.filter(schedule_id=row["pk"]).values_list(
        "date", "start", "end"
    ):
        spans = overrides.setdefault(day, [])
        if start is not None and end is not None:
            spans.append(WallInterval(start, end))
    time_off = (
        rows.TimeOff.objects.filter(doctor_id=doctor_id, end__gt=time_off_after).values_list(
            "start", "end"
        )
        if time_off_after is not None
        else []
    )
    hours: list[WeeklyInterval] = []
    breaks: list[WeeklyInterval] = []
    for kind, weekday, start, end in weekly:
        interval = WeeklyInterval(weekday, WallInterval(start, end))
        (hours if kind == rows.WeeklyInterval.Kind.WORK else breaks).append(interval)
    return Schedule(
        doctor_id=doctor_id,
        clinic_id=clinic_id,
        timezone=row["clinic__timezone"],
        hours=tuple(hours),
        breaks=tuple(breaks),
        overrides=tuple(DateOverride(day, tuple(spans)) for day, spans in overrides.items()),
        time_off=tuple(Interval(start, end) for start, end in time_off),
        slot_minutes=row["slot_minutes"],
        horizon_days=row["horizon_days"],
        min_notice_minutes=row["min_notice_minutes"],
        requires_approval=row["requires_approval"],
    )


class DjangoDoctorRepository(ports.DoctorRepository):
    def get(self, doctor_id: int) -> Doctor:
        row = (
            rows.Doctor.objects.filter(pk=doctor_id)
            .values(
                "verified",
                "licence_number",
                "specialty__slug",
                "user__first_name",
                "user__last_name",
            )
            .first()
        )
        if row is None:
            raise NotFound(gettext_noop("Doctor not found."))
        return Doctor(
            id=doctor_id,
            name=f"{row['user__first_name']} {row['user__last_name']}".strip(),
            specialty=row["specialty__slug"],
            licence_number=row["licence_number"],
            verified=row["verified"],
        )


class DjangoPatientRepository(ports.PatientRepository):
    def get(self, patient_id: int) -> Patient:
        row = (
            rows.Patient.objects.filter(pk=patient_id)
            .values(
                "user__first_name",
                "user__last_name",
                "user__phone",
                "user__email",
                "user__is_active",
            )
            .first()
        )
        if row is None:
            raise NotFound(gettext_noop("Patient not found."))
        return Patient(
            id=patient_id,
            name=f"{row['user__first_name']} {row['user__last_name']}".strip(),
            phone=row["user__phone"],
            active=row["user__is_active"],
            email=row["user__email"],
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


def _busy(
    query: QuerySet[rows.Appointment], window: Interval, excluding: uuid.UUID | None
) -> list[Interval]:
    query = query.filter(
        status__in=rows.ACTIVE_STATUSES, start__lt=window.end, end__gt=window.start
    )
    if excluding is not None:
        query = query.exclude(pk=excluding)
    return [Interval(start, end) for start, end in query.values_list("start", "end")]


def _insert(appointment: Appointment) -> None:
    rows.Appointment.objects.create(
        id=appointment.id,
        doctor_id=appointment.doctor_id,
        patient_id=appointment.patient_id,
        clinic_id=appointment.clinic_id,
        start=appointment.slot.start,
        end=appointment.slot.end,
        status=appointment.status.value,
        reason=appointment.reason,
        version=appointment.version,
    )


def _update(appointment: Appointment, *, loaded_version: int) -> None:
    updated = rows.Appointment.objects.filter(pk=appointment.id, version=loaded_version).update(
        start=appointment.slot.start,
        end=appointment.slot.end,
        status=appointment.status.value,
        reason=appointment.reason,
        version=appointment.version,
        updated_at=Now(),
    )
    if not updated:
        raise ConcurrentUpdate("The appointment was changed meanwhile; reload and try again.")


def _insert_history(appointment: Appointment, first_new: int) -> None:
    rows.AppointmentChange.objects.bulk_create(
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
    )
