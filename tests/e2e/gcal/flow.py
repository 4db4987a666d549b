"""What the Google Calendar tests do as people and as the worker: book and manage appointments
through the API, read free slots, sign in to the page, and run every calendar job to its end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dramatiq
from django.test import Client
from dramatiq.brokers.stub import StubBroker
from rest_framework.test import APIClient

from scheduler.adapters import outbox
from scheduler.adapters.gcal import actors
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from tests import factories

APPOINTMENTS = "/api/appointments/"


def drain(worker: dramatiq.Worker) -> None:
    """Relay the outbox, then let the worker finish every calendar job (retries included)."""
    handlers = bootstrap.event_handlers()
    while outbox.relay_pending(handlers):
        pass
    broker = dramatiq.get_broker()
    for _ in range(3):  # a retried job sits on the delay queue in between
        if isinstance(broker, StubBroker):
            broker.join(actors.QUEUE, fail_fast=False, timeout=20_000)
        else:
            broker.join(actors.QUEUE, timeout=20_000)
            broker.join(f"{actors.QUEUE}.DQ", timeout=20_000)
        worker.join()


def book(doctor: rows.Doctor, start: datetime, patient: rows.Patient | None = None) -> Any:
    client = APIClient()
    client.force_authenticate((patient or factories.patient(first_name="Sara")).user)
    return client.post(
        APPOINTMENTS,
        {
            "doctor_id": doctor.pk,
            "clinic_id": doctor.clinics.get().pk,
            "start": start.isoformat(),
            "reason": "Chest pain after running",
        },
        format="json",
    )


def staff(doctor: rows.Doctor) -> APIClient:
    client = APIClient()
    client.force_authenticate(doctor.user)
    return client


def slot_starts(response: Any) -> set[datetime]:
    assert response.status_code == 200, response.data
    return {datetime.fromisoformat(slot["start"]) for slot in response.json()["slots"]}


def free_on(doctor: rows.Doctor, day: datetime) -> set[datetime]:
    """The doctor's free slot starts on ``day``'s date, as anyone sees them."""
    date = day.date().isoformat()
    return slot_starts(APIClient().get(f"/api/doctors/{doctor.pk}/slots/?from={date}&to={date}"))


def signed_in(user: rows.User) -> Client:
    client = Client()
    client.force_login(user)
    return client
