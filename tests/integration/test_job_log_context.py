"""Log lines outside requests name what they are about: the outbox relay's lines name the
event's appointment and the user whose action raised it, a Dramatiq job's lines what its sender
named (or the appointment it takes), on the installed broker (the stub one embedded, Redis in
production); and a thread's next event or job inherits none of it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest

from scheduler.adapters import outbox
from scheduler.adapters.broker import CarriesLogContext
from scheduler.config import log_context
from scheduler.config.bootstrap import build_bus
from scheduler.domain.events import AppointmentBooked, Event
from tests import factories

log = logging.getLogger("tests.job_log_context")
QUEUE = f"log_context_{uuid.uuid4().hex[:8]}"


class Lines(logging.Handler):
    """What the probe logs, with the production filter's names, wherever it logs from."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(log_context.WithContext())
        self.named: list[tuple[str, Any, Any, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        names = (record.request_id, record.user_id, record.appointment_id)  # type: ignore[attr-defined]
        self.named.append((record.getMessage(), *names))


@pytest.fixture(autouse=True)
def _nothing_named_to_begin_with() -> Iterator[None]:
    # The test's own thread keeps what the last request a test client made there named (as a
    # thread that serves requests does until its next one): this module sends from nothing.
    with log_context.bound():
        yield


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        log.removeHandler(handler)


failures_left: list[str] = []


@pytest.fixture
def probe() -> dramatiq.Actor[Any, None]:
    """An actor of the installed broker's; declared once (pytest-django may run this module's
    tests apart, around other modules', and set a module's fixtures up twice)."""
    broker = dramatiq.get_broker()
    name = f"probe_{QUEUE}"
    if name in broker.actors:
        known: dramatiq.Actor[Any, None] = broker.actors[name]
        return known

    @dramatiq.actor(
        broker=broker,
        actor_name=name,
        queue_name=QUEUE,
        max_retries=1,
        min_backoff=1,
        max_backoff=1,
    )
    def logs(note: str, appointment_id: str | None = None) -> None:
        log.info(note)
        if note in failures_left:
            failures_left.remove(note)
            raise RuntimeError("a transient fault")

    return logs


@pytest.fixture
def worker() -> Iterator[Any]:
    """One worker thread: every job runs on the same thread, one after the other."""
    broker = dramatiq.get_broker()
    running = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=1, worker_timeout=50)
    running.start()

    def drain() -> None:
        broker.join(QUEUE, timeout=30_000)
        running.join()

    try:
        yield drain
    finally:
        running.stop()
        broker.middleware[:] = [
            m for m in broker.middleware if type(m).__name__ != "_WorkerMiddleware"
        ]


def test_a_job_names_what_its_sender_named_and_the_next_job_on_the_thread_nothing(
    probe: dramatiq.Actor[Any, None], worker: Any, lines: Lines
) -> None:
    appointment = str(uuid.uuid4())

    with log_context.bound(request="req-7", user=42, appointment=appointment):
        probe.send("sent while handling an appointment")
    worker()
    probe.send("sent with nothing named")
    worker()

    assert lines.named == [
        ("sent while handling an appointment", "req-7", 42, appointment),
        ("sent with nothing named", None, None, None),
    ]


def test_a_job_that_takes_an_appointment_names_it(
    probe: dramatiq.Actor[Any, None], worker: Any, lines: Lines
) -> None:
    appointment = uuid.uuid4()

    with log_context.bound(request="req-8", appointment=str(uuid.uuid4())):
        probe.send("about one appointment", str(appointment))
    worker()

    assert lines.named == [("about one appointment", "req-8", None, str(appointment))]


def test_a_retried_job_still_names_what_its_sender_named(
    probe: dramatiq.Actor[Any, None], worker: Any, lines: Lines
) -> None:
    appointment = str(uuid.uuid4())
    failures_left.append("fails once")

    with log_context.bound(appointment=appointment):
        probe.send("fails once")
    worker()

    assert lines.named == [("fails once", None, None, appointment)] * 2


@pytest.mark.django_db
def test_the_relay_names_each_events_appointment_and_user_while_handling_it_only(
    probe: dramatiq.Actor[Any, None], worker: Any, lines: Lines
) -> None:
    doctor, patient = factories.doctor(), factories.patient()
    booked = build_bus().handle(factories.booking(doctor, patient))

    def handle(event: Event) -> None:
        log.info("relayed")
        probe.send("sent by the relay's handler")

    outbox.relay_pending({AppointmentBooked: [handle]})
    log.info("after the relay")
    worker()

    appointment = str(booked.appointment_id)
    by = patient.user.pk
    assert sorted(lines.named, key=lambda line: line[0]) == [
        ("after the relay", None, None, None),
        ("relayed", None, by, appointment),
        ("sent by the relay's handler", None, by, appointment),
    ]


def test_the_worker_thread_names_nothing_once_a_job_ends_or_is_skipped() -> None:
    carries = CarriesLogContext()
    broker = dramatiq.get_broker()
    message = dramatiq.Message(
        queue_name=QUEUE,
        actor_name="any",
        args=(),
        kwargs={},
        options={CarriesLogContext.OPTION: {"request": "req-9", "user": 3, "appointment": "a-1"}},
    )
    nothing = {"request": None, "user": None, "appointment": None}

    carries.before_process_message(broker, message)
    during = log_context.current()
    carries.after_process_message(broker, message)
    after = log_context.current()
    carries.before_process_message(broker, message)
    carries.after_skip_message(broker, message)

    assert during == {"request": "req-9", "user": 3, "appointment": "a-1"}
    assert after == nothing
    assert log_context.current() == nothing
