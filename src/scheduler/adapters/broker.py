"""The Dramatiq broker: Redis in production, the stub broker worked in-process otherwise."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker


def install(redis_url: str, *, namespace: str = "dramatiq") -> dramatiq.Broker:
    """Make the process-wide broker; must run before any actor module is imported."""
    broker: dramatiq.Broker = (
        RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
        if redis_url
        else StubBroker()
    )
    dramatiq.set_broker(broker)
    return broker


def start_worker(broker: dramatiq.Broker, *, threads: int = 2) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker
