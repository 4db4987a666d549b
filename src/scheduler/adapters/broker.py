"""The Dramatiq broker: Redis in production, the stub broker worked in-process otherwise."""

from __future__ import annotations

from typing import Any

import dramatiq
from django.db import connections
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from scheduler.adapters import metrics


def install(redis_url: str, *, namespace: str = "dramatiq") -> dramatiq.Broker:
    """Make the process-wide broker; must run before any actor module is imported."""
    broker: dramatiq.Broker = (
        RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
        if redis_url
        else StubBroker()
    )
    broker.add_middleware(ClosesDbConnections())
    broker.add_middleware(ActorMetrics())
    dramatiq.set_broker(broker)
    return broker


class ClosesDbConnections(dramatiq.Middleware):
    """Each job's thread gives its database connections back when the job ends."""

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        connections.close_all()

    def after_skip_message(self, broker: Any, message: Any) -> None:
        connections.close_all()


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


def start_worker(broker: dramatiq.Broker, *, threads: int = 2) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker
