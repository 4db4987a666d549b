"""Real servers for tests that need them: ``scheduler serve`` (daphne, with its outbox relay) in a
subprocess on a free loopback port, on the database this test run prepared.

The subprocess sees the rows a test writes only when they are committed: use it from tests
marked ``django_db(transaction=True)``. It signs sessions and tokens with this process's
SECRET_KEY, so what the test makes (a JWT, a session) is good there too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.conftest import UNTHROTTLED

STARTUP_SECONDS = 90


@dataclass(frozen=True)
class Server:
    port: int
    log: Path
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def database_env() -> dict[str, str]:
    """Environment that points ``scheduler`` at this test run's database."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"NOBAT_SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {"DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def server_env(data_dir: Path, channels_prefix: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        **database_env(),
        "NOBAT_DATA_DIR": str(data_dir),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "CHANNELS_PREFIX": channels_prefix,
        "LOG_LEVEL": "WARNING",
        # What a test writes from its own process wakes no server's relay: the server finds it
        # by its sweep, and a page waits for it (2 s by default, most of a 5 s expectation on
        # a loaded machine).
        "OUTBOX_SWEEP_SECONDS": "0.5",
        **UNTHROTTLED,
        **extra,
    }
    if not env["DATABASE_URL"]:
        del env["DATABASE_URL"]  # an empty one would still mean "production runtime"
    return env


@contextmanager
def serving(
    data_dir: Path, *, channels_prefix: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """One ``scheduler serve`` until the block ends; its output in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = data_dir / f"serve-{port}.log"
    prefix = channels_prefix or f"test-{uuid.uuid4().hex[:12]}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduler.entrypoints.cli", "serve", "--port", str(port)],
            env=server_env(data_dir, prefix, **(env or {})),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, log, process.pid)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scheduler serve exited:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/specialties/", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"scheduler serve did not answer:\n{server.log.read_text()[-3000:]}")
