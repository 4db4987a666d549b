"""Request bodies in UTF-8 only (ASCII being part of it). Django decodes a form or multipart
body in whatever charset its Content-Type names, and some charsets (UTF-7, unicode_escape)
carry half of a UTF-16 pair alone, which no query, log line or reply can write: an attacker's
``charset=utf-7`` got a 500 from sign-in, sign-up and every form the API takes, signed in as
no one. Browsers and the API's clients send UTF-8; another charset is refused (415) before
anything reads the body (no middleware reads it before the views do). JSON bodies are checked
again where they are parsed (lone_surrogates)."""

from __future__ import annotations

import codecs
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

_READABLE = frozenset({"utf-8", "ascii"})


class Utf8BodiesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        parameters = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))[1]
        charset = parameters.get("charset")
        if charset is None or _named(charset) in _READABLE:
            return self.get_response(request)
        said = _("Send the body in UTF-8: no other charset is read here.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": said}, status=415)
        return HttpResponse(said, status=415, content_type="text/plain; charset=utf-8")


def _named(charset: str) -> str | None:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None
