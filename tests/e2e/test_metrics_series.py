"""However many methods anyone sends to however many routes, the request metrics grow by a few
series, not by routes x methods x status classes x buckets."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from scheduler.adapters import metrics

pytestmark = pytest.mark.django_db

# The methods a page or a client sends: a route that serves one has its series for it.
USED = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
# And what a scan adds: methods no route here has a handler of its own for.
SCAN = [*USED, "OPTIONS", "FOO", "TRACE", "PROPFIND"]
# The request series such a scan may still open: (unmatched, other) by status class.
AT_MOST = 4


def plain_routes(patterns: list[Any], prefix: str = "") -> list[str]:
    """The site's routes without a parameter, as paths."""
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if "<" in route or "^" in route or "admin" in route:
            continue
        if isinstance(pattern, URLResolver):
            found += plain_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append("/" + route)
    return found


def series() -> set[tuple[tuple[str, str], ...]]:
    return {
        tuple(sorted(sample.labels.items()))
        for family in metrics.REQUEST_SECONDS.collect()
        for sample in family.samples
        if sample.name.endswith("_count")
    }


def test_methods_no_route_serves_open_a_fixed_few_series(settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    routes = plain_routes(get_resolver().url_patterns)
    assert len(routes) > 20
    client = Client(enforce_csrf_checks=True)
    for route in routes:
        for method in USED:
            client.generic(method, route)
    before = series()

    for route in routes:
        for method in SCAN:
            client.generic(method, route)

    opened = series() - before
    assert len(opened) <= AT_MOST, sorted(opened)
