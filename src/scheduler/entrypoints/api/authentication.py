"""Bearer tokens, and the language of the answer to one.

DRF signs a token's user in after the middleware chose the response's language, so a stored
choice was not seen there; it is applied here, first as for a page: the user's stored language,
then (already chosen by the middleware) Accept-Language or the cookie, then the site's default.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from scheduler.config import log_context
from scheduler.entrypoints.language import supported


class LanguageJWTAuthentication(JWTAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        signed_in = super().authenticate(request)
        if signed_in is not None:
            log_context.user_id.set(signed_in[0].pk)
            stored = supported(getattr(signed_in[0], "language", ""))
            if stored:
                translation.activate(stored)
                request._request.LANGUAGE_CODE = stored
                request._request.language_chosen = True  # type: ignore[attr-defined]
        return signed_in


class LanguageJWTScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]
    """The same bearer scheme in the OpenAPI schema (``jwtAuth``)."""

    target_class = "scheduler.entrypoints.api.authentication.LanguageJWTAuthentication"
