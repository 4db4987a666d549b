"""The admin's statistics: each section one aggregate query, grouped in the database.

Days, weeks and months are each appointment's own clinic's (clinic_time); the range is
inclusive clinic dates. Utilisation's offered time is the one figure not counted in SQL: it
comes from the schedules' rules (a loop over each doctor's days, never over appointments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Concat

from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.clinic_time import LocalHour, LocalWeekday, Period, PeriodStart
from scheduler.adapters.orm.selectors import on_local_days
from scheduler.domain.appointment import ACTIVE, Status
from scheduler.domain.availability import offered_time
from scheduler.domain.intervals import Interval, local_days
from scheduler.domain.schedule import DateOverride, Schedule, WallInterval, WeeklyInterval

# The statuses whose visit took (or holds) the doctor's time: a no-show's slot was kept free.
HELD_TIME = sorted(status.value for status in {*ACTIVE, Status.FULFILLED, Status.NOSHOW})

# Whole days between booking and visit: (key, at least, under) in days; None: no bound.
LEAD_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 1),
    ("1-2", 1, 3),
    ("3-7", 3, 8),
    ("8-30", 8, 31),
    ("31+", 31, None),
)

# Who cancelled, as the last cancelling change of the visit's history says.
SYSTEM = "system"  # no one signed in: a job, a sweep
ADMIN = "admin"
UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True)
class Window:
    """Inclusive clinic dates, perhaps one clinic, and the buckets appointments are counted in."""

    first_day: date
    last_day: date
    clinic_id: int | None = None
    period: Period = "day"


@dataclass(frozen=True)
class Statistics:
    window: Window
    volume: dict[str, list[dict[str, Any]]]
    status_mix: list[dict[str, Any]]
    lead_time: dict[str, Any]
    utilisation: list[dict[str, Any]]
    busy_hours: list[dict[str, Any]]
    new_patients: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    ratings: list[dict[str, Any]]


def statistics(window: Window) -> Statistics:
    return Statistics(
        window=window,
        volume=volume(window),
        status_mix=status_mix(window),
        lead_time=lead_time(window),
        utilisation=utilisation(window),
        busy_hours=busy_hours(window),
        new_patients=new_patients(window),
        notifications=notification_delivery(window),
        ratings=ratings(window),
    )


def _visits(window: Window) -> QuerySet[rows.Appointment]:
    """Appointments whose visit falls in the window, whatever their status."""
    query = rows.Appointment.objects.filter(on_local_days(window.first_day, window.last_day))
    if window.clinic_id is not None:
        query = query.filter(clinic_id=window.clinic_id)
    return query.order_by()


def _period(window: Window, instant: str = "start") -> PeriodStart:
    return PeriodStart(instant, "clinic__timezone", window.period)


def volume(window: Window) -> dict[str, list[dict[str, Any]]]:
    """Appointments per period (every status), by clinic, by doctor and by specialty.

    One pass over the appointments counts them per period, clinic and doctor; the three views
    add those counts up (a few thousand groups, never the rows), and names are looked up once.
    """
    counts = list(
        _visits(window)
        .annotate(period=_period(window))
        .values("period", "clinic_id", "doctor_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    clinics = dict(
        rows.Clinic.objects.filter(pk__in={c["clinic_id"] for c in counts}).values_list(
            "pk", "name"
        )
    )
    doctors = {
        doctor["pk"]: doctor
        for doctor in rows.Doctor.objects.filter(pk__in={c["doctor_id"] for c in counts}).values(
            "pk", "user__first_name", "user__last_name", "specialty__slug", "specialty__name"
        )
    }
    by: dict[str, defaultdict[tuple[Any, ...], int]] = {
        name: defaultdict(int) for name in ("clinic", "doctor", "specialty")
    }
    for group in counts:
        doctor = doctors[group["doctor_id"]]
        period, count = group["period"], group["count"]
        by["clinic"][period, group["clinic_id"], clinics[group["clinic_id"]]] += count
        name = f"{doctor['user__first_name']} {doctor['user__last_name']}"
        by["doctor"][period, group["doctor_id"], name] += count
        by["specialty"][period, doctor["specialty__slug"], doctor["specialty__name"]] += count
    fields = {
        "clinic": ("period", "clinic_id", "clinic"),
        "doctor": ("period", "doctor_id", "doctor"),
        "specialty": ("period", "specialty", "specialty_name"),
    }
    return {
        name: [
            {**dict(zip(fields[name], key, strict=True)), "count": count}
            for key, count in sorted(by[name].items())
        ]
        for name in fields
    }


def status_mix(window: Window) -> list[dict[str, Any]]:
    """Visits by status; a cancelled one also by who cancelled it (patient, doctor, receptionist,
    admin, or system when no one signed in did), as the last cancelling change of its history
    says. Two queries: one counts statuses, the other who cancelled, over the history's rows
    (a subquery a visit was ten times slower on a month of a busy network)."""
    cancelled = Status.CANCELLED.value
    counts = _rows(_visits(window).values("status").annotate(count=Count("pk")))
    later = rows.AppointmentChange.objects.filter(
        appointment_id=OuterRef("appointment_id"), to_status=cancelled, seq__gt=OuterRef("seq")
    )
    changes = rows.AppointmentChange.objects.filter(
        on_local_days(
            window.first_day,
            window.last_day,
            instant="appointment__start",
            zone="appointment__clinic__timezone",
        ),
        to_status=cancelled,
        appointment__status=cancelled,
    )
    if window.clinic_id is not None:
        changes = changes.filter(appointment__clinic_id=window.clinic_id)
    by_whom = _rows(
        changes.filter(~Exists(later))
        .order_by()
        .values(
            cancelled_by=Case(
                When(actor__isnull=True, then=Value(SYSTEM)),
                When(actor__is_superuser=True, then=Value(ADMIN)),
                default=F("actor__role"),
            )
        )
        .annotate(count=Count("pk"))
    )
    found = [
        {"status": row["status"], "cancelled_by": "", "count": row["count"]}
        for row in counts
        if row["status"] != cancelled
    ]
    told = sum(row["count"] for row in by_whom)
    untold = sum(row["count"] for row in counts if row["status"] == cancelled) - told
    # A cancelled visit with no history of it (written before the history was kept).
    unknown = [{"cancelled_by": UNKNOWN, "count": untold}] if untold else []
    found += [{"status": cancelled, **row} for row in [*by_whom, *unknown]]
    return sorted(found, key=lambda row: (row["status"], row["cancelled_by"]))


def lead_time(window: Window) -> dict[str, Any]:
    """How far ahead visits were booked: the average, and how many in each bucket of whole
    days. A visit recorded after it began (a walk-in) counts as booked 0 days ahead."""
    ahead = ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField())
    buckets = {
        key: Count("pk", filter=_ahead_between(low, high)) for key, low, high in LEAD_BUCKETS
    }
    found = _visits(window).aggregate(
        average=Avg(ahead, filter=Q(start__gte=F("created_at"))), **buckets
    )
    average: timedelta | None = found.pop("average")
    return {
        "average_days": None if average is None else round(average / timedelta(days=1), 2),
        "buckets": [{"days": key, "count": found[key]} for key, _, _ in LEAD_BUCKETS],
    }


def _ahead_between(low: int, high: int | None) -> Q:
    condition = Q()
    if low:
        condition &= Q(start__gte=F("created_at") + timedelta(days=low))
    if high is not None:
        condition &= Q(start__lt=F("created_at") + timedelta(days=high))
    return condition


def utilisation(window: Window) -> list[dict[str, Any]]:
    """Per doctor and clinic: minutes booked (visits that took or hold time) over the minutes
    their hours offered in the window."""
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    booked = {
        (row["doctor_id"], row["clinic_id"]): row
        for row in _visits(window)
        .filter(status__in=HELD_TIME)
        .values("doctor_id", "clinic_id")
        .annotate(booked=Sum(length))
    }
    offered = {
        (schedule.doctor_id, schedule.clinic_id): offered_time(
            schedule, window.first_day, window.last_day
        )
        for schedule in _schedules(window)
    }
    names = _doctor_and_clinic_names({*booked, *offered})
    found = []
    for key in sorted({*booked, *offered}, key=lambda pair: names[pair]):
        booked_minutes = _minutes(booked[key]["booked"]) if key in booked else 0
        offered_minutes = _minutes(offered.get(key, timedelta()))
        doctor, clinic = names[key]
        found.append(
            {
                "doctor_id": key[0],
                "doctor": doctor,
                "clinic_id": key[1],
                "clinic": clinic,
                "booked_minutes": booked_minutes,
                "offered_minutes": offered_minutes,
                "utilisation": round(booked_minutes / offered_minutes, 4)
                if offered_minutes
                else None,
            }
        )
    return found


def _minutes(span: timedelta | None) -> int:
    return 0 if span is None else round(span / timedelta(minutes=1))


def _doctor_and_clinic_names(keys: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, str]]:
    doctors = {
        pk: f"{first} {last}"
        for pk, first, last in rows.Doctor.objects.filter(
            pk__in={doctor for doctor, _ in keys}
        ).values_list("pk", "user__first_name", "user__last_name")
    }
    clinics = dict(
        rows.Clinic.objects.filter(pk__in={clinic for _, clinic in keys}).values_list("pk", "name")
    )
    return {(doctor, clinic): (doctors[doctor], clinics[clinic]) for doctor, clinic in keys}


def _schedules(window: Window) -> list[Schedule]:
    """Every schedule of a verified doctor in the window's clinics, in four queries: its weekly
    hours, the dates in the window that differ, and the time off that overlaps the window. A
    doctor awaiting verification takes no bookings: their hours offer no one anything yet."""
    found = rows.Schedule.objects.filter(doctor__verified=True).order_by()
    if window.clinic_id is not None:
        found = found.filter(clinic_id=window.clinic_id)
    schedules = list(found.values("pk", "doctor_id", "clinic_id", "clinic__timezone"))
    ids = [row["pk"] for row in schedules]
    weekly: dict[int, dict[str, list[WeeklyInterval]]] = defaultdict(lambda: defaultdict(list))
    for schedule_id, kind, weekday, start, end in rows.WeeklyInterval.objects.filter(
        schedule_id__in=ids
    ).values_list("schedule_id", "kind", "weekday", "start", "end"):
        weekly[schedule_id][kind].append(WeeklyInterval(weekday, WallInterval(start, end)))
    overrides: dict[int, dict[date, list[WallInterval]]] = defaultdict(lambda: defaultdict(list))
    for schedule_id, day, opens, closes in rows.DateOverride.objects.filter(
        schedule_id__in=ids, date__gte=window.first_day, date__lte=window.last_day
    ).values_list("schedule_id", "date", "start", "end"):
        spans = overrides[schedule_id][day]
        if opens is not None and closes is not None:
            spans.append(WallInterval(opens, closes))
    # A day more on each side holds the window's days in any zone.
    edges = local_days(
        window.first_day - timedelta(days=1), window.last_day + timedelta(days=1), ZoneInfo("UTC")
    )
    away: dict[int, list[Interval]] = defaultdict(list)
    for doctor_id, leaves, returns in rows.TimeOff.objects.filter(
        doctor_id__in={row["doctor_id"] for row in schedules},
        start__lt=edges.end,
        end__gt=edges.start,
    ).values_list("doctor_id", "start", "end"):
        away[doctor_id].append(Interval(leaves, returns))
    return [
        Schedule(
            doctor_id=row["doctor_id"],
            clinic_id=row["clinic_id"],
            timezone=row["clinic__timezone"],
            hours=tuple(weekly[row["pk"]][rows.WeeklyInterval.Kind.WORK]),
            breaks=tuple(weekly[row["pk"]][rows.WeeklyInterval.Kind.BREAK]),
            overrides=tuple(
                DateOverride(day, tuple(spans)) for day, spans in overrides[row["pk"]].items()
            ),
            time_off=tuple(away[row["doctor_id"]]),
        )
        for row in schedules
    ]


def busy_hours(window: Window) -> list[dict[str, Any]]:
    """Visits that took or hold time, by clinic-local ISO weekday (1 = Monday) and hour."""
    return _rows(
        _visits(window)
        .filter(status__in=HELD_TIME)
        .annotate(
            weekday=LocalWeekday("start", "clinic__timezone"),
            hour=LocalHour("start", "clinic__timezone"),
        )
        .values("weekday", "hour")
        .annotate(count=Count("pk"))
        .order_by("weekday", "hour")
    )


def new_patients(window: Window) -> list[dict[str, Any]]:
    """Patients whose first booking (at the clinic, when one is chosen) was made in the
    window, by the week it was made in."""
    earlier = rows.Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), created_at__lt=OuterRef("created_at")
    )
    made = rows.Appointment.objects.filter(
        on_local_days(window.first_day, window.last_day, instant="created_at")
    )
    if window.clinic_id is not None:
        earlier = earlier.filter(clinic_id=window.clinic_id)
        made = made.filter(clinic_id=window.clinic_id)
    return _rows(
        made.filter(~Exists(earlier))
        .annotate(week=PeriodStart("created_at", "clinic__timezone", "week"))
        .values("week")
        .annotate(count=Count("patient_id", distinct=True))
        .order_by("week")
    )


def notification_delivery(window: Window) -> list[dict[str, Any]]:
    """Messages due in the window, per channel: how many were sent, failed, skipped or are
    still queued, and the share of those tried (sent or failed) that were sent."""
    due = _of_visits(Notification.objects.all(), window, instant="scheduled_for")
    statuses = [status.value for status in Notification.Status]
    found = (
        due.order_by()
        .values("channel")
        .annotate(**{status: Count("pk", filter=Q(status=status)) for status in statuses})
    )
    return [
        {
            **row,
            "delivery_rate": round(row["sent"] / (row["sent"] + row["failed"]), 4)
            if row["sent"] + row["failed"]
            else None,
        }
        for row in _rows(found.order_by("channel"))
    ]


def today_in(clinic_id: int | None) -> date:
    """Today on the chosen clinic's calendar, or in UTC for all clinics."""
    if clinic_id is None:
        return datetime.now(UTC).date()
    zone = rows.Clinic.objects.filter(pk=clinic_id).values_list("timezone", flat=True).first()
    return datetime.now(ZoneInfo(zone or "UTC")).date()


