"""A short Python program in a process of its own, whose settings come from the environment it
is given: how a test sees what settings.py makes of variables (they are read once, at import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

SECONDS = 120


def output_of(
    program: str,
    data_dir: Path,
    *,
    given: Mapping[str, str] | None = None,
    without: Iterable[str] = (),
    args: Sequence[str] = (),
    stdin: str | None = None,
) -> str:
    """What ``program`` printed, run with this environment less ``without``, plus ``given``."""
    left_out = set(without)
    env = {name: value for name, value in os.environ.items() if name not in left_out}
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        input=stdin,
        env={
            **env,
            **(given or {}),
            "NOBAT_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "scheduler.config.settings",
        },
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=True,
    )
    return done.stdout


def last_json(output: str) -> Any:
    """The program's answer: the JSON on its last line (what setup printed comes before)."""
    return json.loads(output.splitlines()[-1])
