"""Several processes, one scrape: with PROMETHEUS_MULTIPROC_DIR each process counts into the
shared directory and any process's /metrics adds them up; a process that ended takes its open
sockets out of the gauge but leaves its counts."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.settings_process import output_of

PROCESS = """
import sys, django
django.setup()
from scheduler.adapters import metrics
if sys.argv[1] == "count":
    metrics.BOOKING_CONFLICTS.inc()
    metrics.SOCKETS_OPEN.inc()
else:
    sys.stdout.write(metrics.latest().decode())
"""


def run(what: str, shared: Path, data: Path) -> str:
    # The embedded runtime with an empty data dir: no database to read the outbox from, which
    # the scrape leaves out rather than failing.
    return output_of(
        PROCESS,
        data,
        given={"PROMETHEUS_MULTIPROC_DIR": str(shared)},
        without={"DATABASE_URL", "REDIS_URL"},
        args=[what],
    )


def test_a_scrape_adds_up_every_process(tmp_path: Path) -> None:
    shared, data = tmp_path / "metrics", tmp_path / "data"
    shared.mkdir()

    for _ in range(2):
        run("count", shared, data)
    text = run("scrape", shared, data)

    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples["nobat_booking_conflicts_total"] == 2
    assert samples["nobat_websocket_connections"] == 0
