"""API fixtures: a clinic with a doctor on the demo's hours, people of every role, and clients
signed in as each of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext
from rest_framework.test import APIClient

from scheduler.adapters.orm import models as rows
from tests import factories
from tests.e2e.browser import chromium
from tests.loopback import RedisServer
from tests.servers import Server, serving
from tests.task_queue import smtp, worker  # noqa: F401  (fixtures: mail through the task queue)

Client = Callable[[rows.User | None], APIClient]


@pytest.fixture
def client_for() -> Client:
    """An API client signed in as ``user`` (None: a visitor)."""

    def make(user: rows.User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def visitor(client_for: Client) -> APIClient:
    return client_for(None)


@pytest.fixture
def clinic(db: None) -> rows.Clinic:
    return factories.clinic()


@pytest.fixture
def doctor(clinic: rows.Clinic) -> rows.Doctor:
    return factories.doctor(clinic)


@pytest.fixture
def patient(db: None) -> rows.Patient:
    return factories.patient()


@pytest.fixture
def other_patient(db: None) -> rows.Patient:
    return factories.patient()


@pytest.fixture
def receptionist(clinic: rows.Clinic) -> rows.Receptionist:
    return factories.receptionist(clinic)


@pytest.fixture
def as_patient(client_for: Client, patient: rows.Patient) -> APIClient:
    return client_for(patient.user)


@pytest.fixture
def as_doctor(client_for: Client, doctor: rows.Doctor) -> APIClient:
    return client_for(doctor.user)


@pytest.fixture
def as_receptionist(client_for: Client, receptionist: rows.Receptionist) -> APIClient:
    return client_for(receptionist.user)


@pytest.fixture
def as_admin(client_for: Client, db: None) -> APIClient:
    return client_for(factories.admin())


@pytest.fixture
def own_channel_layer(settings: Any) -> None:
    """A fresh in-memory channel layer, or a Redis prefix that no other test (or run) uses."""
    layer = dict(settings.CHANNEL_LAYERS["default"])
    if "CONFIG" in layer:
        layer["CONFIG"] = {**layer["CONFIG"], "prefix": f"test-{uuid.uuid4().hex[:12]}"}
    settings.CHANNEL_LAYERS = {"default": layer}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``scheduler serve`` on this run's database, for the tests of one module. Not one for
    the whole run: a server relays the outbox of the database it shares with the tests, so
    while it runs it takes the events of tests that relay and work their own queue (a
    notification test's confirmation would go to the server's queue, not the test's)."""
    with serving(tmp_path_factory.mktemp("browser-server")) as running:
        yield running


# The production layer (pub/sub) on a redis-server of the test's own, which a test may kill.
@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()


@pytest.fixture
def pubsub_layer(redis_server: RedisServer, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "scheduler.adapters.channel_layer.PubSubLayer",
            "CONFIG": {"hosts": [redis_server.url], "prefix": "restart"},
        }
    }
