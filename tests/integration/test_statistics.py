"""Each statistics section against hand-made visits at two clinics half a world apart: Tehran
(UTC+3:30) and New York (UTC-5 in January), with visits near their midnights, where a day in
UTC and a day on the clinic's calendar differ."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.adapters.notify.models import Channel, Notification
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import statistics as stats
from scheduler.domain.model import Role
from tests import factories

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2025, 1, 6)  # the window's first day
SUNDAY = date(2025, 1, 12)  # its last


def at(zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


class Clinics:
    """Doctor ``a`` at Tehran and ``b`` (a dermatologist) at New York, both 10-17 with lunch
    13-14 every day (the factories' hours)."""

    def __init__(self) -> None:
        self.tehran = factories.clinic(timezone="Asia/Tehran")
        self.new_york = factories.clinic(timezone="America/New_York", city="New York")
        self.a = factories.doctor(self.tehran)
        self.b = factories.doctor(self.new_york)
        self.b.specialty = factories.specialty("dermatology")
        self.b.save()
        self.patient = factories.patient()

    def visit(
        self,
        doctor: rows.Doctor,
        start: datetime,
        *,
        status: str = "fulfilled",
        booked: datetime | None = None,
        patient: rows.Patient | None = None,
    ) -> rows.Appointment:
        row = factories.appointment(doctor, patient or factories.patient(), start, status=status)
        rows.Appointment.objects.filter(pk=row.pk).update(created_at=booked or start)
        return row


@pytest.fixture
def world() -> Clinics:
    return Clinics()


def window(**extra: Any) -> stats.Window:
    return stats.Window(first_day=MONDAY, last_day=SUNDAY, **extra)


def test_days_are_each_clinics_own_around_midnight(world: Clinics) -> None:
    world.visit(world.a, at(TEHRAN, date(2025, 1, 8), 0, 15))  # 7 January in UTC
    world.visit(world.b, at(NEW_YORK, date(2025, 1, 7), 23, 30))  # 8 January in UTC
    world.visit(world.a, at(TEHRAN, MONDAY, 0, 30))  # the first day; Sunday in UTC
    world.visit(world.b, at(NEW_YORK, SUNDAY, 23, 0))  # the last day; Monday in UTC
    world.visit(world.a, at(TEHRAN, MONDAY - timedelta(days=1), 23, 30))  # the day before
    world.visit(world.b, at(NEW_YORK, SUNDAY + timedelta(days=1), 0, 30))  # the day after

    by_clinic = stats.volume(window())["clinic"]

    assert [(row["period"], row["clinic"], row["count"]) for row in by_clinic] == [
        (MONDAY, world.tehran.name, 1),
        (date(2025, 1, 7), world.new_york.name, 1),
        (date(2025, 1, 8), world.tehran.name, 1),
        (SUNDAY, world.new_york.name, 1),
    ]


def test_one_clinic_only_when_asked(world: Clinics) -> None:
    world.visit(world.a, at(TEHRAN, MONDAY, 10))
    world.visit(world.b, at(NEW_YORK, MONDAY, 10))

    by_doctor = stats.volume(window(clinic_id=world.new_york.pk))["doctor"]

    assert [(row["doctor_id"], row["count"]) for row in by_doctor] == [(world.b.pk, 1)]
    assert by_doctor[0]["doctor"] == str(world.b)


def test_weeks_start_on_the_clinics_first_weekday_and_months_on_the_first(
    world: Clinics, settings: Any
) -> None:
    settings.WEEK_STARTS_ON = 6  # Saturday
    world.visit(world.a, at(TEHRAN, date(2025, 1, 8), 0, 15))  # a Wednesday
    world.visit(world.b, at(NEW_YORK, date(2025, 1, 11), 23, 30))  # Saturday; Sunday in UTC
    world.visit(world.b, at(NEW_YORK, date(2025, 1, 10), 23, 30))  # Friday; Saturday in UTC

    weekly = stats.volume(window(period="week"))["specialty"]
    monthly = stats.volume(window(period="month"))["specialty"]

    assert [(row["period"], row["specialty"], row["count"]) for row in weekly] == [
        (date(2025, 1, 4), "cardiology", 1),
        (date(2025, 1, 4), "dermatology", 1),
        (date(2025, 1, 11), "dermatology", 1),
    ]
    assert [(row["period"], row["specialty"], row["count"]) for row in monthly] == [
        (date(2025, 1, 1), "cardiology", 1),
        (date(2025, 1, 1), "dermatology", 2),
    ]


def test_status_mix_says_who_cancelled(world: Clinics) -> None:
    admin = factories.admin()
    desk = factories.receptionist(world.tehran).user
    for hour, who in ((10, world.patient.user), (11, desk), (12, admin), (14, None)):
        cancelled = world.visit(
            world.a, at(TEHRAN, MONDAY, hour), status="cancelled", patient=world.patient
        )
        # Booked, then cancelled: only the last cancelling change says who.
        for seq, (actor, to_status) in enumerate(((desk, "booked"), (who, "cancelled")), 1):
            rows.AppointmentChange.objects.create(
                appointment=cancelled,
                seq=seq,
                at=cancelled.start - timedelta(days=1),
                actor=actor,
                action="cancel" if to_status == "cancelled" else "book",
                to_status=to_status,
            )
    world.visit(world.a, at(TEHRAN, MONDAY, 15), status="noshow")
    world.visit(world.a, at(TEHRAN, MONDAY, 16), status="rejected")
    world.visit(world.b, at(NEW_YORK, MONDAY, 10), status="fulfilled")

    mix = {(row["status"], row["cancelled_by"]): row["count"] for row in stats.status_mix(window())}

    assert mix == {
        ("cancelled", Role.PATIENT.value): 1,
        ("cancelled", Role.RECEPTIONIST.value): 1,
        ("cancelled", stats.ADMIN): 1,
        ("cancelled", stats.SYSTEM): 1,
        ("fulfilled", ""): 1,
        ("noshow", ""): 1,
        ("rejected", ""): 1,
    }


def test_lead_time_average_and_buckets_of_whole_days(world: Clinics) -> None:
    visit = at(TEHRAN, date(2025, 1, 10), 10)
    for days_ahead in (0.5, 1, 2.9, 3, 7, 8, 30, 31, 90):
        world.visit(world.a, visit, booked=visit - timedelta(days=days_ahead))
    world.visit(world.b, at(NEW_YORK, MONDAY, 10), booked=at(NEW_YORK, MONDAY, 11))  # walk-in

    lead = stats.lead_time(window())

    assert lead["buckets"] == [
        {"days": "0", "count": 2},
        {"days": "1-2", "count": 2},
        {"days": "3-7", "count": 2},
        {"days": "8-30", "count": 2},
        {"days": "31+", "count": 2},
    ]
    assert lead["average_days"] == pytest.approx(
        (0.5 + 1 + 2.9 + 3 + 7 + 8 + 30 + 31 + 90) / 9, abs=0.01
    )


def test_utilisation_is_booked_over_offered_minutes(world: Clinics) -> None:
    # 7 days of 6 hours (10-17 less lunch) = 2520 minutes; Tuesday closed (-360), two hours
    # away on Wednesday (-120), time off at night takes nothing away.
    schedule = rows.Schedule.objects.get(doctor=world.a)
    rows.DateOverride.objects.create(schedule=schedule, date=date(2025, 1, 7))
    rows.TimeOff.objects.create(
        doctor=world.a, start=at(TEHRAN, date(2025, 1, 8), 10), end=at(TEHRAN, date(2025, 1, 8), 12)
    )
    rows.TimeOff.objects.create(
        doctor=world.a, start=at(TEHRAN, date(2025, 1, 9), 20), end=at(TEHRAN, date(2025, 1, 9), 23)
    )
    for hour, status in ((10, "fulfilled"), (11, "noshow"), (12, "booked"), (15, "cancelled")):
        world.visit(world.a, at(TEHRAN, MONDAY, hour), status=status)

    found = {row["doctor_id"]: row for row in stats.utilisation(window())}

    assert found[world.a.pk]["offered_minutes"] == 2520 - 360 - 120
    assert found[world.a.pk]["booked_minutes"] == 90
    assert found[world.a.pk]["utilisation"] == pytest.approx(90 / 2040, abs=1e-4)
    assert found[world.b.pk]["booked_minutes"] == 0
    assert found[world.b.pk]["offered_minutes"] == 2520


def test_a_doctor_without_hours_has_no_utilisation_to_divide(world: Clinics) -> None:
    rows.Schedule.objects.filter(doctor=world.a).delete()
    world.visit(world.a, at(TEHRAN, MONDAY, 10))

    found = {row["doctor_id"]: row for row in stats.utilisation(window())}

    assert found[world.a.pk]["booked_minutes"] == 30
    assert found[world.a.pk]["utilisation"] is None


def test_busy_hours_on_each_clinics_clock(world: Clinics) -> None:
    world.visit(world.a, at(TEHRAN, date(2025, 1, 8), 0, 15))  # Wednesday 00h in Tehran
    world.visit(world.b, at(NEW_YORK, date(2025, 1, 7), 23, 30))  # Tuesday 23h in New York
    world.visit(world.b, at(NEW_YORK, date(2025, 1, 7), 23, 0))
    world.visit(world.b, at(NEW_YORK, date(2025, 1, 8), 10), status="cancelled")  # took no time

    heat = [(row["weekday"], row["hour"], row["count"]) for row in stats.busy_hours(window())]

    assert heat == [(2, 23, 2), (3, 0, 1)]


def test_new_patients_by_the_week_of_their_first_booking(world: Clinics) -> None:
    regular = factories.patient()
    world.visit(
        world.a,
        at(TEHRAN, date(2025, 1, 20), 10),
        patient=regular,
        booked=datetime(2024, 12, 1, tzinfo=UTC),
    )
    world.visit(
        world.a, at(TEHRAN, date(2025, 1, 21), 10), patient=regular, booked=at(TEHRAN, MONDAY, 9)
    )  # came back: not new
    newcomer = factories.patient()
    for day in (date(2025, 1, 7), date(2025, 1, 8)):  # twice in a week: one new patient
        world.visit(
            world.b,
            at(NEW_YORK, date(2025, 1, 30), 10),
            patient=newcomer,
            booked=at(NEW_YORK, day, 9),
        )
    world.visit(world.a, at(TEHRAN, date(2025, 1, 30), 10), booked=at(TEHRAN, SUNDAY, 9))

    weeks = [(row["week"], row["count"]) for row in stats.new_patients(window(period="week"))]

    assert weeks == [(date(2025, 1, 4), 1), (date(2025, 1, 11), 1)]


def test_notification_delivery_rates_per_channel(world: Clinics) -> None:
    visit = world.visit(world.a, at(TEHRAN, date(2025, 1, 9), 10))
    outcomes = {
        Channel.EMAIL: ["sent", "sent", "sent", "failed", "skipped"],
        Channel.SMS: ["queued", "skipped"],
    }
    for channel, statuses in outcomes.items():
        for n, status in enumerate(statuses):
            Notification.objects.create(
                appointment=visit,
                kind="reminder",
                scheduled_for=visit.start - timedelta(hours=n + 1),
                channel=channel,
                recipient=visit.patient.user,
                about_start=visit.start,
                status=status,
            )

    found = {row["channel"]: row for row in stats.notification_delivery(window())}

    assert found["email"] == {
        "channel": "email",
        "queued": 0,
        "sent": 3,
        "failed": 1,
        "skipped": 1,
        "delivery_rate": 0.75,
    }
    assert found["sms"]["delivery_rate"] is None  # nothing tried yet


def review(
    world: Clinics, doctor: rows.Doctor, written: datetime, stars: int, *, hidden: bool = False
) -> None:
    factories.review(
        world.visit(doctor, written - timedelta(hours=3)), stars, written, hidden=hidden
    )


def test_ratings_count_reviews_written_on_the_clinics_days_hidden_ones_apart(
    world: Clinics,
) -> None:
    review(world, world.a, at(TEHRAN, MONDAY, 0, 30), 5)  # the first day; Sunday in UTC
    review(world, world.a, at(TEHRAN, date(2025, 1, 8), 12), 5)
    review(world, world.a, at(TEHRAN, date(2025, 1, 9), 12), 2, hidden=True)
    review(world, world.a, at(TEHRAN, MONDAY - timedelta(days=1), 23, 30), 1)  # the day before
    review(world, world.b, at(NEW_YORK, SUNDAY, 23), 4)  # the last day; Monday in UTC

    found = [
        (row["doctor_id"], row["stars"], row["hidden"], row["count"])
        for row in stats.ratings(window())
    ]

    assert found == [(world.a.pk, 5, False, 2), (world.a.pk, 2, True, 1), (world.b.pk, 4, False, 1)]
    [one] = stats.ratings(window(clinic_id=world.new_york.pk))
    assert one["doctor"] == f"{world.b.user.first_name} {world.b.user.last_name}"


def test_the_whole_report_of_an_empty_window(world: Clinics) -> None:
    report = stats.statistics(window())

    assert report.ratings == []
    assert report.volume == {"clinic": [], "doctor": [], "specialty": []}
