"""The `scheduler` command as a person runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.servers import database_env


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
