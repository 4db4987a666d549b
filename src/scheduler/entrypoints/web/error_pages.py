"""What a refused or failed request gets: under /api/, the API's JSON (``{"detail", "code"}``),
whatever refused it (Django itself for an oversized body, CSRF, or no route); elsewhere, the
site's own pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from scheduler.entrypoints.api.errors import CSRF_REFUSED

API = "/api/"


def _json(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API):
        return _json(
            400, "bad_request", _("The request could not be read (too large, or too many fields).")
        )
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API):
        return _json(403, "not_allowed", _("Not allowed."))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API):
        return _json(404, "not_found", _("No such endpoint."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API):
        return _json(
            500, "server_error", _("Something went wrong on our side; nothing was changed.")
        )
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form or a session call without its CSRF token: usually a page open too long."""
    if request.path.startswith(API):
        return _json(403, "csrf_failed", str(CSRF_REFUSED))
    return render(request, "403.html", status=403)
