"""A thread that keeps its database connection between rounds (the relay, the sweeps, a
worker's threads) finds it ended by the server (a restart, an idle cut) before its next round,
not in it: every such thread failed one round, and a calendar push lost its job (the attacker
review: ``pg_terminate_backend`` and ``idle_session_timeout``)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from scheduler.adapters import thread_connections
from scheduler.adapters.broker import DbConnectionsBetweenJobs
from scheduler.adapters.periodic import Periodic

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def _end_from_elsewhere(pid: int) -> None:
    """The server ends that backend, as a restart or an idle timeout would."""

    def end() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        connections.close_all()

    ender = threading.Thread(target=end)
    ender.start()
    ender.join(timeout=10)


def test_a_kept_connection_the_server_ended_is_replaced_before_the_next_job() -> None:
    ended = _backend()
    DbConnectionsBetweenJobs().after_process_message(None, None, exception=None)  # kept
    _end_from_elsewhere(ended)

    DbConnectionsBetweenJobs().before_process_message(None, None)

    assert _backend() != ended  # the job's first query works, on a new connection


def test_a_periodic_round_after_its_connection_was_ended_does_not_fail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pids: list[int] = []
    rounds = threading.Semaphore(0)

    def work() -> int:
        pids.append(_backend())
        rounds.release()
        return 0

    thread = Periodic("test", work, interval=60)
    thread.start()
    try:
        thread.wake()
        assert rounds.acquire(timeout=5)
        _end_from_elsewhere(pids[0])
        thread.wake()
        assert rounds.acquire(timeout=5)
    finally:
        thread.stop()
        thread.join(timeout=5)

    assert pids[1] != pids[0]
    assert not [record for record in caplog.records if "failed" in record.getMessage()]


def test_a_working_connection_is_kept_through_the_check() -> None:
    kept = _backend()

    thread_connections.before_round()

    assert _backend() == kept
