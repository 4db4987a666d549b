"""A background thread that does one piece of work now (when woken) and every ``interval``
anyway, draining while the work reports progress. The outbox relay and the notification sweep
run on it; it keeps its database connection between rounds (``thread_connections``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from scheduler.adapters import thread_connections

log = logging.getLogger(__name__)


class Periodic(threading.Thread):
    def __init__(
        self, name: str, work: Callable[[], int], *, interval: float, at_start: bool = False
    ) -> None:
        """``work`` returns how much it did; it is called again at once while that is > 0.
        ``at_start``: the first round as the thread starts, not an interval later."""
        super().__init__(name=name, daemon=True)
        self._work = work
        self._interval = interval
        self._wake = threading.Event()
        if at_start:
            self._wake.set()
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
            failed = False
            try:
                thread_connections.before_round()
                while self._work() and not self._stopping.is_set():
                    pass
            except Exception:  # the database or the broker is away; the next round tries again
                log.exception("%s failed", self.name)
                failed = True
            thread_connections.after_round(failed=failed)
        thread_connections.at_thread_end()
