"""A unit of work's commit sends its rows (the appointment, its history, the events, their audit
entries) together: one round trip on PostgreSQL, where each was a round trip of its own."""

from __future__ import annotations

import logging
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from scheduler.adapters.orm import inserts
from scheduler.adapters.orm import models as rows
from scheduler.adapters.orm.inserts import insert, sent_together
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import SlotTaken
from tests import factories

pytestmark = pytest.mark.django_db


def _entry(name: str) -> rows.Specialty:
    return rows.Specialty(name=name, slug=name)


def test_inserts_inside_wait_for_the_blocks_end_and_go_in_order() -> None:
    with CaptureQueriesContext(connection) as queries:
        with sent_together():
            insert([_entry("a")])
            insert([_entry("b"), _entry("c")])
            assert len(queries) == 0  # nothing sent yet
        sent = len(queries)

    assert sent == 2
    assert list(
        rows.Specialty.objects.filter(slug__in="abc").order_by("pk").values_list("slug", flat=True)
    ) == [
        "a",
        "b",
        "c",
    ]


@pytest.mark.parametrize("together", [True, False])
def test_values_go_apart_from_the_statement_on_postgresql_and_come_back_as_they_were(
    together: bool,
) -> None:
    """psycopg writes them in C, off the statement; Django's cursors would write each into
    the SQL text in Python. Quotes, percent signs, markers and Persian text stay as they are."""
    name = 'O\'Brien %s %% $1 \\ "قلب" ۱۲٪'
    with CaptureQueriesContext(connection) as queries:
        if together:
            with sent_together():
                insert([_entry(name)])
        else:
            insert([_entry(name)])

    assert rows.Specialty.objects.get(slug=name).name == name
    [statement] = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert "$1" in statement and "O''Brien" not in statement


@pytest.mark.parametrize("together", [True, False])
def test_more_rows_than_one_statement_may_bind_go_in_several(together: bool) -> None:
    """libpq binds at most 65,535 values a statement (SQLite fewer): a doctor's leave forced
    over about 5,000 visits wrote an event each in one statement, and failed (a 500)."""
    columns = len(inserts._fields(rows.Specialty))
    many = 65_535 // columns + 1
    entries = [_entry(f"s{n}") for n in range(many)]
    if together:
        with sent_together():
            insert(entries)
    else:
        insert(entries)

    assert rows.Specialty.objects.filter(slug__startswith="s").count() == many


def test_a_block_that_raises_sends_nothing() -> None:
    with pytest.raises(RuntimeError), sent_together():
        insert([_entry("x")])
        raise RuntimeError("the command failed")

    assert not rows.Specialty.objects.filter(slug="x").exists()


def test_a_refusal_among_them_raises_at_the_end_as_djangos_error() -> None:
    insert([_entry("dup")])

    with pytest.raises(IntegrityError), sent_together():
        insert([_entry("dup")])


def test_a_taken_slot_is_still_refused_and_nothing_of_the_loser_is_written(
    caplog: pytest.LogCaptureFixture,
) -> None:
    doctor = factories.doctor()
    bus = build_bus()
    bus.handle(factories.booking(doctor, factories.patient()))
    events = rows.StoredEvent.objects.count()
    changes = rows.AppointmentChange.objects.count()

    with caplog.at_level(logging.WARNING), pytest.raises(SlotTaken):
        bus.handle(factories.booking(doctor, factories.patient()))

    # The cursor once closed inside the failed pipeline: psycopg warned on every refusal.
    assert not caplog.records

    assert rows.Appointment.objects.count() == 1
    assert rows.StoredEvent.objects.count() == events
    assert rows.AppointmentChange.objects.count() == changes


@pytest.mark.postgres
def test_a_refusal_answered_before_the_rest_are_sent_still_raises_once_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When PostgreSQL's refusal of a statement came back while the next ones were still being
    queued (a slow moment of the sender's), psycopg raised it there, then again on leaving the
    pipeline, and logged that second one as a warning: a log line for every such refusal."""
    insert([_entry("taken")])
    duplicate = _statement_of(_entry("taken"))

    free = _statement_of(_entry("free"))
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(IntegrityError),
        connection.cursor() as cursor,
        inserts._one_round_trip(),
    ):
        cursor.execute(*duplicate)
        time.sleep(0.2)  # its refusal is back before the next statement goes
        cursor.execute(*free)

    assert not caplog.records


def _clinic(name: str) -> rows.Clinic:
    return rows.Clinic(name=name, address="1 Vali-Asr St", city="Tehran", timezone="UTC")


def _statement_of(row: rows.Specialty) -> tuple[str, list[object]]:
    with sent_together():
        insert([row])
        waiting = inserts._waiting.get()
        assert waiting is not None
        statement = waiting[0]
        waiting.clear()
    return statement.text, statement.values


@pytest.mark.postgres
def test_inserts_into_different_tables_go_as_one_statement_and_a_refusal_writes_none() -> None:
    """On PostgreSQL a booking's four inserts were four statements to parse, bind and plan,
    and four executions in psycopg: now one (each but the last a data-modifying WITH)."""

    with CaptureQueriesContext(connection) as queries:
        with sent_together():
            insert([_entry("one")])
            insert([_clinic("Arya")])
        [statement] = [q["sql"] for q in queries]
    assert statement.startswith("WITH i0 AS (INSERT")
    assert rows.Specialty.objects.filter(slug="one").exists()
    assert rows.Clinic.objects.filter(name="Arya").exists()

    with pytest.raises(IntegrityError), transaction.atomic(), sent_together():
        insert([_clinic("Sina")])
        insert([_entry("one")])  # taken: the whole statement is refused
    assert not rows.Clinic.objects.filter(name="Sina").exists()


def test_a_bookings_rows_go_in_one_statement_on_postgresql() -> None:
    booking = factories.booking(factories.doctor(), factories.patient())
    bus = build_bus()
    with CaptureQueriesContext(connection) as queries:
        bus.handle(booking)
    inserts_sent = [q["sql"] for q in queries if "INSERT" in q["sql"]]
    assert len(inserts_sent) == (1 if connection.vendor == "postgresql" else 4)
    assert rows.Appointment.objects.count() == 1
    assert rows.AppointmentChange.objects.count() == 1
    assert rows.StoredEvent.objects.count() >= 1


@pytest.mark.postgres
def test_the_first_insert_asked_goes_first_and_a_refusal_there_spends_nothing_on_the_rest() -> None:
    """Found in review: PostgreSQL runs a statement's own insert before its WITHs, and those
    from the last up; a booking's appointment, whose constraint refuses a race lost, went last,
    and every race lost used up ids of the audit trail and the history."""
    insert([_entry("taken")])

    def clinics_counted() -> tuple[int, bool]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value, is_called FROM orm_clinic_id_seq")
            last, called = cursor.fetchone()
        return last, called

    before = clinics_counted()
    with pytest.raises(IntegrityError), transaction.atomic(), sent_together():
        insert([_entry("taken")])  # refused: the first
        insert([_clinic("Sina")])
    assert clinics_counted() == before  # the clinic's insert never ran
