"""Fixtures for the notification tests: a Dramatiq worker in this process on the installed
broker (the stub broker embedded, Redis in production), mail into an SMTP sink on loopback,
and people to write to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest

from scheduler.adapters import outbox
from scheduler.adapters.notify.actors import QUEUE
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from tests import factories
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


def relay() -> int:
    """What the outbox relay of a running process does: events -> handlers (-> the queue)."""
    return outbox.relay_pending(bootstrap.event_handlers())


@pytest.fixture
def clinic(db: None) -> rows.Clinic:
    return factories.clinic(timezone="Asia/Tehran")


@pytest.fixture
def doctor(clinic: rows.Clinic) -> rows.Doctor:
    return factories.doctor(clinic)


@pytest.fixture
def patient(db: None) -> rows.Patient:
    return factories.patient(first_name="Leila", last_name="Rostami")
