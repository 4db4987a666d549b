"""Times every HTTP request for the metrics and the access log, labelled by its route: the URL
pattern that answered ("api/appointments/<uuid:appointment_id>/"), never the path, so ids and a
scanner's made-up paths do not each become a series of their own, and a path's secrets (a
password-reset link, a feed's secret) and a query's phone number are not written down.

The access log is this one line a request (daphne's own is off: it writes paths), with the
request's id and user from the context the inner middleware sets."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from scheduler.adapters import metrics
from scheduler.config.logs import UNMATCHED, masked

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access_log = logging.getLogger("scheduler.access")


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = request.resolver_match
        route = (match.route or match.view_name) if match else UNMATCHED
        method = request.method if request.method in METHODS else "other"
        metrics.REQUEST_SECONDS.labels(
            route=route, method=method, status=f"{response.status_code // 100}xx"
        ).observe(seconds)
        shown = "/" + match.route if match else masked(request.path_info)
        access_log.info(
            "%s %s %s %.1f ms",
            method,
            shown,
            response.status_code,
            seconds * 1000,
            extra={
                "method": method,
                "route": shown,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response
