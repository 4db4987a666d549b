"""Names the request's user and address as the origin of whatever it reads or changes."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from scheduler.adapters.audit.origin import Origin, current
from scheduler.adapters.client_address import client_ip


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip = client_ip(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))
        token = current.set(Origin(user=lambda: request.user, ip=ip))
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
