"""Django's deploy check passes with the production settings of deploy/env.example (and a real
secret): HTTPS-only cookies, HSTS, the redirect, a Content-Security-Policy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def example_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            if name not in ("DATABASE_URL", "REDIS_URL"):  # no server is needed to check
                env[name] = value
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(60)
    env["NOBAT_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "scheduler.config.settings"
    return env


def test_the_deploy_check_is_clean_with_the_example_settings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=example_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
