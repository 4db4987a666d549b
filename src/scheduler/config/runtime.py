"""Background work of one server or worker process: the outbox relay and Dramatiq workers.

Started by the CLI, never at import: a test or a shell has none, and relays explicitly.
"""

from __future__ import annotations

import dramatiq
from django.conf import settings

from scheduler.adapters import broker as brokers
from scheduler.adapters.gcal import actors as calendar_jobs
from scheduler.adapters.notify import scheduling
from scheduler.adapters.outbox import Handlers, RelayThread
from scheduler.adapters.periodic import Periodic

_relay: RelayThread | None = None
_worker: dramatiq.Worker | None = None
_ticker: Periodic | None = None  # the periodic calendar pull, where actors run
_sweep: Periodic | None = None  # due (or lost) notifications -> the task queue


def start(handlers: Handlers, *, dramatiq_threads: int) -> None:
    global _relay, _worker, _ticker, _sweep
    if _relay is None:
        _relay = RelayThread(handlers, interval=settings.OUTBOX_SWEEP_SECONDS)
        _relay.start()
    if _sweep is None:
        _sweep = Periodic(
            "notification-sweep", scheduling.sweep, interval=settings.NOTIFY_SWEEP_SECONDS
        )
        _sweep.start()
    if _worker is None and dramatiq_threads:
        _worker = brokers.start_worker(dramatiq.get_broker(), threads=dramatiq_threads)
    if _ticker is None and dramatiq_threads:
        _ticker = Periodic(
            "calendar-pull", calendar_jobs.queue_pull_all, interval=settings.GCAL_SYNC_SECONDS
        )
        _ticker.start()


def stop() -> None:
    global _relay, _worker, _ticker, _sweep
    if _ticker is not None:
        _ticker.stop()
        _ticker.join(timeout=10)
        _ticker = None
    if _sweep is not None:
        _sweep.stop()
        _sweep.join(timeout=10)
        _sweep = None
    if _relay is not None:
        _relay.stop()
        _relay.join(timeout=10)
        _relay = None
    if _worker is not None:
        _worker.stop()
        _worker = None


def wake_relay() -> None:
    """After a commit: deliver its events now rather than at the next sweep."""
    if _relay is not None:
        _relay.wake()
