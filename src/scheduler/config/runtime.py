"""Background work of one server or worker process: the outbox relay and Dramatiq workers.

Started by the CLI, never at import: a test or a shell has none, and relays explicitly.
"""

from __future__ import annotations

import dramatiq
from django.conf import settings

from scheduler.adapters import broker as brokers
from scheduler.adapters.outbox import Handlers, RelayThread

_relay: RelayThread | None = None
_worker: dramatiq.Worker | None = None


def start(handlers: Handlers, *, dramatiq_threads: int) -> None:
    global _relay, _worker
    if _relay is None:
        _relay = RelayThread(handlers, interval=settings.OUTBOX_SWEEP_SECONDS)
        _relay.start()
    if _worker is None and dramatiq_threads:
        _worker = brokers.start_worker(dramatiq.get_broker(), threads=dramatiq_threads)


def stop() -> None:
    global _relay, _worker
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
