"""The database connection of a thread that lives as long as its process: the outbox relay,
the sweeps, Dramatiq's worker threads.

Such a thread keeps its connection from one round or job to the next, as
``DATABASE_CONN_MAX_AGE`` would keep it: opening one is a PostgreSQL process and a few round
trips, and the relay's rounds stand between a commit and the sockets that show it, a worker's
jobs between a due reminder and its mail. A pooled connection (``DATABASE_POOL_SIZE``) goes
back after each round instead: borrowing it again is cheap, and the pool is the requests' too.
A round that failed closes it (the database went away, say): the next opens a fresh one.

Before each round or job a kept connection is tried (Django's health check, a ``SELECT 1``, as
``conn_health_checks`` does for a request): one the server ended meanwhile (a restart, an idle
cut by PgBouncer, a NAT or ``idle_session_timeout``) is closed there, not met by the round,
which would fail once in every such thread and, for a calendar push, lose its job.
"""

from __future__ import annotations

from django.db import connections


def before_round() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


def after_round(*, failed: bool) -> None:
    for connection in connections.all(initialized_only=True):
        if failed or connection.settings_dict.get("OPTIONS", {}).get("pool"):
            connection.close()


def at_thread_end() -> None:
    connections.close_all()
