"""Settings that must refuse to start rather than fail later, one request at a time."""

from __future__ import annotations

import os
import subprocess
import sys


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
