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
    """Each Redis this process uses answers (the cache's, the channel layer's, the task
    queue's: one, or up to three)."""
    uses = _redis_uses()
    if not uses:
        return Check(NOT_USED, "the embedded runtime has no Redis")
    for url, roles in uses.items():
        try:
            _redis_client(url).ping()
        except Exception as error:  # named by what it is for: the address may hold a password
            return _failed("redis", error, of=" and ".join(roles))
    return Check(OK, "PING answered" if len(uses) == 1 else f"PING answered by each of {len(uses)}")


def _redis_uses() -> dict[str, list[str]]:
    uses: dict[str, list[str]] = {}
    for role, url in (
        ("cache", settings.REDIS_URL),
        ("channel layer", settings.CHANNELS_REDIS_URL),
        ("task queue", settings.DRAMATIQ_BROKER_URL),
    ):
        if url:
            uses.setdefault(url, []).append(role)
    return uses


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
            answers[name] = _failed(name, error)
        if answers[name].passed:
            _last_error.pop(name, None)
    return answers


def _failed(name: str, error: Exception, *, of: str = "") -> Check:
    """The check failing by ``error``: its type shown (after what failed, ``of``), its text
    logged when the fault starts or changes, not on each of a probe's calls every few seconds."""
    shown = f"{of}: {type(error).__name__}" if of else type(error).__name__
    text = f"{shown}: {error}"[:500]
    if _last_error.get(name) != text:
        _last_error[name] = text
        log.warning("readiness check %s failing: %s", name, text)
    return Check(FAILING, shown)
