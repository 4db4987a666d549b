"""Times every HTTP request for the metrics and the access log, labelled by its route: the URL
pattern that answered ("api/appointments/<uuid:appointment_id>/"), never the path, so ids and a
scanner's made-up paths do not each become a series of their own, and a path's secrets (a
password-reset link, a feed's secret) and a query's phone number are not written down.

Nor do made-up methods: a request its route does not serve (no route matched, a method the view
has no handler for, OPTIONS, 405, 501) is counted as "(unmatched)", and, if its path matched a
route, with the method "other". Anyone may send every method to every route; what the series
count then grows by is a handful, not routes x methods x status classes x buckets.

The access log is this one line a request (daphne's own is off: it writes paths), with the
request's id and user from the context the inner middleware sets."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import ResolverMatch

from scheduler.adapters import metrics
from scheduler.config.logs import UNMATCHED, masked

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"
# A view without a class says nothing of the methods it serves: the ones a page's form uses.
FUNCTION_VIEW_METHODS = frozenset({"GET", "HEAD", "POST"})
NOT_SERVED = frozenset({405, 501})

access_log = logging.getLogger("scheduler.access")


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = request.resolver_match
        status = response.status_code
        route, counted_method = labels(match, request.method or "", status)
        metrics.REQUEST_SECONDS.labels(
            route=route, method=counted_method, status=f"{status // 100}xx"
        ).observe(seconds)
        method = request.method if request.method in METHODS else OTHER
        shown = "/" + match.route if match else masked(request.path_info)
        access_log.info(
            "%s %s %s %.1f ms",
            method,
            shown,
            status,
            seconds * 1000,
            extra={
                "method": method,
                "route": shown,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response


def labels(match: ResolverMatch | None, method: str, status: int) -> tuple[str, str]:
    """The route and method a request is counted under."""
    known = method if method in METHODS else OTHER
    if match is None:
        return UNMATCHED, known
    if status in NOT_SERVED or not _served(match, method):
        return UNMATCHED, OTHER
    return match.route or match.view_name, known


def _served(match: ResolverMatch, method: str) -> bool:
    if method == "OPTIONS":  # every class-based view answers it, alike: nothing of the route's
        return False
    view_class = getattr(match.func, "view_class", None)
    if view_class is None:
        return method in FUNCTION_VIEW_METHODS
    handler = "get" if method == "HEAD" else method.lower()  # a view's get answers HEAD too
    return handler in view_class.http_method_names and hasattr(view_class, handler)
