"""A Dramatiq worker in the test's process, on the installed broker (the stub broker embedded,
Redis in production), and the fixtures that start one and an SMTP sink on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest

from scheduler.adapters.notify.actors import QUEUE
from tests.loopback import SmtpSink, smtp_sink


class Worker:
    """Dramatiq worker threads in this process; ``drain()`` waits until the queue is done."""

    def __init__(self) -> None:
        self.broker = dramatiq.get_broker()
        self.broker.flush_all()
        self._worker = dramatiq.Worker(self.broker, worker_threads=2, worker_timeout=50)
        self._worker.start()

    def drain(self) -> None:
        self.broker.join(QUEUE, timeout=30_000)
        self._worker.join()

    def stop(self) -> None:
        self._worker.stop()
        self.broker.flush_all()
        # A worker leaves its middleware on the broker; the next test's worker brings its own.
        self.broker.middleware[:] = [
            m for m in self.broker.middleware if type(m).__name__ != "_WorkerMiddleware"
        ]


@pytest.fixture
def worker(transactional_db: None) -> Iterator[Worker]:
    """Needs committed rows: its threads have database connections of their own. Only what
    is due now reaches the broker (tests/conftest.py): a test runs a reminder by sending its
    message itself, as when its delay runs out."""
    running = Worker()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpSink]:
    """Django's SMTP backend, pointed at a real SMTP server on loopback."""
    with smtp_sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield sink
