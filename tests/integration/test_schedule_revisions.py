"""A process keeps a schedule's hours and its doctor's time off by the revision they were saved
under: a grid or a booking reads one row, not every weekly span; a save is seen at once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, unit_of_work
from scheduler.domain.intervals import Interval
from scheduler.domain.model import Actor, Role
from scheduler.domain.schedule import Schedule
from scheduler.services.commands import AddTimeOff, RemoveTimeOff, ReplaceSchedule, every_week
from tests import factories

pytestmark = pytest.mark.django_db


def read(doctor: rows.Doctor, clinic: rows.Clinic) -> tuple[Schedule, int]:
    with CaptureQueriesContext(connection) as queries, unit_of_work() as uow:
        schedule = uow.schedules.get(doctor.pk, clinic.pk)
    return schedule, len(queries)


def test_the_hours_are_read_once_a_revision_and_a_new_save_is_seen_at_once() -> None:
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    first, cold = read(doctor, clinic)
    again, warm = read(doctor, clinic)
    assert again == first
    assert warm == cold - 3  # not the weekly spans, the dates that differ or the time off again

    hours, breaks = every_week(range(5), hours=(time(8), time(12)), breaks=[])
    build_bus().handle(
        ReplaceSchedule(
            actor=Actor(0, Role.ADMIN),
            doctor_id=doctor.pk,
            clinic_id=clinic.pk,
            hours=hours,
            breaks=breaks,
            slot_minutes=20,
        )
    )
    changed, _ = read(doctor, clinic)
    assert {w.weekday for w in changed.hours} == set(range(5))
    assert changed.breaks == ()
    assert changed.slot_minutes == 20


def test_time_off_added_or_removed_is_seen_at_once_and_over_time_off_is_left_out() -> None:
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    before, _ = read(doctor, clinic)
    admin = Actor(0, Role.ADMIN)
    start = datetime.now(UTC) + timedelta(days=3)
    added = build_bus().handle(
        AddTimeOff(actor=admin, doctor_id=doctor.pk, start=start, end=start + timedelta(days=1))
    )
    off, _ = read(doctor, clinic)
    assert before.time_off == ()
    assert off.time_off == (Interval(start, start + timedelta(days=1)),)

    build_bus().handle(
        RemoveTimeOff(actor=admin, doctor_id=doctor.pk, time_off_id=added.time_off_id)
    )
    back, _ = read(doctor, clinic)
    assert back.time_off == ()

    # Time off that is over hides nothing bookable: a load leaves it out, kept or not.
    later = start + timedelta(days=2)
    with unit_of_work(clock=lambda: later) as uow:
        assert uow.schedules.get(doctor.pk, clinic.pk).time_off == ()


def test_a_schedule_saved_without_a_revision_is_read_whole_each_time() -> None:
    # Rows written before revisions existed (or in bulk) are never kept.
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    rows.Schedule.objects.filter(doctor=doctor).update(revision=None)
    _, cold = read(doctor, clinic)
    rows.WeeklyInterval.objects.filter(schedule__doctor=doctor, weekday=0).delete()
    schedule, again = read(doctor, clinic)
    assert again == cold
    assert 0 not in {w.weekday for w in schedule.hours}
