from __future__ import annotations

import threading

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
