"""Suite-wide rules: which runtime we are on, and what a Postgres-only test does without it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.utils import translation

from scheduler.adapters.audit import append_only

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not ON_POSTGRES:
        if os.environ.get("CI") == "true":
            pytest.fail("this test needs PostgreSQL (DATABASE_URL) and CI must run it")
        pytest.skip("needs PostgreSQL: set DATABASE_URL (./run test does)")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2's cost is the point in production and ~0.3 s a user in a test that makes fifty.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_delayed_notifications(settings: Any) -> None:
    # Reminders hours ahead would sit in the broker as delayed messages, and a test's Dramatiq
    # worker never finishes join() while it holds one. Tests hand a reminder over themselves.
    settings.NOTIFY_ENQUEUE_AHEAD_HOURS = 0


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_sites_language() -> Iterator[None]:
    # A request in Persian leaves Persian active on its thread (as LocaleMiddleware would): a
    # later test that renders a message outside any request would read it in Persian.
    translation.deactivate()
    yield
    translation.deactivate()


# The suite signs in and up more often in a minute than anyone should; the throttles' own tests
# set their rates back down.
UNTHROTTLED = {
    "SIGN_IN_RATE": "10000/min",
    "SIGN_IN_ACCOUNT_RATE": "10000/min",
    "SIGN_UP_RATE": "10000/min",
    "TOKEN_REFRESH_RATE": "10000/min",
    "PASSWORD_RESET_RATE": "10000/min",
    "PASSWORD_RESET_ACCOUNT_RATE": "10000/min",
    "VERIFICATION_RESEND_RATE": "10000/min",
    "CONTACT_CHANGE_RATE": "10000/min",
    "CALENDAR_FEED_RATE": "10000/min",
    "PATIENT_LOOKUP_RATE": "10000/min",
    "LIVE_SNAPSHOT_RATE": "10000/min",
    "PATIENT_BOOKING_RATE": "10000/min",
}


@pytest.fixture(autouse=True)
def _unthrottled(settings: Any) -> None:
    for name, rate in UNTHROTTLED.items():
        setattr(settings, name, rate)


@pytest.fixture(autouse=True, scope="session")
def _audit_trail_emptied_between_tests() -> Iterator[None]:
    """Django empties the test database after each transactional test (and live server's):
    with TRUNCATE on PostgreSQL, which fires no row trigger, but with DELETE FROM on SQLite,
    which the audit trail's trigger refuses. Here, and only here, SQLite's emptying lifts the
    trigger for its own transaction and puts it back before committing; the site has no way
    to do the same."""
    operations = DatabaseWrapper.ops_class
    empty = operations.sql_flush

    def sql_flush(self: Any, *args: Any, **kwargs: Any) -> list[str]:
        statements = empty(self, *args, **kwargs)
        if not any(append_only.TABLE in statement for statement in statements):
            return statements
        guards = append_only.statements("sqlite")
        return [*(drop for _, drop in guards), *statements, *(create for create, _ in guards)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        patch.setattr(PostgresOperations, "execute_sql_flush", _flush_again_after_a_deadlock)
        yield


# A browser module's server runs through its tests: its outbox relay and sockets still read while
# a test's database is emptied, and TRUNCATE, locking table after table, can deadlock with the
# rows the relay holds (and the directory's sweep, which locks its read model's rows). PostgreSQL
# then cancels one of the two; when it is the emptying, again (seen failing three times running).
FLUSH_ATTEMPTS = 8
_postgres_flush = PostgresOperations.execute_sql_flush


def _flush_again_after_a_deadlock(self: Any, sql_list: list[str]) -> None:
    for attempt in range(1, FLUSH_ATTEMPTS + 1):
        try:
            _postgres_flush(self, sql_list)
            return
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == FLUSH_ATTEMPTS:
                raise
