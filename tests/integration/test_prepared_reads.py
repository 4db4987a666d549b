"""The hot statements, prepared on each PostgreSQL connection: one round trip a run,
the first included; kept across a ROLLBACK (every refused booking ends in one), where psycopg's
own cache would forget them; the same answers as the plain SQL; none behind a flag."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from scheduler.adapters.orm import prepared, repositories
from scheduler.config.bootstrap import build_bus
from scheduler.domain.errors import SlotTaken
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _server_has() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _name(executed: str) -> str:
    return executed.removeprefix("EXECUTE ").split("(")[0]


def _parties(**ids: Any) -> tuple[dict[str, Any] | None, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        found = repositories._PARTIES.first(**ids, starting=datetime(2030, 1, 1, tzinfo=UTC))
    return found, [q["sql"] for q in queries]


def test_a_read_is_prepared_on_its_first_run_in_the_same_round_trip_then_executed() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    ids = dict(doctor_id=doctor.pk, patient_id=patient.pk, clinic_id=doctor.clinics.get().pk)
    connection.close()  # a new connection: nothing prepared on it yet

    first, sent_first = _parties(**ids)
    again, sent_again = _parties(**ids)

    assert len(sent_first) == len(sent_again) == 1
    assert sent_first[0].startswith("PREPARE nobat_")
    assert sent_again[0].startswith("EXECUTE nobat_")
    name = _name(sent_again[0])
    assert name in _server_has()
    assert "orm_schedule" in (prepared.statement(name) or "")
    assert first == again
    assert first is not None and first["patient"]["patient_0"] == patient.user.first_name


def test_the_answers_are_the_plain_sqls(settings: Any) -> None:
    doctor, patient = factories.doctor(), factories.patient()
    ids = dict(doctor_id=doctor.pk, patient_id=patient.pk, clinic_id=doctor.clinics.get().pk)
    prepared_answer, _ = _parties(**ids)
    settings.DATABASE_PREPARED_STATEMENTS = False

    plain_answer, sent = _parties(**ids)

    assert sent[0].startswith("SELECT")
    assert plain_answer == prepared_answer
    missing, _ = _parties(**{**ids, "patient_id": 999_999})
    assert missing is not None and missing["patient"] is None


def test_refused_bookings_roll_back_and_the_statements_stay_prepared() -> None:
    doctor = factories.doctor()
    bus = build_bus()
    bus.handle(factories.booking(doctor, factories.patient()))
    had = {name for name in _server_has() if name.startswith("nobat_")}
    assert had  # the booking's reads

    for hour in (11, 12, 14):
        with pytest.raises(SlotTaken):
            bus.handle(factories.booking(doctor, factories.patient()))
        with CaptureQueriesContext(connection) as queries:
            bus.handle(factories.booking(doctor, factories.patient(), hour=hour))

        assert not [q for q in queries if q["sql"].startswith("PREPARE")]
        assert had <= _server_has()


def test_the_reads_of_what_a_booking_meets_are_planned_once_not_on_every_run() -> None:
    """Their statuses written in and their windows as the no-overlap constraints' ranges: the
    generic plan then reads the party's rows over the window off those constraints' indexes,
    and PostgreSQL keeps it after five runs. With the statuses as parameters it planned the
    meeting read and the busy time anew on every run, a third of its work in a booking."""
    doctor = factories.doctor()
    bus = build_bus()
    bus.handle(factories.booking(doctor, factories.patient()))
    connection.close()  # a new connection: its statements count their plans from nought

    for _ in range(8):  # each refused: it reads what it meets, then busy time for alternatives
        with pytest.raises(SlotTaken):
            bus.handle(factories.booking(doctor, factories.patient()))

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        reads = [row for row in cursor.fetchall() if "tstzrange(" in row[0]]
    assert len(reads) == 2
    for statement, generic, custom in reads:
        assert "'proposed'" in statement
        assert (generic, custom) == (3, 5)


def test_a_statement_whose_first_run_failed_is_looked_up_and_prepared_if_missing() -> None:
    doctor, patient = factories.doctor(), factories.patient()
    ids = dict(doctor_id=doctor.pk, patient_id=patient.pk, clinic_id=doctor.clinics.get().pk)
    _parties(**ids)
    _, [sent] = _parties(**ids)
    name = _name(sent)
    known = prepared._prepared[connection.connection]

    known[name] = None  # as after a first run that raised: did the PREPARE happen?
    found, sent = _parties(**ids)
    assert found is not None
    assert [sql.split()[0] for sql in sent] == ["SELECT", "DEALLOCATE"]  # it did: made anew

    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {name}")
    known[name] = None
    found, sent = _parties(**ids)
    assert found is not None
    assert [sql.split()[0] for sql in sent] == ["SELECT", "PREPARE"]  # it did not: prepared now
    assert name in _server_has()


def test_a_hand_written_statement_is_prepared_once_and_its_percent_signs_kept() -> None:
    sql = "SELECT '100%%' || %s::text"
    answers = []
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        for word in ("first", "again"):
            prepared.execute(cursor, sql, [word])
            answers.append(cursor.fetchone()[0])

    assert answers == ["100%first", "100%again"]
    assert [q["sql"].split()[0] for q in queries] == ["PREPARE", "EXECUTE"]
    assert prepared.statement(_name(queries[1]["sql"])) == sql


def test_ids_and_instants_are_written_in_as_literals_and_read_as_their_types() -> None:
    """psycopg's general quoting of each argument was a tenth of a booking's Python; an id
    and an aware instant are written as plain literals, which the statement's parameter
    types read. Anything else is still quoted by psycopg."""
    sql = "SELECT %s::bigint + 1, %s::timestamptz, %s::timestamptz = %s, %s::text"
    tehran = datetime(2030, 3, 20, 23, 59, 59, 999_999, tzinfo=ZoneInfo("Asia/Tehran"))
    arguments: list[Any] = [-7, tehran, tehran, tehran.astimezone(UTC), "it's"]
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        for _ in range(2):
            prepared.execute(cursor, sql, arguments)
            answer = cursor.fetchone()
        prepared.execute(cursor, "SELECT %s::bigint, %s::timestamptz", [5, tehran])
        prepared.execute(cursor, "SELECT %s::bigint, %s::timestamptz", [6, tehran])
        written = cursor.fetchone()

    assert answer == (-6, tehran, True, "it's")
    assert written == (6, tehran)
    assert "'it''s'" in queries[1]["sql"]  # a text among them: psycopg quotes them all
    assert queries[3]["sql"] == (
        f"EXECUTE {_name(queries[3]['sql'])}(6, '2030-03-20T23:59:59.999999+03:30')"
    )


@pytest.mark.parametrize(
    "ending",
    [
        # A migration changes the type of a column the read returns (a longer name).
        'ALTER TABLE "orm_user" ALTER COLUMN "first_name" TYPE varchar(151)',
        "DEALLOCATE ALL",  # a pool's reset, DISCARD ALL
    ],
)
def test_a_statement_that_no_longer_holds_fails_once_then_is_prepared_anew(ending: str) -> None:
    """Found by an attacker: after either, every later run on that connection failed."""
    doctor, patient = factories.doctor(), factories.patient()
    ids = dict(doctor_id=doctor.pk, patient_id=patient.pk, clinic_id=doctor.clinics.get().pk)
    before, _ = _parties(**ids)
    try:
        with connection.cursor() as cursor:
            cursor.execute(ending)

        with pytest.raises(DatabaseError):
            _parties(**ids)
        after, sent = _parties(**ids)
        again, sent_again = _parties(**ids)
    finally:
        with connection.cursor() as cursor:
            cursor.execute('ALTER TABLE "orm_user" ALTER COLUMN "first_name" TYPE varchar(150)')

    assert after == again == before
    assert sent[0].startswith("SELECT EXISTS")  # is it there?
    assert sent[1].startswith(("DEALLOCATE", "PREPARE"))  # there: made anew; gone: made
    assert [sql.split()[0] for sql in sent_again] == ["EXECUTE"]


def test_a_bookings_insert_is_prepared_once_a_connection_and_kept_through_refusals() -> None:
    """The database parsed and planned a booking's one insert statement on every booking, more
    work than running it: it is prepared once a connection (inserts._PreparingCursor, on hooks
    of psycopg's own that this test holds), and stays through a refusal's ROLLBACK."""
    doctor = factories.doctor()
    bus = build_bus()
    connection.close()  # a new connection: nothing of it prepared yet
    for hour in (10, 11):
        bus.handle(factories.booking(doctor, factories.patient(), hour=hour))
    with pytest.raises(SlotTaken):
        bus.handle(factories.booking(doctor, factories.patient(), hour=11))
    with CaptureQueriesContext(connection) as queries:
        bus.handle(factories.booking(doctor, factories.patient(), hour=12))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'nobat_insert_%%'"
        )
        [(statement, runs)] = cursor.fetchall()
    assert statement.startswith("WITH i0 AS (INSERT") and runs == 3
    # Logged as any statement (Django's query log reads what psycopg ran).
    assert [q for q in queries if q["sql"].startswith("WITH i0 AS (INSERT")]
