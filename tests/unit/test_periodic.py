from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, connections

from scheduler.adapters.periodic import Periodic


def test_a_periodic_thread_works_when_woken_and_stops_cleanly() -> None:
    """It once kept its stop flag in ``_stop``, hiding the Thread method join() calls: every
    shutdown of `scheduler serve` ended in a TypeError."""
    rounds = threading.Semaphore(0)

    def work() -> int:
        rounds.release()
        return 0

    thread = Periodic("test", work, interval=60)
    thread.start()
    thread.wake()
    assert rounds.acquire(timeout=5)

    thread.stop()
    thread.join(timeout=5)

    assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_a_periodic_thread_keeps_its_connection_between_rounds_and_drops_it_after_a_failure() -> (
    None
):
    """The relay's rounds stand between a commit and the sockets that show it: each opened a
    connection (a PostgreSQL process, a few round trips) and closed it after."""
    seen: list[object] = []
    rounds = threading.Semaphore(0)

    def work() -> int:
        connection = connections["default"]
        connection.ensure_connection()
        seen.append(connection.connection)
        rounds.release()
        if len(seen) == 2:
            raise DatabaseError("the database went away")
        return 0

    thread = Periodic("test", work, interval=60)
    thread.start()
    try:
        for _ in range(3):
            thread.wake()
            assert rounds.acquire(timeout=5)
            time.sleep(0.05)  # the round's end: its connection kept or closed
    finally:
        thread.stop()
        thread.join(timeout=5)

    assert seen[0] is seen[1]
    assert seen[2] is not seen[1]


def test_a_periodic_thread_started_at_start_works_before_its_first_interval() -> None:
    """The notification sweep's: a worker that starts hands over what fell due while no worker
    ran at once, not a sweep interval (30 s by default) later."""
    rounds = threading.Semaphore(0)

    def work() -> int:
        rounds.release()
        return 0

    thread = Periodic("test", work, interval=60, at_start=True)
    thread.start()
    try:
        assert rounds.acquire(timeout=5)
    finally:
        thread.stop()
        thread.join(timeout=5)
