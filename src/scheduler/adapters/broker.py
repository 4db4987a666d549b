"""The Dramatiq broker: Redis in production, the stub broker worked in-process otherwise."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from scheduler.adapters import metrics, thread_connections
from scheduler.config import log_context


def install(redis_url: str, *, namespace: str = "dramatiq") -> dramatiq.Broker:
    """Make the process-wide broker; must run before any actor module is imported."""
    broker: dramatiq.Broker = (
        RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
        if redis_url
        else StubBroker()
    )
    broker.add_middleware(DbConnectionsBetweenJobs())
    broker.add_middleware(ActorMetrics())
    broker.add_middleware(CarriesLogContext())
    dramatiq.set_broker(broker)
    return broker


class DbConnectionsBetweenJobs(dramatiq.Middleware):
    """A worker thread keeps its database connection from one job to the next: tried before
    each job, closed after one that failed and when the thread ends (``thread_connections``)."""

    def before_process_message(self, broker: Any, message: Any) -> None:
        thread_connections.before_round()

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        thread_connections.after_round(failed=exception is not None)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        thread_connections.after_round(failed=False)

    def before_worker_thread_shutdown(self, broker: Any, thread: Any) -> None:
        thread_connections.at_thread_end()


class ActorMetrics(dramatiq.Middleware):
    """Each job's outcome by actor, and each run that is a retry of an earlier failure."""

    def before_process_message(self, broker: Any, message: Any) -> None:
        if message.options.get("retries", 0):
            metrics.ACTOR_RETRIES.labels(actor=message.actor_name).inc()

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        outcome = "success" if exception is None else "failure"
        metrics.ACTOR_MESSAGES.labels(actor=message.actor_name, outcome=outcome).inc()

    def after_skip_message(self, broker: Any, message: Any) -> None:
        metrics.ACTOR_MESSAGES.labels(actor=message.actor_name, outcome="skipped").inc()


class CarriesLogContext(dramatiq.Middleware):
    """A job's log lines name the request, user and appointment its sender's lines named (the
    request's; the outbox event's, in the relay), or the appointment the job takes as its
    ``appointment_id`` argument. They ride in the message's options, are named while the job
    runs in the worker, and are put back when it ends: the thread's next job inherits nothing.
    """

    OPTION = "log_context"

    def __init__(self) -> None:
        self._running = threading.local()

    def before_enqueue(self, broker: Any, message: Any, delay: int) -> None:
        # A retry is the same message sent again, from a worker that no longer names it.
        if self.OPTION in message.options:
            return
        named = log_context.current()
        appointment = _appointment_argument(broker, message)
        if appointment is not None:
            named["appointment"] = appointment
        if any(value is not None for value in named.values()):
            message.options[self.OPTION] = named

    def before_process_message(self, broker: Any, message: Any) -> None:
        named = message.options.get(self.OPTION) or {}
        self._running.reset = log_context.bind(
            request=named.get("request"),
            user=named.get("user"),
            appointment=named.get("appointment"),
        )

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        self._put_back()

    def after_skip_message(self, broker: Any, message: Any) -> None:
        self._put_back()

    def _put_back(self) -> None:
        # A job skipped by a middleware ahead of this one was never named here.
        reset: Callable[[], None] | None = getattr(self._running, "reset", None)
        self._running.reset = None
        if reset is not None:
            reset()


def _appointment_argument(broker: Any, message: Any) -> str | None:
    try:
        parameters = _parameters(broker.get_actor(message.actor_name).fn)
        given = parameters.bind_partial(*message.args, **message.kwargs).arguments
    except (dramatiq.ActorNotFound, TypeError):
        return None
    value = given.get("appointment_id")
    return None if value is None else str(value)


@functools.cache
def _parameters(fn: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(fn)


def start_worker(broker: dramatiq.Broker, *, threads: int = 2) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker
