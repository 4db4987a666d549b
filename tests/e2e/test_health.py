"""The probes: /health/live answers while the process runs; /health/ready says 503, with the
reason (to the operators' networks only), as soon as one of the database, Redis, the migrations
or the outbox is not right."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from scheduler.adapters.audit.models import AuditEntry
from scheduler.adapters.orm import models as rows
from tests.settings_process import last_json, output_of

pytestmark = pytest.mark.django_db

# Loopback, a port nothing listens on.
NO_REDIS = "redis://127.0.0.1:1/0"
NO_DATABASE = "postgres://postgres@127.0.0.1:1/nobat"


def ready(remote: str = "127.0.0.1", **headers: str) -> Any:
    return Client(REMOTE_ADDR=remote, headers=headers).get("/health/ready")


def test_live_answers_with_a_small_body() -> None:
    response = Client().get("/health/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_passes_when_everything_is_in_order(settings: Any) -> None:
    response = ready()

    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "redis": "ok" if settings.REDIS_URL else "not used",
        "migrations": "ok",
        "outbox": "ok",
    }
    assert response.json()["status"] == "ok"


def test_ready_sets_no_cookie_and_writes_no_audit_row() -> None:
    response = ready()

    assert not response.cookies
    assert not AuditEntry.objects.exists()


def test_an_unreachable_redis_is_a_503_with_its_reason(settings: Any) -> None:
    settings.REDIS_URL = NO_REDIS

    response = ready()

    assert response.status_code == 503
    redis = response.json()["checks"]["redis"]
    assert redis["status"] == "failing"
    assert redis["detail"] == "cache: ConnectionError"
    assert response.json()["status"] == "failing"


def test_a_task_queue_on_a_redis_of_its_own_is_checked_and_named(settings: Any) -> None:
    settings.DRAMATIQ_BROKER_URL = NO_REDIS

    response = ready()

    assert response.status_code == 503
    redis = response.json()["checks"]["redis"]
    assert redis["status"] == "failing"
    assert redis["detail"].startswith("task queue: ConnectionError")


def test_a_channel_layer_on_a_redis_of_its_own_is_checked_and_named(settings: Any) -> None:
    settings.CHANNELS_REDIS_URL = NO_REDIS

    redis = ready().json()["checks"]["redis"]

    assert redis["status"] == "failing"
    assert redis["detail"].startswith("channel layer: ConnectionError")


@pytest.mark.postgres
def test_each_redis_answering_keeps_it_ready(settings: Any) -> None:
    # The same server under a second address: the probe cannot tell, and asks both.
    settings.DRAMATIQ_BROKER_URL = settings.REDIS_URL.replace("127.0.0.1", "localhost")

    response = ready()

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["redis"]["detail"] == "PING answered by each of 2"


def test_others_learn_only_ready_or_not(settings: Any) -> None:
    assert (ready("203.0.113.9").status_code, ready("203.0.113.9").json()) == (
        200,
        {"status": "ok"},
    )
    settings.REDIS_URL = NO_REDIS

    response = ready("203.0.113.9")

    assert (response.status_code, response.json()) == (503, {"status": "failing"})


@pytest.mark.parametrize("forwarded", ["203.0.113.9", "unknown", "203.0.113.9, 203.0.113.10:80"])
def test_behind_the_proxy_the_client_is_judged(settings: Any, forwarded: str) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    assert ready(x_forwarded_for=forwarded).json() == {"status": "ok"}


def test_an_error_is_logged_once_each_time_it_changes_not_shown(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert ready().status_code == 200  # passing: whatever failed before is forgotten
    settings.REDIS_URL = NO_REDIS
    with caplog.at_level(logging.WARNING, logger="scheduler.adapters.readiness"):
        bodies = [ready().content.decode() for _ in range(3)]

    logged = [r.getMessage() for r in caplog.records if r.name == "scheduler.adapters.readiness"]
    assert len(logged) == 1
    assert "127.0.0.1" in logged[0]
    assert not any("127.0.0.1" in body for body in bodies)


def test_an_unapplied_migration_is_a_503_naming_it(settings: Any) -> None:
    settings.HEALTH_MIGRATIONS_CACHE_SECONDS = 0
    # Django's own record of what is applied, taken back (in the test's transaction).
    recorder = MigrationRecorder(connection)
    last = max(name for app, name in recorder.applied_migrations() if app == "orm")
    recorder.record_unapplied("orm", last)

    response = ready()

    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["status"] == "failing"
    assert f"orm.{last}" in migrations["detail"]


def test_migrations_found_applied_are_not_read_again_for_a_while(settings: Any) -> None:
    settings.HEALTH_MIGRATIONS_CACHE_SECONDS = 3600
    assert ready().status_code == 200
    recorder = MigrationRecorder(connection)
    last = max(name for app, name in recorder.applied_migrations() if app == "orm")
    recorder.record_unapplied("orm", last)

    assert ready().status_code == 200  # the graph was not loaded again
    settings.HEALTH_MIGRATIONS_CACHE_SECONDS = 0
    assert ready().status_code == 503


def test_an_outbox_event_older_than_the_threshold_is_a_503(settings: Any) -> None:
    settings.HEALTH_OUTBOX_MAX_AGE_SECONDS = 60
    stuck = pending_event()
    rows.StoredEvent.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(seconds=61)
    )

    response = ready()

    assert response.status_code == 503
    outbox = response.json()["checks"]["outbox"]
    assert outbox["status"] == "failing"
    assert outbox["detail"].startswith("1 pending")


def test_a_young_backlog_and_delivered_or_dead_events_keep_it_ready(settings: Any) -> None:
    settings.HEALTH_OUTBOX_MAX_AGE_SECONDS = 60
    pending_event()
    old = timezone.now() - timedelta(hours=1)
    for delivery in (rows.StoredEvent.Delivery.DONE, rows.StoredEvent.Delivery.DEAD):
        rows.StoredEvent.objects.filter(pk=pending_event().pk).update(
            delivery=delivery, created_at=old
        )

    assert ready().status_code == 200


def pending_event() -> rows.StoredEvent:
    return rows.StoredEvent.objects.create(
        id=uuid.uuid4(),
        type="AvailabilityChanged",
        aggregate_id=uuid.uuid4(),
        version=1,
        occurred_at=timezone.now(),
        payload={},
    )


def test_a_database_that_does_not_answer_is_a_503_not_a_500(tmp_path: Any) -> None:
    # A process of its own, whose database is a loopback port nothing listens on.
    probe = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/health/ready', HTTP_HOST='localhost'); "
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    answer = last_json(
        output_of(probe, tmp_path, given={"DATABASE_URL": NO_DATABASE}, without={"REDIS_URL"})
    )
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"]["status"] == "failing"
    assert checks["database"]["detail"] == "OperationalError"  # where it failed is logged
    assert checks["redis"]["status"] == "not used"
