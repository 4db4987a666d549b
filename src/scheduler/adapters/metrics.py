"""What the processes count, in Prometheus' terms (prometheus-client), and the text a scrape of
``/metrics`` reads.

Each daphne or worker process counts on its own. With PROMETHEUS_MULTIPROC_DIR set (an empty
directory shared by every process of the host, emptied before they start) the counts go to files
there and a scrape of any one process adds them all up; without it, a scrape reads the counts of
the process it reached, which is what the embedded runtime (one process) needs.

The outbox's backlog is not counted but read from the database at scrape time: it is the same
whichever process answers.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from django.db import DatabaseError
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client import multiprocess as multiprocess_mode
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from scheduler.adapters import outbox_backlog

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# The counts of this process, when it is the only one a scrape reads.
_OWN = CollectorRegistry()

REQUEST_SECONDS = Histogram(
    "nobat_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (the URL pattern, never the path), method and "
    "status class.",
    ["route", "method", "status"],
    registry=_OWN,
)
BOOKINGS = Counter(
    "nobat_bookings",
    "Appointments booked or requested, as their events were relayed.",
    ["status"],
    registry=_OWN,
)
BOOKING_CONFLICTS = Counter(
    "nobat_booking_conflicts",
    "Bookings refused because the slot was taken (HTTP 409).",
    registry=_OWN,
)
RELAY_FAILURES = Counter(
    "nobat_outbox_relay_failures",
    "Deliveries of an outbox event whose handler raised (the event is tried again later).",
    ["type"],
    registry=_OWN,
)
DEAD_EVENTS = Counter(
    "nobat_outbox_dead_events",
    "Outbox events given up on after the last attempt (re-queued by a person in the admin).",
    ["type"],
    registry=_OWN,
)
ACTOR_MESSAGES = Counter(
    "nobat_dramatiq_messages",
    "Dramatiq messages processed, by actor and outcome (success, failure, skipped); a failure "
    "may be retried.",
    ["actor", "outcome"],
    registry=_OWN,
)
ACTOR_RETRIES = Counter(
    "nobat_dramatiq_retries",
    "Dramatiq messages run again after a failure, by actor.",
    ["actor"],
    registry=_OWN,
)
NOTIFICATIONS = Counter(
    "nobat_notifications",
    "Messages to people, by channel and outcome (sent, failed).",
    ["channel", "outcome"],
    registry=_OWN,
)
SOCKETS_OPEN = Gauge(
    "nobat_websocket_connections",
    "WebSocket connections open now.",
    registry=_OWN,
    multiprocess_mode="livesum",
)
CALENDAR_SYNC_ERRORS = Counter(
    "nobat_calendar_sync_errors",
    "Google Calendar syncs that failed, for a whole connection or for one calendar.",
    ["scope"],
    registry=_OWN,
)

# The outbox events that start a booking, and the status each leaves it in.
_BOOKING_EVENTS = {"AppointmentBooked": "booked", "AppointmentRequested": "requested"}


def event_relayed(event_type: str) -> None:
    status = _BOOKING_EVENTS.get(event_type)
    if status is not None:
        BOOKINGS.labels(status=status).inc()


class OutboxBacklog(Collector):
    """The outbox's undelivered events and how long the oldest has waited, read when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            backlog = outbox_backlog.read()
        except DatabaseError as error:  # the counts are still worth a scrape; readiness says why
            log.warning("outbox backlog unreadable for the metrics: %s", error)
            return
        yield GaugeMetricFamily(
            "nobat_outbox_backlog", "Outbox events not delivered yet.", value=backlog.pending
        )
        yield GaugeMetricFamily(
            "nobat_outbox_lag_seconds",
            "Age of the oldest outbox event not delivered yet (0 when there is none).",
            value=backlog.oldest_age_seconds,
        )
        yield GaugeMetricFamily(
            "nobat_outbox_dead",
            "Outbox events given up on, waiting for a person.",
            value=backlog.dead,
        )


_OWN.register(OutboxBacklog())


def registry() -> CollectorRegistry:
    """What a scrape reads: every process's counts (multiprocess mode) or this one's."""
    if not MULTIPROCESS:
        return _OWN
    every_process = CollectorRegistry()
    multiprocess_mode.MultiProcessCollector(every_process)  # type: ignore[no-untyped-call]
    every_process.register(OutboxBacklog())
    return every_process


def latest() -> bytes:
    """The text of a scrape."""
    return generate_latest(registry())


def serve(host: str, port: int) -> WSGIServer:
    """Serve the scrape at ``http://host:port/`` from a thread, for a process with no HTTP server
    of its own (the worker). No address check: bind it where only Prometheus reaches."""
    server, _ = start_http_server(port, addr=host, registry=registry())
    return server


if MULTIPROCESS:
    # A process that ends takes its sockets with it: its share of the gauge goes too.
    atexit.register(multiprocess_mode.mark_process_dead, os.getpid())
