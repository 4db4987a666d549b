"""Fixtures for the notification tests: people to write to (the Dramatiq worker and the SMTP
sink on loopback are the suite's, in tests/conftest.py)."""

from __future__ import annotations

import pytest

from scheduler.adapters import outbox
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from tests import factories
from tests.task_queue import smtp, worker  # noqa: F401  (fixtures)

RELAY_PASSES = 10


def relay() -> int:
    """What the outbox relay of a running process does: events -> handlers (-> the queue),
    pass after pass while a pass delivers (the later events of a visit wait for the earlier)."""
    delivered = 0
    for _ in range(RELAY_PASSES):
        passed = outbox.relay_pending(bootstrap.event_handlers())
        if not passed:
            break
        delivered += passed
    return delivered


@pytest.fixture
def clinic(db: None) -> rows.Clinic:
    return factories.clinic(timezone="Asia/Tehran")


@pytest.fixture
def doctor(clinic: rows.Clinic) -> rows.Doctor:
    return factories.doctor(clinic)


@pytest.fixture
def patient(db: None) -> rows.Patient:
    return factories.patient(first_name="Leila", last_name="Rostami")
