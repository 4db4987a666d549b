"""Gives each request an id for the logs (the caller's ``X-Request-ID`` when it is a sane token,
as a proxy or a client sets it, else a new one), echoed in the response's ``X-Request-ID``; and
names the signed-in user and the appointment the URL names, where known."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from scheduler.config import log_context

HEADER = "X-Request-ID"
# Letters, digits and a few separators, as proxies write them (a UUID, a hex string): nothing
# that could forge a log line or swell it.
SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        given = request.headers.get(HEADER, "")
        request_id = given if SANE.fullmatch(given) else uuid.uuid4().hex
        log_context.request_id.set(request_id)
        log_context.user_id.set(None)
        log_context.appointment_id.set(None)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: dict[str, Any]
    ) -> None:
        if kwargs.get("appointment_id") is not None:
            log_context.appointment_id.set(str(kwargs["appointment_id"]))
        # A session's user is read only when the request has a session, as its view will
        # anyway; a token's user is named by the API's authentication.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            log_context.user_id.set(request.user.pk)
