"""Daphne's access log, through Python logging and without paths.

Daphne's own writes plain lines to stdout, whatever LOG_FORMAT says, with each request's full
path and query string: a password-reset link, a calendar feed's secret, a visit's socket token,
a desk's search for a phone number. An HTTP request is logged by our middleware instead
(entrypoints.request_metrics: route, status, time, request id, user); a socket's opening,
refusal and closing here, by the route of its URL pattern, never its path.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server
from django.urls import URLResolver
from django.urls.resolvers import RegexPattern

from scheduler.config.logs import route_of

access_log = logging.getLogger("scheduler.access")

_SOCKET_ACTIONS = {"connected": "opened", "rejected": "refused", "disconnected": "closed"}


@cache
def _socket_routes() -> URLResolver:
    from scheduler.entrypoints.ws.routing import websocket_urlpatterns

    return URLResolver(RegexPattern(r"^/"), websocket_urlpatterns)


def log_action(protocol: str, action: str, details: dict[str, Any]) -> None:
    if protocol != "websocket" or action not in _SOCKET_ACTIONS:
        return
    route = route_of(str(details.get("path", "")), _socket_routes())
    access_log.info(
        "WebSocket %s %s",
        route,
        _SOCKET_ACTIONS[action],
        extra={"route": route, "socket": _SOCKET_ACTIONS[action]},
    )


class _Server(Server):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "action_logger": log_action})


class Daphne(CommandLineInterface):  # type: ignore[misc]
    server_class = _Server
