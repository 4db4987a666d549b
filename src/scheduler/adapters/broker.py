"""The Dramatiq broker: Redis in production, the stub broker worked in-process otherwise."""

from __future__ import annotations

from typing import Any

import dramatiq
from django.db import connections
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker


def install(redis_url: str, *, namespace: str = "dramatiq") -> dramatiq.Broker:
    """Make the process-wide broker; must run before any actor module is imported."""
    broker: dramatiq.Broker = (
        RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
        if redis_url
        else StubBroker()
    )
    broker.add_middleware(ClosesDbConnections())
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


def start_worker(broker: dramatiq.Broker, *, threads: int = 2) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker
