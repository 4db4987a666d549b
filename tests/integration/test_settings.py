"""Settings that must refuse to start rather than fail later, one request at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.servers import database_env
from tests.settings_process import last_json, output_of


def test_a_public_base_url_for_calendar_push_that_is_not_https_refuses_to_start() -> None:
    env = {**os.environ, "GCAL_PUBLIC_BASE_URL": "http://nobat.example.test"}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "scheduler.config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert started.returncode != 0
    assert "GCAL_PUBLIC_BASE_URL must start with https://" in started.stderr


def test_a_default_language_we_have_no_catalog_for_refuses_to_start() -> None:
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "NOBAT_LANGUAGE": "de",
            "DJANGO_SETTINGS_MODULE": "scheduler.config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert started.returncode != 0
    assert "NOBAT_LANGUAGE must be one of en, fa (got 'de')" in started.stderr


def test_metrics_networks_that_are_not_networks_refuse_to_start() -> None:
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "METRICS_ALLOWED_NETWORKS": "127.0.0.1/32,intranet",
            "DJANGO_SETTINGS_MODULE": "scheduler.config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert started.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS" in started.stderr


# -- the production runtime's database and Redis ------------------------------------------------

NOWHERE = "postgres://postgres@127.0.0.1:1/nobat"  # loopback, nothing listens: never reached
RUNTIME_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "CHANNELS_REDIS_URL",
    "BROKER_REDIS_URL",
    "DATABASE_POOL_SIZE",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_CONN_MAX_AGE",
    "DISABLE_SERVER_SIDE_CURSORS",
    "DATABASE_PREPARED_STATEMENTS",
}
READ = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; print(json.dumps({"
    "'engine': db['ENGINE'], 'max_age': db['CONN_MAX_AGE'], "
    "'pool': db.get('OPTIONS', {}).get('pool'), "
    "'no_server_cursors': db.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "'prepared_statements': settings.DATABASE_PREPARED_STATEMENTS, "
    "'channels': settings.CHANNEL_LAYERS['default'].get('CONFIG', {}).get('hosts'), "
    "'broker': settings.DRAMATIQ_BROKER_URL, 'cache': settings.CACHES['default'].get('LOCATION'), "
    "}))"
)


def settings_with(tmp_path: Path, **given: str) -> Any:
    """The settings a process started with these variables (and none of the runtime's) reads."""
    return last_json(output_of(READ, tmp_path, given=given, without=RUNTIME_VARIABLES))


def test_by_default_postgres_connections_are_not_kept_as_django_advises_under_asgi(
    tmp_path: Path,
) -> None:
    read = settings_with(tmp_path, DATABASE_URL=NOWHERE)

    assert (read["max_age"], read["pool"], read["no_server_cursors"]) == (0, None, False)
    assert read["prepared_statements"] is True


def test_a_pool_pgbouncer_and_kept_connections_are_set_from_the_environment(
    tmp_path: Path,
) -> None:
    pooled = settings_with(
        tmp_path,
        DATABASE_URL=NOWHERE,
        DATABASE_POOL_SIZE="12",
        DATABASE_POOL_TIMEOUT="3",
        DATABASE_CONN_MAX_AGE="60",  # no meaning with a pool, whose connections are kept
        DISABLE_SERVER_SIDE_CURSORS="true",
        DATABASE_PREPARED_STATEMENTS="false",
    )
    kept = settings_with(tmp_path, DATABASE_URL=NOWHERE, DATABASE_CONN_MAX_AGE="60")

    assert pooled["max_age"] == 0
    assert pooled["pool"] == {"min_size": 4, "max_size": 12, "timeout": 3.0}
    assert pooled["no_server_cursors"] is True
    assert pooled["prepared_statements"] is False
    assert (kept["max_age"], kept["pool"]) == (60, None)


def test_the_embedded_runtime_ignores_them(tmp_path: Path) -> None:
    read = settings_with(tmp_path, DATABASE_POOL_SIZE="12", DISABLE_SERVER_SIDE_CURSORS="true")

    assert read["engine"] == "django.db.backends.sqlite3"
    assert (read["pool"], read["no_server_cursors"]) == (None, False)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pooled_process_queries_through_its_pool(tmp_path: Path) -> None:
    query = (
        "import django; django.setup(); from django.db import connection; "
        "connection.ensure_connection(); print(connection.pool.max_size, "
        "connection.cursor().execute('select 41 + 1').fetchone()[0])"
    )

    # This run's test database: the one DATABASE_URL names exists only as its prefix.
    printed = output_of(query, tmp_path, given={**database_env(), "DATABASE_POOL_SIZE": "3"})

    assert printed.split() == ["3", "42"]


def test_the_channel_layer_and_the_task_queue_may_each_have_a_redis_of_their_own(
    tmp_path: Path,
) -> None:
    shared = settings_with(tmp_path, DATABASE_URL=NOWHERE, REDIS_URL="redis://one:6379/0")
    apart = settings_with(
        tmp_path,
        DATABASE_URL=NOWHERE,
        REDIS_URL="redis://one:6379/0",
        CHANNELS_REDIS_URL="redis://two:6379/0",
        BROKER_REDIS_URL="redis://three:6379/0",
    )

    assert (shared["cache"], shared["channels"], shared["broker"]) == (
        "redis://one:6379/0",
        ["redis://one:6379/0"],
        "redis://one:6379/0",
    )
    assert (apart["cache"], apart["channels"], apart["broker"]) == (
        "redis://one:6379/0",
        ["redis://two:6379/0"],
        "redis://three:6379/0",
    )