def ratings(window: Window) -> list[dict[str, Any]]:
    """Reviews written in the window (on the days of the reviewed visit's clinic, the clinic's
    alone when one is chosen), per doctor and number of stars, those an admin hid apart: the
    doctors' public means count only the shown."""
    written = _of_visits(rows.Review.objects.all(), window, instant="written_at")
    return _rows(
        written.values("doctor_id", "stars", "hidden")
        .annotate(
            doctor=Concat("doctor__user__first_name", Value(" "), "doctor__user__last_name"),
            count=Count("pk"),
        )
        .order_by("doctor_id", "-stars", "hidden")
    )


def _of_visits(query: QuerySet[Any], window: Window, *, instant: str) -> QuerySet[Any]:
    """Rows of a visit (its messages, its review) whose ``instant`` falls on the window's days
    of the visit's clinic, that clinic's alone when one is chosen."""
    query = query.filter(
        on_local_days(
            window.first_day, window.last_day, instant=instant, zone="appointment__clinic__timezone"
        )
    )
    if window.clinic_id is not None:
        query = query.filter(appointment__clinic_id=window.clinic_id)
    return query


def _rows(query: QuerySet[Any, Any]) -> list[dict[str, Any]]:
    """A grouped query's rows, as plain mappings."""
    return list(query)
