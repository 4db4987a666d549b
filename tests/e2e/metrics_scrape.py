"""Reading /metrics as Prometheus would, for the tests that check a metric moved."""

from __future__ import annotations

from typing import Any

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def scrape(remote: str = "127.0.0.1", **headers: str) -> Any:
    return Client(REMOTE_ADDR=remote, headers=headers).get("/metrics")


def value(name: str, **labels: str) -> float:
    """A sample's value in a scrape (0 for a series not there yet)."""
    for family in text_string_to_metric_families(scrape().content.decode()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0
