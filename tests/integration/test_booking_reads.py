"""What a booking reads before it writes, on the Django unit of work: the doctor, the patient
and the schedule in one query, and, when one of them is missing, the same refusals in the same
order as when they were read apart."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduler.adapters.gcal import busy_blocks
from scheduler.adapters.gcal.models import BusyBlock
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm import repositories
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import DoctorAway, InvalidInput, SlotTaken
from scheduler.domain.no_show_policy import Consequence, NoShowPolicy
from scheduler.services import commands
from tests import factories
from tests.statements import as_run

pytestmark = pytest.mark.django_db

MISSING = 999_999
HOUR = timedelta(hours=1)


def test_a_booking_reads_its_doctor_patient_schedule_and_no_show_policy_in_one_query() -> None:
    doctor = factories.doctor()
    build_bus().handle(factories.booking(doctor, factories.patient()))  # hours cached from here
    other = factories.booking(doctor, factories.patient(), hour=11)

    with CaptureQueriesContext(connection) as queries:
        build_bus().handle(other)

    reads = [sql for q in queries if (sql := as_run(q["sql"])).startswith("SELECT")]
    parties = [sql for sql in reads if '"orm_patient"' in sql or '"orm_doctor"' in sql]
    assert len(parties) == 1, reads
    assert '"orm_schedule"' in parties[0]
    assert '"no_show_limit"' in parties[0]
    assert not [sql for sql in reads if sql != parties[0] and '"orm_clinic"' in sql], reads


def test_the_no_show_policy_read_with_the_parties_is_the_clinics() -> None:
    doctor = factories.doctor()
    clinic = doctor.clinics.get()
    rows.Clinic.objects.filter(pk=clinic.pk).update(
        no_show_limit=3, no_show_window_months=6, no_show_consequence="no_online_booking"
    )
    patient = factories.patient()

    parties = repositories.booking_parties(
        doctor.pk,
        patient.pk,
        clinic.pk,
        starting=datetime.now(UTC),
        time_off_after=datetime.now(UTC),
    )

    assert parties is not None
    assert parties.no_show_policy == NoShowPolicy(
        limit=3, window_months=6, consequence=Consequence.NO_ONLINE_BOOKING
    )


def _calendar_reads(booking: commands.BookAppointment) -> list[str]:
    with CaptureQueriesContext(connection) as queries, contextlib.suppress(DoctorAway):
        build_bus().handle(booking)
    # The blocks' own reads: the first read only asks whether one ends after the slot starts.
    return [
        sql
        for q in queries
        if 'FROM "gcal_busyblock"' in (sql := as_run(q["sql"])) and '"orm_schedule"' not in sql
    ]


def test_a_booking_reads_the_calendars_blocks_only_when_one_ends_after_its_slot_starts() -> None:
    doctor = factories.doctor()
    booking = factories.booking(doctor, factories.patient(), hour=11)
    before, at = booking.start - HOUR, booking.start

    def block(start: datetime, event: str) -> None:
        BusyBlock.objects.create(
            doctor=doctor, calendar_id="primary", event_id=event, start=start, end=start + HOUR
        )

    block(before, "over-before")  # ends as the slot begins
    assert _calendar_reads(booking) == []
    assert rows.Appointment.objects.filter(start=at).exists()

    later = factories.booking(doctor, factories.patient(), hour=14)
    block(later.start + HOUR, "later")  # after the slot: read, not in the way
    assert len(_calendar_reads(later)) == 1
    assert rows.Appointment.objects.filter(start=later.start).exists()

    covered = factories.booking(doctor, factories.patient(), hour=16)
    block(covered.start, "over-it")
    with pytest.raises(DoctorAway):
        build_bus().handle(covered)
    assert not rows.Appointment.objects.filter(start=covered.start).exists()


def _unverified_doctor_elsewhere(booking: commands.BookAppointment) -> commands.BookAppointment:
    rows.Doctor.objects.filter(pk=booking.doctor_id).update(verified=False)
    return _elsewhere(booking)


def _closed_account(booking: commands.BookAppointment) -> commands.BookAppointment:
    rows.User.objects.filter(patient__pk=booking.actor.patient_id).update(is_active=False)
    return booking


def _elsewhere(booking: commands.BookAppointment) -> commands.BookAppointment:
    return dataclasses.replace(booking, clinic_id=factories.clinic().pk)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda b: dataclasses.replace(b, doctor_id=MISSING), "doctor_id", "No such doctor."),
        # As one that does not exist (found by an attacker: a refusal of its own told
        # patients which ids wait for approval).
        (_unverified_doctor_elsewhere, "doctor_id", "No such doctor."),
        (_closed_account, "patient_id", "account is closed"),
        (_elsewhere, "clinic_id", "does not see patients at that clinic"),
    ],
)
def test_a_booking_missing_one_of_them_is_refused_as_before(
    change: Callable[[commands.BookAppointment], Any], field: str, words: str
) -> None:
    booking = change(factories.booking(factories.doctor(), factories.patient()))

    with pytest.raises(InvalidInput) as refused:
        build_bus().handle(booking)

    assert refused.value.details["field"] == field
    assert words in refused.value.message
    assert not rows.Appointment.every.exists()


def test_the_prepared_read_answers_as_the_orms_own_run_of_the_query() -> None:
    """The booking's read is compiled once (adapters.orm.prepared): for other arguments, and
    for arguments that find nothing, it gives what the ORM gives, typed as the ORM types it
    (booleans stay booleans on SQLite)."""
    doctors = [factories.doctor(), factories.doctor(requires_approval=True)]
    patients = [factories.patient(), factories.patient(first_name="Sima")]
    rows.User.objects.filter(patient__pk=patients[1].pk).update(is_active=False)
    cases = [
        (doctor.pk, patient.pk, doctor.schedules.get().clinic_id)
        for doctor in doctors
        for patient in patients
    ] + [(doctors[0].pk, MISSING, doctors[0].schedules.get().clinic_id), (MISSING, 1, 1)]
    now = datetime.now(UTC)
    BusyBlock.objects.create(
        doctor=doctors[1], calendar_id="primary", event_id="e1", start=now, end=now + HOUR
    )

    for doctor_id, patient_id, clinic_id in cases:
        prepared = repositories._PARTIES.first(
            doctor_id=doctor_id, patient_id=patient_id, clinic_id=clinic_id, starting=now
        )
        orm = repositories._parties(doctor_id, patient_id, clinic_id, now).first()
        assert prepared == orm
        if orm is not None:
            assert {type(value) for key, value in orm.items() if "active" in key} <= {
                bool,
                type(None),
            }
            assert type(prepared["requires_approval"]) is bool  # type: ignore[index]
            assert type(prepared["calendar_busy"]) is bool  # type: ignore[index]
        parties = repositories.booking_parties(
            doctor_id, patient_id, clinic_id, starting=now, time_off_after=now
        )
        if parties is not None:
            assert type(parties.patient.active) is bool  # the patient's, read as JSON
            assert parties.patient.active is (patient_id != patients[1].pk)
            assert parties.calendar_busy is (doctor_id == doctors[1].pk)


def test_the_prepared_reads_of_instants_answer_as_the_orms_own_runs() -> None:
    """What a booking meets and calendar busy blocks over a window: the window's instants are
    written as the ORM writes them (text on SQLite), and the ids come back as UUIDs."""
    doctor, patient, other = factories.doctor(), factories.patient(), factories.patient()
    start = factories.slot_start(doctor.clinics.get(), hour=10)
    for hours, who in ((0, other), (1, other), (3, patient), (5, other)):
        factories.appointment(doctor, who, start + timedelta(hours=hours), status="proposed")
    factories.appointment(doctor, other, start + timedelta(hours=2))
    BusyBlock.objects.create(
        doctor=doctor, calendar_id="primary", event_id="e1", start=start, end=start + HOUR
    )
    windows = [(start, start + HOUR), (start - HOUR, start + 6 * HOUR), (start + HOUR, start)]

    for since, until in windows:
        if since < until:  # a meeting's window is an Interval; PostgreSQL refuses one inverted
            met = repositories._MEETING.rows(
                doctor_id=doctor.pk, patient_id=patient.pk, start=since, end=until
            )
            assert met == list(repositories._meeting(doctor.pk, patient.pk, since, until))
            assert all(isinstance(row[0], uuid.UUID) for row in met)
        blocks = busy_blocks._OVER.rows(doctor_id=doctor.pk, start=since, end=until)
        assert blocks == list(busy_blocks._over(doctor.pk, since, until))
    met = repositories._MEETING.rows(
        doctor_id=doctor.pk, patient_id=patient.pk, start=start, end=start + 3 * HOUR
    )
    # the doctor's holds and visit over the window, and the patient's own hold elsewhere
    assert sorted(status for _, status, *_ in met) == ["booked", "proposed", "proposed", "proposed"]


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_told_before_any_write_with_alternatives_of_the_schedule_it_read() -> None:
    """The slot's visit is found by the read that finds the holds: nothing is written, and no
    second look for the patient's own hold is needed (that read saw them all). The
    alternatives are read after the rollback, of the schedule the attempt read."""
    doctor = factories.doctor()
    bus = build_bus()
    bus.handle(factories.booking(doctor, factories.patient()))
    again = factories.booking(doctor, factories.patient())
    statements: list[tuple[str, bool]] = []

    def note(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        # Not SQLite's BEGIN IMMEDIATE; a WITH: a commit's inserts as one statement.
        if as_run(sql).startswith(("SELECT", "INSERT", "UPDATE", "WITH")):
            statements.append((as_run(sql), connection.in_atomic_block))
        return execute(sql, *args)

    with connection.execute_wrapper(note), pytest.raises(SlotTaken) as refused:
        bus.handle(again)

    assert refused.value.details["alternatives"]
    inside = [sql for sql, atomic in statements if atomic]
    outside = [sql for sql, atomic in statements if not atomic]
    assert [sql for sql, _ in statements] == inside + outside  # the attempt, then the rest
    assert len(outside) == 1, outside  # the busy time around: no transaction of its own
    assert not any(sql.startswith(("INSERT", "UPDATE", "WITH")) for sql, _ in statements)
    reads = [sql for sql, _ in statements]
    assert sum('"orm_schedule"' in sql for sql in reads) == 1, reads  # with doctor and patient
    holds_and_visits = [sql for sql in reads if '"orm_appointment"."status" AS' in sql]
    assert len(holds_and_visits) == 1, reads
