"""A process keeps a schedule's hours by the revision they were saved under: a grid or a booking
reads one row (and the time off), not every weekly span; a save is seen at once."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus, unit_of_work
from scheduler.domain.model import Actor, Role
from scheduler.domain.schedule import Schedule
from scheduler.services.commands import ReplaceSchedule, every_week
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
    assert warm == cold - 2  # neither the weekly spans nor the dates that differ again

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
