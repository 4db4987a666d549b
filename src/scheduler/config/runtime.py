"""Background work of one server or worker process: the outbox relay, the sweeps of due
notifications and of the search's free time (what events marked or time overtook), and
Dramatiq workers.

Started by the CLI, never at import: a test or a shell has none, and relays explicitly.
"""

from __future__ import annotations

from collections.abc import Callable

import dramatiq
from django.conf import settings

from scheduler.adapters import broker as brokers
from scheduler.adapters.gcal import actors as calendar_jobs
from scheduler.adapters.notify import scheduling
from scheduler.adapters.outbox import Handlers, RelayThread
from scheduler.adapters.periodic import Periodic
from scheduler.adapters.waitlist import offers as waitlist_offers

_relay: RelayThread | None = None
_worker: dramatiq.Worker | None = None
_ticker: Periodic | None = None  # the periodic calendar pull, where actors run
_sweep: Periodic | None = None  # due (or lost) notifications -> the task queue
_directory: Periodic | None = None  # the search's free time: marked or overtaken -> refreshed
_holds: Periodic | None = None  # slot holds past their expiry -> released (domain.holds)
_waitlist: Periodic | None = None  # offers whose window is over (their message lost) -> ended


def start(
    handlers: Handlers,
    *,
    dramatiq_threads: int,
    directory_sweep: Callable[[], int],
    holds_sweep: Callable[[], int],
) -> None:
    """``directory_sweep`` refreshes a bounded batch of the search's stale free time;
    ``holds_sweep`` releases a bounded batch of expired slot holds."""
    global _relay, _worker, _ticker, _sweep, _directory, _holds, _waitlist
    if _relay is None:
        _relay = RelayThread(handlers, interval=settings.OUTBOX_SWEEP_SECONDS)
        _relay.start()
    if _sweep is None:
        _sweep = Periodic(
            "notification-sweep",
            scheduling.sweep,
            interval=settings.NOTIFY_SWEEP_SECONDS,
            # What fell due while no worker ran (a deploy, a crash) goes out now, not a sweep
            # interval later.
            at_start=True,
        )
        _sweep.start()
    if _directory is None:
        _directory = Periodic(
            "directory-sweep", directory_sweep, interval=settings.DIRECTORY_SWEEP_SECONDS
        )
        _directory.start()
    if _holds is None:
        _holds = Periodic("holds-sweep", holds_sweep, interval=settings.HOLD_SWEEP_SECONDS)
        _holds.start()
    if _waitlist is None:
        _waitlist = Periodic(
            "waitlist-sweep", waitlist_offers.sweep, interval=settings.WAITLIST_SWEEP_SECONDS
        )
        _waitlist.start()
    if _worker is None and dramatiq_threads:
        _worker = brokers.start_worker(dramatiq.get_broker(), threads=dramatiq_threads)
    if _ticker is None and dramatiq_threads:
        _ticker = Periodic(
            "calendar-pull", calendar_jobs.queue_pull_all, interval=settings.GCAL_SYNC_SECONDS
        )
        _ticker.start()


def stop() -> None:
    global _relay, _worker, _ticker, _sweep, _directory, _holds, _waitlist
    if _waitlist is not None:
        _waitlist.stop()
        _waitlist.join(timeout=10)
        _waitlist = None
    if _holds is not None:
        _holds.stop()
        _holds.join(timeout=10)
        _holds = None
    if _ticker is not None:
        _ticker.stop()
        _ticker.join(timeout=10)
        _ticker = None
    if _directory is not None:
        _directory.stop()
        _directory.join(timeout=10)
        _directory = None
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


def wake_directory() -> None:
    """After an event marked doctors' free time: refresh it now rather than at the next round."""
    if _directory is not None:
        _directory.wake()
