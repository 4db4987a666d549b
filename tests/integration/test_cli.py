"""The `scheduler` command as a person runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scheduler.entrypoints import cli
from tests.servers import database_env, free_port, server_env


def test_serve_on_a_port_in_use_says_so_and_stops(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, **database_env(), "NOBAT_DATA_DIR": str(tmp_path)}
        if not env.get("DATABASE_URL"):
            env.pop("DATABASE_URL", None)
        served = subprocess.run(
            [sys.executable, "-m", "scheduler.entrypoints.cli", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert served.returncode == 2
    assert f"Port {port} on 127.0.0.1 is in use" in served.stderr
    assert "Nobat is running" not in served.stdout


@pytest.mark.django_db(transaction=True)
def test_a_worker_serves_its_metrics_on_the_port_it_is_given(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, f"test-{port}")
    worker = subprocess.Popen(
        [sys.executable, "-m", "scheduler.entrypoints.cli", "worker", "--threads", "0"],
        env={**env, "WORKER_METRICS_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        text = scrape_when_up(f"http://127.0.0.1:{port}/metrics", worker)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"nobat_dramatiq_messages", "nobat_outbox_backlog"} <= names


def scrape_when_up(url: str, process: subprocess.Popen[bytes]) -> str:
    for _ in range(STARTUP_TRIES):
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return str(answer.read().decode())
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"nothing answered at {url}")


# A bound for a loaded machine (tries a quarter of a second apart), not a measure.
STARTUP_TRIES = 240


def test_a_port_left_in_time_wait_by_the_last_process_is_free_to_serve_on() -> None:
    # A restarted web process behind nginx finds its port held only by TIME_WAIT sockets of
    # the keep-alive connections it closed; daphne binds over those, and so must the check.
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        served, _ = listener.accept()
        served.close()  # the server's side closes first: its end stays in TIME_WAIT
        client.close()

    assert cli._port_free("127.0.0.1", port)


def test_a_port_someone_listens_on_is_not_free() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        assert not cli._port_free("127.0.0.1", listener.getsockname()[1])
