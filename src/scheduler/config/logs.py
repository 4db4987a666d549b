"""Log filters. A refused request (a 4xx: anyone can cause one, as often as they like) is one
line in the log, not a traceback: the log stays readable, and no one can fill it for free."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
