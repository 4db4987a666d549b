"""What a log line says about where it comes from: the request's id, the user, the appointment.

Set by the request's middleware (entrypoints.request_context: the id, a session's user, the
appointment its URL names) and the API's token sign-in. Each request runs in a context of its
own (ASGI), and the middleware sets all three afresh where one thread serves request after
request. The filter copies them onto every record, for the JSON lines (LOG_FORMAT=json).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
appointment_id: ContextVar[str | None] = ContextVar("appointment_id", default=None)


class WithContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user_id = user_id.get()
        record.appointment_id = appointment_id.get()
        return True
