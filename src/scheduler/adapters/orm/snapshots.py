"""What a live screen shows as it (re)connects, before the deltas: reads, never writes.

A slot grid: the doctor's free slots and every appointment of the watched days (all states, so
a late delta about one of them is recognised as old by its version). A desk: the clinic's
appointments of one day and its doctors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.domain import access, queue
from scheduler.domain.appointment import DISPLACE, Status, undo_until
from scheduler.domain.errors import InvalidInput, NotAllowed, NotFound
from scheduler.domain.intervals import Interval, days_from, local_days
from scheduler.domain.messages import gettext_noop
from scheduler.domain.model import Actor
from scheduler.services import queries
from scheduler.services.ports import SlotChange
from scheduler.services.unit_of_work import UnitOfWork

MAX_GRID_DAYS = 31
# A visit's history in order: its last line says what the desk may undo, or who must move.
HISTORY = Prefetch("history", queryset=rows.AppointmentChange.objects.order_by("seq"))


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
    undo_until: datetime | None = None  # the last change may be taken back until then
    asked_to_move: bool = False


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
    queue: dict[uuid.UUID, queue.Line]  # each visit's place in its doctor's waiting room


def grid_window(
    *, doctor_id: int, viewer: Actor | None, first_day: date | None, days: int, now: datetime
) -> GridWindow:
    """The days to watch; today on the calendar of the doctor's first clinic by default.
    NotFound for a doctor the viewer may not see, InvalidInput for a bad range."""
    if not 1 <= days <= MAX_GRID_DAYS:
        raise InvalidInput(
            gettext_noop("Watch 1 to %(most)s days at once."),
            params={"most": MAX_GRID_DAYS},
            field="days",
        )
    doctor = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer)
    clinics = tuple(
        ClinicBrief(clinic.pk, clinic.name, clinic.timezone) for clinic in doctor.clinics.all()
    )
    if first_day is None:
        zone = ZoneInfo(clinics[0].timezone) if clinics else ZoneInfo("UTC")
        first_day = now.astimezone(zone).date()
    return GridWindow(doctor.pk, clinics, first_day, days_from(first_day, days))


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
    # Live holds too: the grid shows their slots held (domain.holds).
    live_hold = Q(status=Status.PROPOSED.value, hold_expires_at__gt=now)
    appointments = (
        rows.Appointment.every.filter(
            on_days, ~Q(status__in=rows.HOLD_STATUSES) | live_hold, doctor_id=window.doctor_id
        )
        .select_related("patient__user", "dependant")
        .order_by("start", "pk")
    )
    if viewer is None or not viewer.is_staff:  # a patient's grid: who holds a slot, at most
        return GridSnapshot(window, free, [booking(row) for row in appointments])
    with_history = appointments.prefetch_related(HISTORY)
    return GridSnapshot(window, free, [_with_last_change(row) for row in with_history])


def desk_day(*, clinic_id: int, viewer: Actor, day: date | None, now: datetime) -> DeskSnapshot:
    """The clinic's appointments of ``day`` (today by default) for its desk."""
    if not access.runs_desk(viewer, clinic_id):
        raise NotAllowed(gettext_noop("This desk is for the clinic's staff."))
    clinic = rows.Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        raise NotFound(gettext_noop("Clinic not found."))
    if day is None:
        day = now.astimezone(ZoneInfo(clinic.timezone)).date()
    appointments = list(
        selectors.appointment_list(
            viewer=viewer,
            filters=selectors.AppointmentFilters(clinic_id=clinic_id, first_day=day, last_day=day),
        )
    )
    return DeskSnapshot(
        clinic=ClinicBrief(clinic.pk, clinic.name, clinic.timezone),
        day=day,
        doctors=list(selectors.doctor_list(clinic_id=clinic_id)),
        bookings=[_with_last_change(row) for row in appointments],
        queue=waiting_rooms(appointments, now=now),
    )


def waiting_rooms(
    appointments: list[rows.Appointment], *, now: datetime
) -> dict[uuid.UUID, queue.Line]:
    """Each doctor's day as a queue (the appointments of one day, their history loaded)."""
    per_doctor: dict[int, list[rows.Appointment]] = {}
    for row in appointments:
        per_doctor.setdefault(row.doctor_id, []).append(row)
    places: dict[uuid.UUID, queue.Line] = {}
    for theirs in per_doctor.values():
        length = min(row.end - row.start for row in theirs)
        for line in queue.lines([_visit(row) for row in theirs], now=now, visit_length=length):
            places[line.appointment_id] = line
    return places


def _visit(row: rows.Appointment) -> queue.Visit:
    """The visit with the last moment of each step in its history (an undone step is followed
    by its redo, or its status says it does not count)."""
    moments = {change.action: change.at for change in row.history.all()}
    return queue.Visit(
        row.pk,
        row.start,
        Status(row.status),
        arrived_at=moments.get("check_in"),
        started_at=moments.get("start"),
        finished_at=moments.get("complete"),
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
        patient_name=selectors.visit_for(row),
        patient_phone=user.phone,
        reason=row.reason,
    )


@dataclass(frozen=True)
class LastChange:
    """What the last line of a visit's history means for the people who run the day."""

    undo_until: datetime | None = None  # it may be taken back until then
    asked_to_move: bool = False  # new hours left it out; its patient was asked to move it
    reason_told: str = ""  # why it was cancelled, rejected or must move, as the patient is told


# The changes whose note is written for the patient to read.
TOLD = frozenset({"cancel", "reject", DISPLACE})


def last_change(row: rows.Appointment) -> LastChange:
    """From the history as prefetched in order (selectors, screens)."""
    history = list(row.history.all())
    if not history:
        return LastChange()
    last = history[-1]
    return LastChange(
        undo_until(last.action, last.at),
        last.action == DISPLACE,
        last.note if last.action in TOLD else "",
    )


def _with_last_change(row: rows.Appointment) -> Booking:
    change = last_change(row)
    return replace(booking(row), undo_until=change.undo_until, asked_to_move=change.asked_to_move)


@dataclass(frozen=True)
class VisitPlace:
    """One visit as its patient follows it on the day: their own line, nobody else's."""

    appointment_id: uuid.UUID
    doctor_id: int
    doctor_name: str
    clinic_name: str
    timezone: str
    day: date
    start: datetime
    status: str
    line: queue.Line | None
    last: LastChange


def visit_place(*, appointment_id: uuid.UUID, now: datetime) -> VisitPlace:
    """NotFound if there is no such visit, or its link has closed (queue.link_open)."""
    row = (
        rows.Appointment.objects.select_related("doctor__user", "clinic")
        .filter(pk=appointment_id)
        .first()
    )
    if row is None or not queue.link_open(row.end, now):
        raise NotFound(gettext_noop("Appointment not found."))
    zone = ZoneInfo(row.clinic.timezone)
    day = row.start.astimezone(zone).date()
    span = local_days(day, day, zone)
    same_day = rows.Appointment.objects.filter(
        doctor_id=row.doctor_id, start__gte=span.start, start__lt=span.end
    ).prefetch_related(HISTORY)
    return VisitPlace(
        appointment_id=row.pk,
        doctor_id=row.doctor_id,
        doctor_name=str(row.doctor),
        clinic_name=row.clinic.name,
        timezone=row.clinic.timezone,
        day=day,
        start=row.start,
        status=row.status,
        line=waiting_rooms(list(same_day), now=now).get(row.pk),
        last=last_change(row),
    )
