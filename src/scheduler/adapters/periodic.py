"""A background thread that does one piece of work now (when woken) and every ``interval``
anyway, draining while the work reports progress. The outbox relay and the notification sweep
run on it.

The thread keeps its database connection from one round to the next, as a worker thread does
with ``DATABASE_CONN_MAX_AGE``: opening one is a PostgreSQL process and a few round trips, and
the relay's rounds are what stands between a commit and the sockets that show it. A pooled
connection (``DATABASE_POOL_SIZE``) goes back after each round instead: borrowing it again is
cheap, and the pool is the requests' too. A round that failed closes it (the database went
away, say): the next opens a fresh one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connections

log = logging.getLogger(__name__)


class Periodic(threading.Thread):
    def __init__(self, name: str, work: Callable[[], int], *, interval: float) -> None:
        """``work`` returns how much it did; it is called again at once while that is > 0."""
        super().__init__(name=name, daemon=True)
        self._work = work
        self._interval = interval
        self._wake = threading.Event()
        # Not ``_stop``: threading.Thread has a method of that name that join() calls.
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                while self._work() and not self._stopping.is_set():
                    pass
            except Exception:  # the database or the broker is away; the next round tries again
                log.exception("%s failed", self.name)
                connections.close_all()
            else:
                _return_pooled()
        connections.close_all()


def _return_pooled() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close()
