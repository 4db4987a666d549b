"""Whether this process can serve: the checks behind ``/health/ready``.

Each check answers with a status ("ok", "failing", "not used") and a detail a person can act
on; none raises. They run every few seconds from a load balancer, so each is one cheap query or
one PING. The migrations, whose graph is costly to load, once found applied are read again only
after HEALTH_MIGRATIONS_CACHE_SECONDS (a release's migrate may leave some unapplied again).
A check that raised names only the error's type: its text (a database's host, port and role)
is logged, at WARNING, once each time it changes, not shown.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scheduler.adapters import outbox_backlog

log = logging.getLogger(__name__)

OK, FAILING, NOT_USED = "ok", "failing", "not used"
REDIS_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    status: str
    detail: str

    @property
    def passed(self) -> bool:
        return self.status != FAILING


def database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check(OK, connection.vendor)


def redis_server() -> Check:
    if not settings.REDIS_URL:
        return Check(NOT_USED, "the embedded runtime has no Redis")
    _redis_client(settings.REDIS_URL).ping()
    return Check(OK, "PING answered")


@functools.lru_cache(maxsize=4)
def _redis_client(url: str) -> redis.Redis:
    # One pool per address for the process: a probe every few seconds reuses its connection.
    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )


_applied_seen_at: float | None = None  # monotonic time the migrations were last all applied
_last_error: dict[str, str] = {}  # per check, the error last logged


def migrations() -> Check:
    global _applied_seen_at
    seen = _applied_seen_at
    if seen is not None and time.monotonic() - seen < settings.HEALTH_MIGRATIONS_CACHE_SECONDS:
        return Check(OK, "all applied")
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in unapplied)
        _applied_seen_at = None
        return Check(FAILING, f"{len(unapplied)} not applied: {names}"[:500])
    _applied_seen_at = time.monotonic()
    return Check(OK, "all applied")


def outbox() -> Check:
    backlog = outbox_backlog.read()
    limit = settings.HEALTH_OUTBOX_MAX_AGE_SECONDS
    detail = f"{backlog.pending} pending, the oldest {backlog.oldest_age_seconds:.0f} s old"
    return Check(OK if backlog.oldest_age_seconds <= limit else FAILING, detail)


CHECKS: dict[str, Callable[[], Check]] = {
    "database": database,
    "redis": redis_server,
    "migrations": migrations,
    "outbox": outbox,
}


def run_all() -> dict[str, Check]:
    """Every check's answer; a check that raised is failing, with the error's type as its
    detail (its text is logged)."""
    answers = {}
    for name, check in CHECKS.items():
        try:
            answers[name] = check()
        except Exception as error:  # the probe reports any fault: a 503 with its reason
            answers[name] = Check(FAILING, type(error).__name__)
            _log_once(name, f"{type(error).__name__}: {error}"[:500])
        else:
            _last_error.pop(name, None)
    return answers


def _log_once(name: str, error: str) -> None:
    # A probe every few seconds: the same fault is logged when it starts or changes, not each time.
    if _last_error.get(name) != error:
        _last_error[name] = error
        log.warning("readiness check %s failing: %s", name, error)
