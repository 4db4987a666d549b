"""What a live screen shows as it (re)connects, before the deltas: reads, never writes.

A slot grid: the doctor's free slots and every appointment of the watched days (all states, so
a late delta about one of them is recognised as old by its version). A desk: the clinic's
appointments of one day and its doctors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.domain import access
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound
from scheduler.domain.intervals import Interval, local_days
from scheduler.domain.model import Actor
from scheduler.services import queries
from scheduler.services.ports import SlotChange
from scheduler.services.unit_of_work import UnitOfWork

MAX_GRID_DAYS = 31


@dataclass(frozen=True)
class ClinicBrief:
    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class GridWindow:
    """The clinic-calendar days of one doctor's grid."""

    doctor_id: int
    clinics: tuple[ClinicBrief, ...]
    first_day: date
    last_day: date

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]


@dataclass(frozen=True)
class Booking:
    """An appointment as a watcher may learn of it, with who holds it for those who may see."""

    change: SlotChange
    patient_name: str
    patient_phone: str = ""
    reason: str = ""


@dataclass(frozen=True)
class GridSnapshot:
    window: GridWindow
    free: list[tuple[int, Interval]]  # (clinic id, slot)
    bookings: list[Booking]


@dataclass(frozen=True)
class DeskSnapshot:
    clinic: ClinicBrief
    day: date
    doctors: list[rows.Doctor]
    bookings: list[Booking]


def grid_window(
    *, doctor_id: int, viewer: Actor | None, first_day: date | None, days: int, now: datetime
) -> GridWindow:
    """The days to watch; today on the calendar of the doctor's first clinic by default.
    NotFound for a doctor the viewer may not see, InvalidInput for a bad range."""
    if not 1 <= days <= MAX_GRID_DAYS:
        raise InvalidInput(f"Watch 1 to {MAX_GRID_DAYS} days at once.", field="days")
    doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer)
    clinics = tuple(
        ClinicBrief(clinic.pk, clinic.name, clinic.timezone) for clinic in doctor.clinics.all()
    )
    if first_day is None:
        zone = ZoneInfo(clinics[0].timezone) if clinics else ZoneInfo("UTC")
        first_day = now.astimezone(zone).date()
    return GridWindow(doctor.pk, clinics, first_day, first_day + timedelta(days=days - 1))


def slot_grid(
    *, window: GridWindow, viewer: Actor | None, now: datetime, uow: UnitOfWork
) -> GridSnapshot:
    free: list[tuple[int, Interval]] = []
    with uow:
        for clinic in window.clinics:
            try:
                slots = queries.free_slots(
                    uow,
                    doctor_id=window.doctor_id,
                    clinic_id=clinic.id,
                    first_day=window.first_day,
                    last_day=window.last_day,
                    now=now,
                    staff=viewer is not None and viewer.is_staff,
                )
            except NotFound:  # no schedule at this clinic yet
                continue
            free.extend((clinic.id, slot) for slot in slots)
    on_days = Q(pk__in=[])
    for clinic in window.clinics:
        days = local_days(window.first_day, window.last_day, ZoneInfo(clinic.timezone))
        on_days |= Q(clinic_id=clinic.id, start__gte=days.start, start__lt=days.end)
    appointments = (
        rows.Appointment.objects.filter(on_days, doctor_id=window.doctor_id)
        .select_related("patient__user")
        .order_by("start", "pk")
    )
    return GridSnapshot(window, free, [booking(row) for row in appointments])


def desk_day(*, clinic_id: int, viewer: Actor, day: date | None, now: datetime) -> DeskSnapshot:
    """The clinic's appointments of ``day`` (today by default) for its desk."""
    if not access.runs_desk(viewer, clinic_id):
        raise NotAllowed("This desk is for the clinic's staff.")
    clinic = rows.Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        raise NotFound("Clinic not found.")
    if day is None:
        day = now.astimezone(ZoneInfo(clinic.timezone)).date()
    appointments = selectors.appointment_list(
        viewer=viewer,
        filters=selectors.AppointmentFilters(clinic_id=clinic_id, first_day=day, last_day=day),
    )
    return DeskSnapshot(
        clinic=ClinicBrief(clinic.pk, clinic.name, clinic.timezone),
        day=day,
        doctors=list(selectors.doctor_list(clinic_id=clinic_id)),
        bookings=[booking(row) for row in appointments],
    )


def booking(row: rows.Appointment) -> Booking:
    user = row.patient.user
    return Booking(
        change=SlotChange(
            appointment_id=row.pk,
            version=row.version,
            doctor_id=row.doctor_id,
            clinic_id=row.clinic_id,
            patient_id=row.patient_id,
            status=row.status,
            slot=Interval(row.start, row.end),
        ),
        patient_name=user.get_full_name() or user.username,
        patient_phone=user.phone,
        reason=row.reason,
    )
