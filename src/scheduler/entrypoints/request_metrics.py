"""Times every HTTP request for the metrics, labelled by its route: the URL pattern that
answered ("api/appointments/<uuid:appointment_id>/"), never the path, so ids and a scanner's
made-up paths do not each become a series of their own."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from scheduler.adapters import metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        metrics.REQUEST_SECONDS.labels(
            route=(match.route or match.view_name) if match else UNMATCHED,
            method=request.method if request.method in METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response
