"""/metrics: Prometheus text for the networks allowed, nothing for anyone else; and each metric
moves after the action it counts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import dramatiq
import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from scheduler.adapters import event_codec, outbox
from scheduler.adapters.broker import ActorMetrics
from scheduler.adapters.notify import delivery
from scheduler.adapters.notify.faults import PermanentFault
from scheduler.adapters.notify.models import Notification
from scheduler.adapters.orm import models as rows
from scheduler.config import bootstrap
from scheduler.domain.events import AvailabilityChanged
from tests import factories
from tests.e2e.metrics_scrape import scrape, value
from tests.e2e.sockets import live, receive, socket

pytestmark = pytest.mark.django_db

# -- who may read them ------------------------------------------------------------------------


def test_the_loopback_reads_parseable_prometheus_text() -> None:
    response = scrape()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"nobat_http_request_duration_seconds", "nobat_outbox_backlog"} <= names


@pytest.mark.parametrize("remote", ["10.1.2.3", "203.0.113.9", "2001:db8::1"])
def test_other_networks_find_nothing(remote: str) -> None:
    assert scrape(remote).status_code == 404


def test_a_configured_network_may_read_them(settings: Any) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert scrape("10.1.2.3").status_code == 200
    assert scrape("127.0.0.1").status_code == 404


def test_behind_a_trusted_proxy_the_client_is_judged_not_the_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    assert scrape("127.0.0.1", x_forwarded_for="203.0.113.9").status_code == 404
    assert scrape("127.0.0.1", x_forwarded_for="127.0.0.1").status_code == 200
    # From anyone else the header is not believed: the peer's address counts.
    assert scrape("203.0.113.9", x_forwarded_for="127.0.0.1").status_code == 404


@pytest.mark.parametrize(
    "forwarded",
    ["..., unknown", "unknown", "203.0.113.9, 203.0.113.10:4711", "203.0.113.9, [2001:db8::1]"],
)
def test_a_garbled_or_hidden_client_is_not_taken_for_the_proxy(
    settings: Any, forwarded: str
) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    assert scrape("127.0.0.1", x_forwarded_for=forwarded).status_code == 404


# -- what moves them --------------------------------------------------------------------------


def test_request_latency_is_labelled_by_route_never_by_path() -> None:
    doctor = factories.doctor(factories.clinic())
    series = {
        "route": "doctors/<int:doctor_id>/",
        "method": "GET",
        "status": "2xx",
    }
    before = value("nobat_http_request_duration_seconds_count", **series)

    assert Client().get(f"/doctors/{doctor.pk}/").status_code == 200

    assert value("nobat_http_request_duration_seconds_count", **series) == before + 1
    assert f"doctors/{doctor.pk}/" not in scrape().content.decode()


def test_an_unknown_path_is_one_series_whatever_the_path() -> None:
    series = {"route": "(unmatched)", "method": "GET", "status": "4xx"}
    before = value("nobat_http_request_duration_seconds_count", **series)

    Client().get(f"/no-such-page-{uuid.uuid4().hex}/")

    assert value("nobat_http_request_duration_seconds_count", **series) == before + 1


def test_bookings_count_when_relayed_and_a_taken_slot_counts_a_conflict() -> None:
    clinic = factories.clinic()
    doctor = factories.doctor(clinic)
    start = factories.slot_start(clinic)
    booked = value("nobat_bookings_total", status="booked")
    conflicts = value("nobat_booking_conflicts_total")

    assert book(factories.patient(), doctor, start).status_code == 201
    outbox.relay_pending(bootstrap.event_handlers())
    assert book(factories.patient(), doctor, start).status_code == 409

    assert value("nobat_bookings_total", status="booked") == booked + 1
    assert value("nobat_booking_conflicts_total") == conflicts + 1


def book(patient: rows.Patient, doctor: rows.Doctor, start: Any) -> Any:
    client = APIClient()
    client.force_authenticate(patient.user)
    body = {"doctor_id": doctor.pk, "clinic_id": doctor.clinics.get().pk, "start": start}
    return client.post("/api/appointments/", body, format="json")


def test_the_outbox_backlog_and_its_lag_are_read_when_scraped() -> None:
    stored = stored_event()
    rows.StoredEvent.objects.filter(pk=stored.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    assert value("nobat_outbox_backlog") == 1
    assert value("nobat_outbox_lag_seconds") >= 600

    outbox.relay_pending({})

    assert (value("nobat_outbox_backlog"), value("nobat_outbox_lag_seconds")) == (0, 0)


def test_a_failing_handler_counts_a_relay_failure_and_the_last_try_a_dead_event() -> None:
    stored = stored_event()
    rows.StoredEvent.objects.filter(pk=stored.pk).update(attempts=outbox.MAX_ATTEMPTS - 2)
    labels = {"type": "AvailabilityChanged"}
    failures = value("nobat_outbox_relay_failures_total", **labels)
    dead = value("nobat_outbox_dead_events_total", **labels)

    def fails(event: object) -> None:
        raise RuntimeError("the handler is down")

    outbox.relay_pending({AvailabilityChanged: [fails]})
    assert value("nobat_outbox_relay_failures_total", **labels) == failures + 1
    assert value("nobat_outbox_dead_events_total", **labels) == dead

    rows.StoredEvent.objects.filter(pk=stored.pk).update(next_attempt_at=timezone.now())
    outbox.relay_pending({AvailabilityChanged: [fails]})
    assert value("nobat_outbox_relay_failures_total", **labels) == failures + 2
    assert value("nobat_outbox_dead_events_total", **labels) == dead + 1
    assert value("nobat_outbox_dead") == 1


def stored_event() -> rows.StoredEvent:
    now = timezone.now()
    event = AvailabilityChanged(occurred_at=now, doctor_id=1, start=now, end=now)
    return rows.StoredEvent.objects.create(
        id=event.event_id,
        type="AvailabilityChanged",
        aggregate_id=uuid.uuid4(),
        version=1,
        occurred_at=now,
        payload=event_codec.encode(event),
    )


def test_dramatiq_actors_count_successes_failures_and_retries() -> None:
    broker = StubBroker()
    broker.add_middleware(ActorMetrics())
    name = f"metrics_probe_{uuid.uuid4().hex[:8]}"

    @dramatiq.actor(broker=broker, actor_name=name, max_retries=1, min_backoff=1, max_backoff=1)
    def probe(fail: bool) -> None:
        if fail:
            raise RuntimeError("the job failed")

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        probe.send(False)
        probe.send(True)  # fails, is retried once, fails again
        broker.join(probe.queue_name, fail_fast=False, timeout=30_000)
        worker.join()
    finally:
        worker.stop()

    assert value("nobat_dramatiq_messages_total", actor=name, outcome="success") == 1
    assert value("nobat_dramatiq_messages_total", actor=name, outcome="failure") == 2
    assert value("nobat_dramatiq_retries_total", actor=name) == 1


class RefusingSms:
    def send(self, *, to: str, text: str, reference: str) -> str:
        raise PermanentFault("the number is not a mobile one")


def test_notifications_count_sent_and_failed_by_channel() -> None:
    clinic = factories.clinic()
    patient = factories.patient(phone="+989121234567")
    assert book(patient, factories.doctor(clinic), factories.slot_start(clinic)).status_code == 201
    outbox.relay_pending(bootstrap.event_handlers())
    series = [("email", "sent"), ("sms", "failed")]
    before = [value("nobat_notifications_total", channel=c, outcome=o) for c, o in series]

    planned = Notification.objects.filter(recipient=patient.user, kind="booked").values_list(
        "pk", flat=True
    )
    delivery.deliver_all(list(planned), sms=RefusingSms())

    after = [value("nobat_notifications_total", channel=c, outcome=o) for c, o in series]
    assert after == [count + 1 for count in before]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("own_channel_layer")
@live
async def test_open_websockets_are_a_gauge() -> None:
    doctor = await database_sync_to_async(factories.doctor)()
    read = database_sync_to_async(value)
    before = await read("nobat_websocket_connections")

    async with socket(f"/ws/slots/{doctor.pk}/") as communicator:
        await receive(communicator)  # the snapshot: the socket is open
        assert await read("nobat_websocket_connections") == before + 1

    assert await read("nobat_websocket_connections") == before
