"""Request bodies are Django's to parse, not Twisted's.

Daphne serves HTTP with Twisted, whose request object parses a POST's multipart body on its own
(for ``request.args``, which daphne never reads) and answers one it cannot parse with a bare 400
and a dropped connection, before Django sees the request: no JSON error, no log line, and the
whole upload held in memory a second time. Django parses bodies with its own limits, so Twisted
is told not to.
"""

from __future__ import annotations

from typing import Any

from daphne import http_protocol


class _BodyLeftToDjango(http_protocol.WebRequest):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


def leave_request_bodies_to_django() -> None:
    # Daphne's factory looks the request class up by this module-level name on each connection.
    http_protocol.WebRequest = _BodyLeftToDjango
