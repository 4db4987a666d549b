"""The repositories tell time by the clock the unit of work was given, not the wall's: a test
(or a replay) that sets the clock sees what a user would see then."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.config.bootstrap import build_bus, unit_of_work
from scheduler.services.commands import AddTimeOff
from tests import factories

pytestmark = pytest.mark.django_db


def test_time_off_that_is_over_by_the_clock_no_longer_counts() -> None:
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    start = factories.slot_start(clinic, days_ahead=1)
    build_bus().handle(
        AddTimeOff(
            actor=factories.actor_of(doctor),
            doctor_id=doctor.pk,
            start=start,
            end=start + timedelta(hours=2),
        )
    )

    def time_off_seen_at(days_later: int) -> int:
        clock = lambda: start + timedelta(days=days_later)  # noqa: E731
        with unit_of_work(clock=clock) as uow:
            return len(uow.schedules.get(doctor.pk, clinic.pk).time_off)

    assert time_off_seen_at(0) == 1
    assert time_off_seen_at(2) == 0
