"""The slot grid's reads: every kind of busy time in one query, a read-only unit of work that
opens no transaction, and the doctor's clinic in one look-up. Each answers what the reads it
stands in for answer."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduler.adapters.gcal.models import BusyBlock
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import selectors
from scheduler.config.bootstrap import unit_of_work
from scheduler.domain.errors import InvalidInput, NotFound
from scheduler.domain.intervals import Interval
from tests import factories


@pytest.mark.django_db
def test_busy_time_is_the_doctors_the_calendars_and_the_patients_read_at_once() -> None:
    doctor = factories.doctor()
    at = doctor.clinics.get()
    patient, other = factories.patient(), factories.patient()
    start = factories.slot_start(at, hour=10)
    factories.appointment(doctor, other, start)
    cancelled = factories.appointment(doctor, other, start + timedelta(hours=1))
    factories.appointment(factories.doctor(at), patient, start + timedelta(hours=2))
    for hours, expires_in in ((6, timedelta(minutes=5)), (7, -timedelta(minutes=5))):
        hold = factories.appointment(
            doctor, other, start + timedelta(hours=hours), status="proposed"
        )
        rows.Appointment.every.filter(pk=hold.pk).update(
            hold_expires_at=timezone.now() + expires_in
        )
    BusyBlock.objects.create(
        doctor=doctor,
        calendar_id="primary",
        event_id="e1",
        start=start + timedelta(hours=4),
        end=start + timedelta(hours=5),
    )
    window = Interval(start - timedelta(days=1), start + timedelta(days=1))

    with unit_of_work() as uow:
        uow.appointments.get(cancelled.pk).cancel(
            actor_user_id=doctor.user_id, now=start - timedelta(days=1)
        )
        apart = [
            *uow.appointments.doctor_busy(doctor.pk, window),
            *uow.busy_blocks.for_doctor(doctor.pk, window),
            *uow.appointments.patient_busy(patient.pk, window),
        ]
        with CaptureQueriesContext(connection) as queries:
            together = uow.busy_time(doctor.pk, window, patient_id=patient.pk)
            doctors_only = uow.busy_time(doctor.pk, window)

    assert len(queries) == 2
    assert Counter(together) == Counter(apart)
    # the visit, the live hold, the calendar's block, the patient's elsewhere
    assert len(together) == 4
    # cancelled in this unit of work, not yet written: free already
    assert Interval(cancelled.start, cancelled.end) not in together
    assert sorted(doctors_only) == sorted(apart[:3])


@pytest.mark.django_db(transaction=True)
def test_a_read_only_unit_of_work_opens_no_transaction_and_commits_nothing() -> None:
    doctor = factories.doctor()
    at = doctor.clinics.get()
    with unit_of_work(read_only=True) as uow:
        assert transaction.get_autocommit()
        uow.schedules.get(doctor.pk, at.pk)
        with pytest.raises(TypeError):
            uow.commit()
    with unit_of_work() as uow:
        assert not transaction.get_autocommit()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "viewer_is_self"),
    [
        ("unknown", False),
        ("unverified", False),
        ("unverified", True),
        ("no clinic", False),
        ("several, none named", False),
        ("several, one named", False),
        ("one, none named", False),
        ("one, another named", False),
    ],
)
def test_the_clinic_clock_is_what_the_doctor_and_the_clinic_look_ups_give(
    case: str, viewer_is_self: bool
) -> None:
    at = factories.clinic(timezone="Europe/London", language="fa")
    doctor = factories.doctor(at, verified=case != "unverified")
    second = factories.clinic()
    clinic_id: int | None = None
    doctor_id = doctor.pk
    match case:
        case "unknown":
            doctor_id = doctor.pk + 1000
        case "no clinic":
            doctor.clinics.clear()
        case "several, none named":
            doctor.clinics.add(second)
        case "several, one named":
            doctor.clinics.add(second)
            clinic_id = second.pk
        case "one, another named":
            clinic_id = second.pk
    viewer = factories.actor_of(doctor) if viewer_is_self else None

    def old() -> tuple[int, str, str]:
        found = selectors.doctor_get(doctor_id=doctor_id, viewer=viewer)
        clinic = selectors.doctor_clinic(doctor=found, clinic_id=clinic_id)
        return clinic.pk, clinic.timezone, clinic.language

    def new() -> tuple[int, str, str]:
        with CaptureQueriesContext(connection) as queries:
            clock = selectors.doctor_clinic_clock(
                doctor_id=doctor_id, clinic_id=clinic_id, viewer=viewer
            )
        assert len(queries) == 1
        return clock.pk, clock.timezone, clock.language

    answers: list[object] = []
    for look_up in (old, new):
        try:
            answers.append(look_up())
        except (NotFound, InvalidInput) as error:
            answers.append((type(error).__name__, error.message, dict(error.details)))
    assert answers[0] == answers[1]


@pytest.mark.django_db
def test_an_admin_sees_an_unverified_doctors_clinic() -> None:
    doctor = factories.doctor(verified=False)
    admin = factories.actor_of(factories.admin())
    clock = selectors.doctor_clinic_clock(doctor_id=doctor.pk, clinic_id=None, viewer=admin)
    assert clock.pk == rows.Clinic.objects.get(doctors=doctor).pk


@pytest.mark.django_db
def test_spans_read_as_text_are_the_instants_written() -> None:
    written, read = write_and_read_spans()
    assert read == written
    assert all(at.utcoffset() == timedelta(0) for span in read for at in (span.start, span.end))


@pytest.mark.postgres
@pytest.mark.django_db
def test_spans_read_as_text_whatever_the_sessions_date_style() -> None:
    with connection.cursor() as cursor:  # a cast of a timestamp to text would follow it
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    written, read = write_and_read_spans()
    assert read == written


def write_and_read_spans() -> tuple[list[Interval], list[Interval]]:
    """Two busy blocks with microseconds, on the clinic's clock: as written, and as read."""
    doctor = factories.doctor()
    at = doctor.clinics.get()
    start = factories.slot_start(at, hour=10) + timedelta(seconds=7, microseconds=120_005)
    written = [
        Interval(start, start + timedelta(microseconds=1)),
        Interval(start, start + timedelta(minutes=1)),
    ]
    for n, block in enumerate(written):
        BusyBlock.objects.create(
            doctor=doctor,
            calendar_id="primary",
            event_id=f"e{n}",
            start=block.start,
            end=block.end,
        )
    window = Interval(start - timedelta(days=1), start + timedelta(days=1))
    with unit_of_work(read_only=True) as uow:
        return written, sorted(uow.busy_blocks.for_doctor(doctor.pk, window))
