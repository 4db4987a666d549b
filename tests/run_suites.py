"""`./run test`: the whole suite on the embedded runtime, then on PostgreSQL + Redis.

Extra arguments go to pytest in both runs (e.g. `./run test tests/unit -x`). The production
run is never skipped quietly: without PostgreSQL it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

# One database name per run, so two runs on one machine never drop each other's test database.
POSTGRES_URL = os.environ.get(
    "TEST_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/nobat_{os.getpid()}"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PRODUCTION_ONLY = ("DATABASE_URL", "REDIS_URL")


def main(pytest_args: list[str]) -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    worst = 0
    with tempfile.TemporaryDirectory(prefix="nobat-test-") as scratch:
        for name, extra_env, marker in (
            ("embedded (SQLite, in-memory layers)", {}, ["-m", "not postgres"]),
            (
                "production (PostgreSQL + Redis)",
                {"DATABASE_URL": POSTGRES_URL, "REDIS_URL": REDIS_URL},
                [],
            ),
        ):
            report = Path(scratch) / f"{len(name)}.xml"
            env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ONLY}
            env.update(extra_env, NOBAT_DATA_DIR=str(Path(scratch) / name.split()[0]))
            # Dramatiq's Redis keys per run too: parallel runs never work each other's queues...
            env.setdefault("DRAMATIQ_NAMESPACE", f"nobat-test-{os.getpid()}")
            # ...and socket groups: two runs share doctor ids, so a shared prefix crosses deltas.
            env.setdefault("CHANNELS_PREFIX", f"nobat-test-{os.getpid()}")
            print(f"\n===== {name} =====", flush=True)
            command = [
                sys.executable,
                "-m",
                "pytest",
                f"--junitxml={report}",
                "--durations=15",  # where the wall time goes, per runtime
                *marker,
                *pytest_args,
            ]
            code = subprocess.call(command, env=env)
            # pytest's 5 means "no tests collected": fine for a filtered run of one runtime.
            worst = max(worst, 0 if code == 5 else code)
            for key, value in _counts(report).items():
                totals[key] += value
    print(
        f"\nboth runtimes: {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['skipped']} skipped"
    )
    return worst


def _counts(report: Path) -> dict[str, int]:
    if not report.exists():
        return {"passed": 0, "failed": 1, "skipped": 0}
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite[0]
    tests, failures, errors, skipped = (
        int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")
    )
    return {
        "passed": tests - failures - errors - skipped,
        "failed": failures + errors,
        "skipped": skipped,
    }


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
