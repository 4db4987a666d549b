"""Fixtures of the Google Calendar tests: a fake Google on loopback, a connected doctor, and a
Dramatiq worker on the runtime's broker (Redis in production, the stub broker embedded)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from scheduler.adapters.gcal import actors
from scheduler.adapters.orm import models as rows
from tests import factories, gcal_fake
from tests.gcal_fake import FakeGoogle


@pytest.fixture
def google(settings: Any) -> Iterator[FakeGoogle]:
    with gcal_fake.running(settings) as fake:
        yield fake


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[dramatiq.Worker]:
    """A worker on the runtime's broker; on Redis under a namespace of this test's own, so
    parallel runs sharing the server never take each other's jobs. Retries back off briefly."""
    broker = dramatiq.get_broker()
    if not isinstance(broker, StubBroker):
        monkeypatch.setattr(broker, "namespace", f"nobat-test-{uuid.uuid4().hex[:12]}")
    for actor in (actors.push_appointment, actors.pull_busy_times):
        monkeypatch.setitem(actor.options, "min_backoff", 20)
        monkeypatch.setitem(actor.options, "max_backoff", 100)
    # Only the calendar queue: other jobs the relay queues (notifications...) are not ours.
    running = dramatiq.Worker(broker, queues={actors.QUEUE}, worker_timeout=50, worker_threads=1)
    running.start()
    yield running
    running.stop()
    # A worker leaves its middleware on the broker; the next test's worker brings its own.
    broker.middleware[:] = [
        m for m in broker.middleware if getattr(m, "worker", None) is not running
    ]


@pytest.fixture
def clinic() -> rows.Clinic:
    return factories.clinic()


@pytest.fixture
def doctor(clinic: rows.Clinic, google: FakeGoogle) -> rows.Doctor:
    row = factories.doctor(clinic)
    gcal_fake.connect(row, google)
    return row
