"""Log filters.

A refused request (a 4xx: anyone can cause one, as often as they like) is one line in the log,
not a traceback: the log stays readable, and no one can fill it for free.

A request's path is not logged, only the route that answered it: paths carry live secrets (a
password-reset link, a calendar feed's secret, a booking link, a visit's socket token) and
query strings carry what a desk searched for (a phone number). Whoever reads the logs must not
be able to take over an account with them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, URLResolver, get_resolver

UNMATCHED = "(unmatched)"
# A path segment that may be a secret or someone's id: any digit, or long.
_SECRET_SEGMENT = re.compile(r"[^/]*\d[^/]*|[^/]{20,}")
# Where a secret may still be written in free text (a Referer quoted in a CSRF refusal): the
# paths whose segments are secrets, and any query string.
_SECRET_PATHS = "b|w|visit|ws/visit|api/live/visit|feeds|password-reset|verify-email"
_SECRET_IN_TEXT = re.compile(rf"(/(?:{_SECRET_PATHS}))(?:/[^/?#\s\"'<>,;()]+)+")
_QUERY_IN_TEXT = re.compile(r"\?[^\s\"'<>,;()]*")
# Loggers that write a request's path: Django's refusals and errors, daphne, our access lines.
_REQUEST_LOGGERS = ("django.request", "django.security", "daphne", "scheduler.access")


def route_of(path: str, resolver: URLResolver | None = None) -> str:
    """The URL pattern that answers ``path`` ("/b/<str:token>/"), without its query string;
    a path nothing answers has its secret-looking segments masked."""
    path = path.split("?", 1)[0]
    try:
        match = (resolver or get_resolver()).resolve(path)
    except Resolver404:
        return masked(path)
    return "/" + match.route if match.route else masked(path)


def masked(path: str) -> str:
    return "/".join(
        "<redacted>" if _SECRET_SEGMENT.fullmatch(part) else part
        for part in path.split("?", 1)[0].split("/")
    )


def scrubbed(text: str) -> str:
    return _QUERY_IN_TEXT.sub("", without_link_secrets(text))


def without_link_secrets(text: str) -> str:
    """``text`` with the secret of each link it holds (a booking link's token) masked."""
    return _SECRET_IN_TEXT.sub(r"\1/<redacted>", text)


class RefusalsWithoutTraceback(logging.Filter):
    """A request refused with a 4xx (a wrong Host, a body too large) is the client's doing: a
    warning without a traceback, not an error that pages someone."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class WithoutSecretPaths(logging.Filter):
    """On the handler (a logger's filter misses what its children log): a request's path in a
    record of the loggers that write one becomes its route, and the record's ``request`` (which
    a JSON line would print, query string and all) becomes method and route."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_REQUEST_LOGGERS):
            return True
        message = record.getMessage()
        request: Any = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            route = route_of(request.path_info)
            for shown in (request.get_full_path(), request.path, request.path_info):
                message = message.replace(shown, route)
            record.request = f"{request.method} {route}"
        record.msg = scrubbed(message)
        record.args = None
        return True
